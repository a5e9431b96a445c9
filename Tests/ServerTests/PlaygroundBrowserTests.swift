// The playground in a real browser: headless Chromium from Debian's packages, driven by Selenium from the test venv
// (scripts/setup.sh installs all three), against a live `lmlab serve` with the tiny GPT and SmolLM2 started here.
// Clients/playground_browser.py types prompts, runs greedy, clicks tokens and alternatives, moves the sliders, runs
// Compare, Beams and a JSON-mode chat, and checks what the page shows against the CLI (`lmlab generate`, `inspect
// --json`, `compare --json`) and the API; no JavaScript error may reach the console.
import Foundation
import XCTest

final class PlaygroundBrowserTests: XCTestCase {
    func testThePageInHeadlessChromium() throws {
        let smol = ServerFixture.smolPath, tiny = ServerFixture.tinyPath
        guard FileManager.default.fileExists(atPath: smol) else { throw XCTSkip("\(smol) is missing: run `make model`") }
        guard FileManager.default.fileExists(atPath: tiny) else { throw XCTSkip("\(tiny) is missing: lesson 1 trains it") }
        for tool in ["/usr/bin/chromium", "/usr/bin/chromedriver"] where !FileManager.default.isExecutableFile(atPath: tool) {
            XCTFail("\(tool) is missing: run scripts/setup.sh (it installs Debian's chromium and chromium-driver)")
            return
        }
        let server = try LiveServer(arguments: ["--model", tiny, "--model", smol, "--chat-format", "chatml"])
        defer { server.stop() }
        let (status, output) = try LiveServer.runClient("playground_browser.py", [
            "--base-url", server.baseURL, "--lmlab", LiveServer.lmlab, "--smol", smol, "--tiny", tiny,
        ])
        print(output)
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains(" passed, 0 failed"), output)
    }
}
