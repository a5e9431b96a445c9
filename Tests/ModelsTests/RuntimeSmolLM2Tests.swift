// SmolLM2-135M-Instruct (Q4_1 GGUF) through the runtime, against an independent float64 NumPy forward of the llama
// architecture over gguf-py's dequantized weights (Fixtures/smollm2-runtime-reference.json, written by
// scripts/make-runtime-reference.py). Per prompt: the top-10 next-token log-probabilities agree within 0.02 nats,
// and 32 greedy tokens (EOS not treated as a stop: the reference just keeps going) are the same ids.
// Skipped when the checkpoint is absent; run scripts/get-model.sh to get it.
import Foundation
import XCTest
@testable import Models

final class RuntimeSmolLM2Tests: XCTestCase {
    struct Reference: Decodable {
        struct Prompt: Decodable {
            var text: String
            var special: Bool
            var ids: [Int32]
            var top_ids: [Int32]
            var top_logprobs: [Double]
            var greedy: [Int32]
        }
        var prompts: [Prompt]
    }

    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    func loadModel() throws -> TransformerRuntime {
        let path = Self.here.appendingPathComponent("../../checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf").standardized.path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) absent; run scripts/get-model.sh") }
        return try TransformerRuntime.load(path: path)
    }

    func loadReference() throws -> Reference {
        let url = Self.here.appendingPathComponent("Fixtures/smollm2-runtime-reference.json")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    static func logSoftmax(_ x: [Float]) -> [Double] {
        let m = Double(x.max()!)
        let logSum = log(x.reduce(0.0) { $0 + exp(Double($1) - m) }) + m
        return x.map { Double($0) - logSum }
    }

    func testTokenizerGivesTheReferencePromptIDs() throws {
        let model = try loadModel(), reference = try loadReference()
        let tokenizer = try XCTUnwrap(model.tokenizer)
        for p in reference.prompts {
            XCTAssertEqual(tokenizer.encode(p.text, addSpecial: true, parseSpecial: p.special), p.ids, p.text)
        }
    }

    func testTopLogProbsMatchFloat64Reference() throws {
        let model = try loadModel(), reference = try loadReference()
        for p in reference.prompts {
            let logprobs = Self.logSoftmax(try model.feed(p.ids, cache: model.makeCache(capacity: p.ids.count)))
            var worst = 0.0
            for (id, expected) in zip(p.top_ids, p.top_logprobs) {
                let observed = logprobs[Int(id)]
                worst = max(worst, abs(observed - expected))
                XCTAssertEqual(observed, expected, accuracy: 0.02, "\(p.text.debugDescription): token \(id)")
            }
            print("\(p.text.debugDescription): top-10 log-probs max |Δ| = \(worst) nats")
        }
    }

    func testGreedyContinuationMatchesReference() throws {
        let model = try loadModel(), reference = try loadReference()
        for p in reference.prompts {
            let cache = model.makeCache(capacity: p.ids.count + p.greedy.count)
            var logits = try model.feed(p.ids, cache: cache)
            var generated: [Int32] = []
            for step in 0..<p.greedy.count {
                let sorted = logits.indices.sorted { logits[$0] > logits[$1] }
                let next = Int32(sorted[0])
                if next != p.greedy[step] {
                    let margin = logits[sorted[0]] - logits[Int(p.greedy[step])]
                    XCTFail("\(p.text.debugDescription) step \(step): expected \(p.greedy[step]), observed \(next) "
                            + "(logit margin \(margin))")
                    break
                }
                generated.append(next)
                if step + 1 < p.greedy.count { logits = try model.feed([next], cache: cache) }
            }
            print("\(p.text.debugDescription) → \(model.tokenizer!.decode(generated).debugDescription)")
        }
    }
}
