// Real models' chat templates rendered by lmlab against jinja2's renders of the same conversations
// (scripts/make-chat-template-fixtures.py, Fixtures/expected.json): byte-for-byte equal, and the same refusals.
import XCTest
@testable import Chat

final class ChatTemplateFixtureTests: XCTestCase {
    /// The templates the fixtures must cover; a missing one fails rather than silently shrinking the test.
    static let names = ["gemma2-it", "llama2-chat", "llama3-instruct", "llama3.1-instruct", "mistral-v0.1",
                        "mistral-v0.3", "qwen2.5-instruct", "qwen3", "smollm2", "zephyr"]

    func testFixturesCoverEveryTemplate() throws {
        let expected = try Fixtures.expected()
        XCTAssertEqual(expected.templates.keys.sorted(), Self.names)
        for name in Self.names { XCTAssertEqual(expected.templates[name]?.cases.count, 16, name) }
    }

    func testEveryTemplateRendersLikeJinja2() throws {
        let expected = try Fixtures.expected()
        var checked = 0, refusals = 0
        for name in Self.names {
            let fixture = try XCTUnwrap(expected.templates[name], name)
            let template = try ChatTemplate(source: try Fixtures.template(name))
            for c in fixture.cases {
                let label = "\(name) / \(c.name) / add_generation_prompt=\(c.add_generation_prompt)"
                do {
                    let output = try template.render(messages: c.messages, addGenerationPrompt: c.add_generation_prompt,
                                                     bosToken: fixture.bos_token, eosToken: fixture.eos_token)
                    if let want = c.output {
                        XCTAssertEqual(output, want, "\(label)\nexpected: \(want.debugDescription)\nobserved: \(output.debugDescription)")
                    } else {
                        XCTFail("\(label): jinja2 raised \(c.error ?? "") but lmlab rendered \(output.debugDescription)")
                    }
                } catch let ChatTemplateError.raised(message, _, _) {
                    XCTAssertEqual(message, c.error, "\(label): lmlab raised \(message.debugDescription)")
                    refusals += 1
                } catch {
                    XCTFail("\(label): \(error)")
                }
                checked += 1
            }
        }
        XCTAssertEqual(checked, 160)
        XCTAssertEqual(refusals, 24)  // as make-chat-template-fixtures.py counts: 8 + 4 + 8 + 4
    }

    /// Llama-2-chat refuses two user turns in a row; the refusal is a typed error carrying the template's message.
    func testRaiseExceptionIsATypedError() throws {
        let template = try ChatTemplate(source: try Fixtures.template("llama2-chat"))
        XCTAssertThrowsError(try template.render(messages: [.user("a"), .user("b")], bosToken: "<s>", eosToken: "</s>")) { error in
            guard case let ChatTemplateError.raised(message, line, column) = error else {
                return XCTFail("expected ChatTemplateError.raised, got \(error)")
            }
            XCTAssertEqual(message, "Conversation roles must alternate user/assistant/user/assistant/...")
            XCTAssertEqual(line, 1)
            XCTAssertGreaterThan(column, 300)  // the call sits far along the one-line template
            XCTAssertTrue("\(error)".contains("Conversation roles must alternate"), "\(error)")
        }
    }

    /// SmolLM2's template (read from the GGUF) adds its default system prompt when none is given.
    func testSmolLM2DefaultSystemPrompt() throws {
        let template = try ChatTemplate(source: try Fixtures.template("smollm2"))
        let prompt = try template.render(messages: [.user("Hi")], addGenerationPrompt: true)
        XCTAssertEqual(prompt, "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
            + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
    }
}
