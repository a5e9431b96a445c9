// The built-in formats (`--chat-format`) produce what the real templates do, and the end-of-turn probe finds each
// template's turn terminator.
import XCTest
@testable import Chat

final class ChatFormatTests: XCTestCase {
    /// Each built-in against the real template it stands for, on the fixture conversations that template accepts
    /// (skipping system messages where the original refuses them and ours folds them in).
    func testBuiltinsMatchTheRealTemplates() throws {
        let expected = try Fixtures.expected()
        let pairs: [(ChatFormat, String, skipSystem: Bool)] = [
            (.chatML, "smollm2", false), (.llama2, "llama2-chat", false), (.llama3, "llama3-instruct", false),
            (.zephyr, "zephyr", false), (.mistral, "mistral-v0.1", true), (.gemma, "gemma2-it", true),
        ]
        for (format, name, skipSystem) in pairs {
            let fixture = try XCTUnwrap(expected.templates[name])
            var compared = 0
            for c in fixture.cases where c.output != nil {
                if skipSystem, c.messages.contains(where: { $0.role == "system" }) { continue }
                // SmolLM2 adds its own default system prompt; compare ChatML on conversations that bring one.
                if name == "smollm2", c.messages.first?.role != "system" { continue }
                let output = try format.template.render(messages: c.messages, addGenerationPrompt: c.add_generation_prompt,
                                                        bosToken: fixture.bos_token, eosToken: fixture.eos_token)
                XCTAssertEqual(output, c.output, "\(format.name) vs \(name) / \(c.name) / \(c.add_generation_prompt)")
                compared += 1
            }
            XCTAssertGreaterThanOrEqual(compared, 4, "\(format.name): too few cases compared")
        }
    }

    func testSystemFoldsIntoFirstUserTurn() throws {
        let prompt = try ChatFormat.mistral.template.render(messages: [.system("S"), .user("U")], bosToken: "<s>", eosToken: "</s>")
        XCTAssertEqual(prompt, "<s>[INST] S\n\nU [/INST]")
    }

    func testNamedLookup() throws {
        XCTAssertEqual(try ChatFormat.named("ChatML").name, "chatml")
        XCTAssertThrowsError(try ChatFormat.named("vicuna")) { error in
            XCTAssertEqual(error as? ChatTemplateError, .unknownFormat(name: "vicuna", known: ["chatml", "llama2", "llama3", "zephyr", "mistral", "gemma"]))
        }
    }

    func testEndOfTurn() throws {
        let cases: [(String, String, String)] = [
            ("smollm2", "", "<|im_end|>"), ("llama3.1-instruct", "<|eot_id|>", "<|eot_id|>"), ("llama2-chat", "</s>", "</s>"),
            ("zephyr", "</s>", "</s>"), ("qwen2.5-instruct", "<|im_end|>", "<|im_end|>"), ("gemma2-it", "<eos>", "<end_of_turn>"),
            ("mistral-v0.3", "</s>", "</s>"),
        ]
        for (name, eos, want) in cases {
            let template = try ChatTemplate(source: try Fixtures.template(name))
            XCTAssertEqual(template.endOfTurn(eosToken: eos), want, name)
        }
        XCTAssertNil(try ChatTemplate(source: "{% for m in messages %}{{ m.content }}{% endfor %}").endOfTurn())
    }
}
