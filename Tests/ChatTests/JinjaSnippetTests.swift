// The interpreter's pieces — whitespace control, loop variables, scoping, operators, filters, tests, methods —
// each a small template whose jinja2 render (HF's environment) is in Fixtures/expected.json "snippets".
import XCTest
@testable import Chat

final class JinjaSnippetTests: XCTestCase {
    func testSnippetsRenderLikeJinja2() throws {
        let snippets = try Fixtures.expected().snippets
        XCTAssertGreaterThanOrEqual(snippets.count, 35)
        for s in snippets {
            guard case let .object(pairs) = s.context else { return XCTFail("\(s.name): context is not an object") }
            do {
                let template = try ChatTemplate(source: s.template)
                let output = try template.render(context: Dictionary(uniqueKeysWithValues: pairs.map { ($0.0, $0.1.jinja) }))
                XCTAssertEqual(output, s.output, "\(s.name)\nexpected: \(s.output.debugDescription)\nobserved: \(output.debugDescription)")
            } catch {
                XCTFail("\(s.name): \(error)")
            }
        }
    }
}
