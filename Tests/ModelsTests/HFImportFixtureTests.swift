// Importing folders that transformers and tokenizers themselves saved (Fixtures/hf-*, made by
// scripts/make-hf-fixtures.py with `save_pretrained`, with what transformers computed from them): lmlab's tokenizer
// gives AutoTokenizer's ids and decoding; `--model folder/` gives transformers' logits within 1e-4 — float32 GPT-2,
// GPT-2 with its own tanh-approximated GELU in float16, and a bfloat16 Llama with grouped-query attention, an
// untied head and a Llama 3 tokenizer — and the same greedy tokens and perplexity; and the .h5 checkpoint
// `lmlab import` writes holds the same tokenizer (ids that are not lmlab's own, added tokens, a Llama 3
// pre-tokenizer) and chat template, and computes exactly what the folder does.
import Foundation
import Tokenizers
import XCTest

@testable import Models

final class HFImportFixtureTests: XCTestCase {
    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    struct Reference: Decodable {
        var text: String
        var ids: [Int32]
        var decoded: String
        var logits: [[Float]]
        var greedy: [Int32]
        var perplexity: Double
    }

    static func reference(_ folder: String) throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/reference.json")))
    }

    /// Checks one fixture; returns the largest logit difference from transformers.
    func check(_ name: String, warnings: Int = 0) throws -> Float {
        let folder = Self.here.appendingPathComponent("Fixtures/\(name)").path
        let reference = try Self.reference(folder)
        let source = try HFModelFolder(path: folder)
        XCTAssertEqual(source.warnings.count, warnings, "\(source.warnings)")
        let tokenizer = try XCTUnwrap(source.tokenizer)
        XCTAssertEqual(tokenizer.encode(reference.text, addSpecial: true), reference.ids, "\(name): AutoTokenizer's ids")
        XCTAssertEqual(tokenizer.decode(reference.ids), reference.decoded, "\(name): AutoTokenizer's decoding")

        let direct = try TransformerRuntime(folder: source)
        let observed = try direct.feed(reference.ids, cache: direct.makeCache(), allPositions: true)
        let distance = InteropSupport.maxDifference(observed, reference.logits.flatMap { $0 })
        XCTAssertLessThanOrEqual(distance, 1e-4, "\(name): --model folder/ vs transformers")
        XCTAssertEqual(try GGUFExportTests.greedy(direct, reference.ids, reference.greedy.count).tokens, reference.greedy,
                       "\(name): transformers' greedy continuation")
        let perplexity = Self.perplexity(direct, reference.ids)
        XCTAssertEqual(perplexity, reference.perplexity, accuracy: 1e-4 * reference.perplexity, "\(name): perplexity")

        // `lmlab import folder/ --out x.h5`, loaded back the way every command loads a checkpoint.
        let dir = try InteropSupport.temporaryDirectory(self)
        _ = try source.saveCheckpoint(to: "\(dir)/imported.h5")
        let loaded = try Checkpoint.load(path: "\(dir)/imported.h5")
        XCTAssertEqual(loaded.config, source.config)
        XCTAssertEqual(loaded.chatTemplate, source.tokenizerConfig.chatTemplate)
        XCTAssertNotNil(loaded.chatTemplate, "every fixture has a chat template")
        XCTAssertEqual(try Checkpoint.info(path: "\(dir)/imported.h5").hasChatTemplate, true)
        let stored = try XCTUnwrap(loaded.tokenizer)
        XCTAssertEqual(stored.pieces, tokenizer.pieces)
        XCTAssertEqual(stored.tokenBytes, tokenizer.tokenBytes)
        XCTAssertEqual(stored.tokenTypes, tokenizer.tokenTypes)
        XCTAssertEqual(stored.merges, tokenizer.merges)
        XCTAssertEqual(stored.preTokenizer, tokenizer.preTokenizer)
        XCTAssertEqual(stored.specialIDs, tokenizer.specialIDs)
        XCTAssertEqual([stored.addBOS, stored.addEOS], [tokenizer.addBOS, tokenizer.addEOS])
        let imported = TransformerRuntime(gpt: loaded.model, tokenizer: loaded.tokenizer)
        XCTAssertEqual(imported.tokenizer!.encode(reference.text, addSpecial: true), reference.ids)
        XCTAssertEqual(try imported.feed(reference.ids, cache: imported.makeCache(), allPositions: true), observed,
                       "\(name): the imported .h5 computes what the folder does")
        XCTAssertEqual(try GGUFExportTests.greedy(imported, reference.ids, reference.greedy.count).tokens, reference.greedy)
        XCTAssertEqual(Self.perplexity(imported, reference.ids), perplexity, "\(name): the same perplexity")
        return distance
    }

    /// exp(−mean log p(ids[i] | ids[..<i])) over i ≥ 1, as transformers' loss with labels = ids.
    static func perplexity(_ lm: TransformerRuntime, _ ids: [Int32]) -> Double {
        let scores = try! GGUFExportTests.logprobs(lm, [ids[0]], Array(ids.dropFirst()))
        return exp(-scores.reduce(0.0) { $0 + Double($1) } / Double(scores.count))
    }

    func testGPT2Float32() throws {
        let d = try check("hf-gpt2-f32")
        print("hf-gpt2-f32: max |logit difference| vs transformers \(d)")
    }

    func testLlamaBFloat16() throws {
        let d = try check("hf-llama-bf16")
        print("hf-llama-bf16: max |logit difference| vs transformers \(d)")
    }

    /// GPT-2's "gelu_new", 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), computed as such (config.geluApproximation);
    /// the tokenizer has 20 tokens fewer than the embedding (the one warning) and a non-special added token.
    func testGPT2TanhGELUFloat16() throws {
        let folder = Self.here.appendingPathComponent("Fixtures/hf-gpt2-tanh-f16").path
        XCTAssertEqual(try HFModelFolder(path: folder).config.geluApproximation, .tanh)
        let d = try check("hf-gpt2-tanh-f16", warnings: 1)
        print("hf-gpt2-tanh-f16: max |logit difference| vs transformers \(d)")
        let tokenizer = try XCTUnwrap(try HFModelFolder(path: folder).tokenizer)
        XCTAssertEqual(tokenizer.tokenType(of: 300), .userDefined, "<|sep|> is an added token, not a special one")
        XCTAssertEqual(tokenizer.encode("a<|sep|>b", addSpecial: false, parseSpecial: true).count, 3)
    }
}
