// Malformed templates and rendering failures: typed errors that point at the line and column.
import XCTest
@testable import Chat

final class JinjaErrorTests: XCTestCase {
    private func syntaxError(_ source: String, file: StaticString = #filePath, line: UInt = #line) -> (String, Int, Int)? {
        do {
            _ = try ChatTemplate(source: source)
            XCTFail("parsed without error: \(source.debugDescription)", file: file, line: line)
        } catch let .syntax(message, l, c) {
            return (message, l, c)
        } catch {
            XCTFail("expected a syntax error, got \(error)", file: file, line: line)
        }
        return nil
    }

    func testUnclosedForNamesItsLine() throws {
        let e = try XCTUnwrap(syntaxError("hello\n  {% for m in messages %}\n{{ m }}"))
        XCTAssertEqual(e.1, 2)
        XCTAssertEqual(e.2, 6)  // the `for` keyword
        XCTAssertTrue(e.0.contains("'for' tag is never closed"), e.0)
    }

    func testUnexpectedTokenPointsAtIt() throws {
        let e = try XCTUnwrap(syntaxError("line one\n{{ 'a' + }}"))
        XCTAssertEqual(e.1, 2)
        XCTAssertEqual(e.2, 10)  // the `}}`
        XCTAssertTrue(e.0.contains("expected an expression but found '}}'"), e.0)
    }

    func testUnclosedStringAndUnknownCharacter() throws {
        let s = try XCTUnwrap(syntaxError("{{ 'abc }}"))
        XCTAssertEqual([s.1, s.2], [1, 4])
        let c = try XCTUnwrap(syntaxError("x\ny\n{% if a $ b %}{% endif %}"))
        XCTAssertEqual([c.1, c.2], [3, 9])
    }

    func testMismatchedEndTag() throws {
        let e = try XCTUnwrap(syntaxError("{% if x %}a{% endfor %}"))
        XCTAssertEqual([e.1, e.2], [1, 15])
        XCTAssertTrue(e.0.contains("endfor"), e.0)
    }

    func testUnsupportedTagIsNamed() throws {
        let e = try XCTUnwrap(syntaxError("{% raw %}{{ x }}{% endraw %}"))
        XCTAssertTrue(e.0.contains("raw"), e.0)
        XCTAssertEqual([e.1, e.2], [1, 4])
    }

    func testRenderErrorHasLocation() throws {
        let template = try ChatTemplate(source: "ok\n{{ messages[0].content + 1 }}")
        XCTAssertThrowsError(try template.render(messages: [.user("hi")])) { error in
            guard case let ChatTemplateError.render(message, line, column) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(message, "unsupported operand type(s) for +: 'str' and 'int'")
            XCTAssertEqual(line, 2)
            XCTAssertEqual(column, 24)  // the `+`
        }
    }

    func testLookingIntoUndefinedFails() throws {
        let template = try ChatTemplate(source: "{{ nothing.role }}")
        XCTAssertThrowsError(try template.render(messages: [])) { error in
            guard case let ChatTemplateError.render(message, _, _) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("'nothing' is undefined"), message)
        }
    }

    func testErrorDescriptionNamesLineAndColumn() {
        let e = ChatTemplateError.syntax(message: "unexpected 'endfor'", line: 3, column: 7)
        XCTAssertEqual("\(e)", "chat template, line 3, column 7: unexpected 'endfor'")
    }
}
