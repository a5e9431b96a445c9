import XCTest
@testable import Lectures

final class LessonTests: XCTestCase {
    let lesson = """
    # A lesson

    Some prose.

    ```sh check
    lmlab demo xor \\
        --steps 10
    ```

    ```output
    step    0  loss 0.71148
    ~ final loss 0.69 after 10 steps (0.01 s)
    ```

    ```sh
    echo not checked
    ```

    ```sh check
    lmlab bench tensor
    ```
    ```output
    lmlab bench tensor — 2 thread(s)
    ...
    done
    ```
    """

    func testShapeIgnoresNumberWidthsAndPadding() {
        XCTAssertEqual(Lesson.shape("   126       0.06 s      10.8×   yes"), Lesson.shape("   126       0.07 s       9.1×   yes"))
        XCTAssertNotEqual(Lesson.shape("126 0.06 s yes"), Lesson.shape("126 0.06 s no"))
        XCTAssertNotEqual(Lesson.shape("loss 4.2"), Lesson.shape("loss"))
    }

    func testJoinsContinuationsAndKeepsSpacesAndNewlines() {
        XCTAssertEqual(Lesson.joinLines(["echo 'a  b' \\", "    | tr a x"]), "echo 'a  b' | tr a x")
        XCTAssertEqual(Lesson.joinLines(["python3 -c '", "for i in range(2):", "    print(i)'"]),
                       "python3 -c '\nfor i in range(2):\n    print(i)'")
    }

    func testParsesCheckedCommandsAndTheirOutputs() throws {
        let commands = try Lesson.commands(in: lesson)
        XCTAssertEqual(commands.count, 2)
        XCTAssertEqual(commands[0].command, "lmlab demo xor --steps 10")
        XCTAssertEqual(commands[0].expected, ["step    0  loss 0.71148", "~ final loss 0.69 after 10 steps (0.01 s)"])
        XCTAssertEqual(commands[0].line, 5)
        XCTAssertEqual(commands[1].command, "lmlab bench tensor")
    }

    func testExactShapeAndElidedLines() {
        let expected = ["step    0  loss 0.71148", "~ final loss 0.69 after 10 steps (0.01 s)"]
        XCTAssertNil(Lesson.mismatch(expected: expected, actual: ["step    0  loss 0.71148", "final loss 0.00015 after 10 steps (0.05 s)"]))
        // A plain line must match exactly: one digit differs.
        XCTAssertNotNil(Lesson.mismatch(expected: expected, actual: ["step    0  loss 0.71149", "final loss 0.69 after 10 steps (0.01 s)"]))
        // A shape line must keep its words.
        XCTAssertNotNil(Lesson.mismatch(expected: expected, actual: ["step    0  loss 0.71148", "final loss 0.69 after 10 epochs (0.01 s)"]))
        let elided = ["head", "...", "tail"]
        XCTAssertNil(Lesson.mismatch(expected: elided, actual: ["head", "tail"]))
        XCTAssertNil(Lesson.mismatch(expected: elided, actual: ["head", "a", "b", "tail"]))
        XCTAssertNotNil(Lesson.mismatch(expected: elided, actual: ["head", "a", "b"]))
        XCTAssertNotNil(Lesson.mismatch(expected: ["a"], actual: ["a", "b"]), "extra output lines are a mismatch")
    }

    func testShapeReplacesNumbers() {
        XCTAssertEqual(Lesson.shape("12.5 ms, 3 steps, 1,234 tok/s"), "# ms, # steps, # tok/s")
    }

    func testMissingOutputBlockIsAnError() {
        XCTAssertThrowsError(try Lesson.commands(in: "```sh check\nls\n```\n\nprose\n", file: "x.md")) { error in
            XCTAssertEqual(error as? LessonError, .missingOutput(file: "x.md", line: 1))
        }
    }
}

final class LessonUpdateTests: XCTestCase {
    func testReplacingOutputKeepsShapeMarkersAndOtherBlocks() {
        let md = """
            Intro
            ```sh check
            lmlab a
            ```
            ```output
            old
            ~ took 1.5 s
            ```
            ```sh check
            lmlab b
            ```
            ```output
            keep
            ```
            """
        let updated = Lesson.replacingOutput(in: md, commandLine: 2, with: ["new", "took 2.25 s", "extra"])
        let commands = try! Lesson.commands(in: updated)
        XCTAssertEqual(commands.map(\.expected), [["new", "~ took 2.25 s", "extra"], ["keep"]])
    }
}
