// A Hugging Face folder saved by transformers (ModelsTests' fixtures, scripts/make-hf-fixtures.py) through the layer
// every command uses: `--model folder/` renders a chat with the folder's own template exactly as transformers'
// apply_chat_template did (a string in tokenizer_config.json, chat_template.jinja, the "default" of a list), and
// `lmlab import folder/ --out x.h5` gives a checkpoint that renders the same prompt, completes the same greedy
// text as the folder (transformers' greedy tokens) and scores the same perplexity; exported again as GGUF or as a
// folder, the checkpoint's template goes along.
import Chat
import Decoding
import Foundation
import Models
import XCTest
@testable import Serving

final class HFFolderImportTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ModelsTests/Fixtures")

    struct Reference: Decodable {
        var text: String
        var greedy: [Int32]
        var perplexity: Double
        var messages: [[String: String]]
        var chat_prompt: String
    }

    func testFoldersAndTheirImportsChatDecodeAndScoreAlike() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmlab-hf-import-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["hf-gpt2-f32", "hf-llama-bf16", "hf-gpt2-tanh-f16"] {
            let folder = Self.fixtures.appendingPathComponent(name).path
            let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/reference.json")))
            let messages = reference.messages.map { ChatMessage(role: $0["role"]!, content: $0["content"]!) }
            let h5 = "\(dir)/\(name).h5"
            _ = try HFModelFolder(path: folder).saveCheckpoint(to: h5)

            // The folder, its import, and the import exported again both ways: one prompt, transformers'.
            let loaded = try Checkpoint.load(path: h5)
            try GGUFExport.write(model: loaded.model, tokenizer: loaded.tokenizer!, chatTemplate: loaded.chatTemplate,
                                 type: .f32, name: name, to: "\(dir)/\(name).gguf")
            try HFExport.write(model: loaded.model, tokenizer: loaded.tokenizer!, chatTemplate: loaded.chatTemplate,
                               to: "\(dir)/\(name)-hf")
            for path in [folder, h5, "\(dir)/\(name).gguf", "\(dir)/\(name)-hf"] {
                let file = try ModelFile(path: path)
                XCTAssertNotNil(file.chatTemplateSource, "\(path): the model's own template")
                let prompt = try ChatTemplateChoice(file: file).render(messages)
                XCTAssertEqual(prompt, reference.chat_prompt, "\(path): transformers' apply_chat_template")
            }

            let fromFolder = try ModelHandle(path: folder), fromCheckpoint = try ModelHandle(path: h5)
            var request = CompletionRequest(prompt: .text(reference.text))
            request.maxTokens = reference.greedy.count
            request.sampling.temperature = 0
            let a = try fromFolder.complete(request), b = try fromCheckpoint.complete(request)
            XCTAssertEqual(a.choices[0].tokens, reference.greedy, "\(name): transformers' greedy tokens")
            XCTAssertEqual(b.choices[0].tokens, a.choices[0].tokens, "\(name): the .h5 decodes as the folder")
            XCTAssertEqual(b.choices[0].text, a.choices[0].text)

            let ids = try fromFolder.encodePrompt(reference.text)
            let p = Scoring.perplexity(try Scoring.score(fromFolder.runtime, ids), totalTokens: ids.count, windows: 1).perplexity
            let q = Scoring.perplexity(try Scoring.score(fromCheckpoint.runtime, ids), totalTokens: ids.count, windows: 1).perplexity
            XCTAssertEqual(p, reference.perplexity, accuracy: 1e-4 * reference.perplexity, "\(name): transformers' perplexity")
            XCTAssertEqual(q, p, "\(name): the .h5 scores as the folder")
        }
    }

    /// Several templates without a "default" cannot be chosen between (transformers refuses too): one error naming
    /// the file and the field.
    func testTemplateListWithoutDefault() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmlab-hf-template-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let list: [[String: String]] = [["name": "tool_use", "template": "a"], ["name": "rag", "template": "b"]]
        try JSONSerialization.data(withJSONObject: ["chat_template": list]).write(to: URL(fileURLWithPath: "\(dir)/tokenizer_config.json"))
        XCTAssertThrowsError(try HFTokenizerConfig(folder: dir)) { error in
            XCTAssertEqual("\(error)", "\(dir)/tokenizer_config.json: field \"chat_template\" lists templates named tool_use, rag "
                           + "but none named \"default\", the one a chat uses (as in transformers); fix tokenizer_config.json")
        }
    }
}
