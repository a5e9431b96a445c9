// The real client: the official `openai` Python package (installed by scripts/setup.sh into .venv-tests) against a
// live `lmlab serve` started here, running the course's notebook exercises (Clients/openai_exercises.py: logprobs
// equal to `lmlab generate --json`, a named assistant, JSON mode and a schema, streaming, n with a seed, beam search
// through extra_body, a prompt longer than the context).
import Foundation
import XCTest

final class OpenAIClientTests: XCTestCase {
    func testCourseExercisesWithTheOpenAIClient() throws {
        let smol = ServerFixture.smolPath, tiny = ServerFixture.tinyPath
        guard FileManager.default.fileExists(atPath: smol) else { throw XCTSkip("\(smol) is missing: run `make model`") }
        let hasTiny = FileManager.default.fileExists(atPath: tiny)
        let server = try LiveServer(arguments: ["--model", smol] + (hasTiny ? ["--model", tiny, "--chat-format", "chatml"] : []))
        defer { server.stop() }
        let (status, output) = try LiveServer.runClient("openai_exercises.py", [
            "--base-url", server.baseURL + "/v1", "--lmlab", LiveServer.lmlab, "--smol", smol,
        ] + (hasTiny ? ["--tiny", tiny] : []))
        print(output)
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains(" passed, 0 failed"), output)
    }
}
