import Foundation
import XCTest
@testable import Chat

final class ChatMessageTests: XCTestCase {
    /// The JSON shape is OpenAI's: {"role": …, "content": …}.
    func testDecodesOpenAIShape() throws {
        let json = #"[{"role":"system","content":"You are Bob."},{"role":"user","content":"Hi"}]"#
        let messages = try JSONDecoder().decode([ChatMessage].self, from: Data(json.utf8))
        XCTAssertEqual(messages, [.system("You are Bob."), .user("Hi")])
    }
}
