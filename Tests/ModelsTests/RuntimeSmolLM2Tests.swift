// SmolLM2-135M-Instruct (Q4_1 GGUF) through the runtime, against an independent float64 NumPy forward of the llama
// architecture over gguf-py's dequantized weights (Fixtures/smollm2-runtime-reference.json, written by
// scripts/make-runtime-reference.py). Per prompt: the top-10 next-token log-probabilities agree within 0.02 nats,
// and 32 greedy tokens (EOS not treated as a stop: the reference just keeps going) are the same ids.
// Skipped when the checkpoint is absent; run scripts/get-model.sh to get it.
import Foundation
import XCTest
@testable import Models
import GGUF
import Tensor

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

    /// Generation's products with 8-bit activations (`RuntimeOptions.activations = .q8`, llama.cpp's CPU path). Only
    /// matrix–vector products use them, so the prompt is fed one token at a time. The log-probs move (the figures
    /// are printed); they must stay within 0.5 nats of the float64 reference (observed: up to 0.43, on tokens of
    /// log-prob ≈ −5; the top ones move less), where the exact mode, fed the same way, stays within 0.02. Greedy continuations are printed with the step where they first leave the reference's.
    func testQ8ActivationsStayCloseToFloat64Reference() throws {
        let model = try loadModel(), reference = try loadReference()
        var worstOverall = (q8: 0.0, float: 0.0)
        for p in reference.prompts {
            var worst = (q8: 0.0, float: 0.0)
            for mode in [ActivationPrecision.float, .q8] {
                model.options.activations = mode
                let cache = model.makeCache(capacity: p.ids.count + p.greedy.count)
                var logits: [Float] = []
                for id in p.ids { logits = try model.feed([id], cache: cache) }
                let logprobs = Self.logSoftmax(logits)
                for (id, expected) in zip(p.top_ids, p.top_logprobs) {
                    let delta = abs(logprobs[Int(id)] - expected)
                    if mode == .q8 { worst.q8 = max(worst.q8, delta) } else { worst.float = max(worst.float, delta) }
                    XCTAssertEqual(logprobs[Int(id)], expected, accuracy: mode == .q8 ? 0.5 : 0.02,
                                   "\(mode) \(p.text.debugDescription): token \(id)")
                }
                var agree = 0
                while agree < p.greedy.count, Int32(logits.indices.max { logits[$0] < logits[$1] }!) == p.greedy[agree] {
                    agree += 1
                    if agree < p.greedy.count { logits = try model.feed([p.greedy[agree - 1]], cache: cache) }
                }
                print("\(mode) \(p.text.debugDescription): greedy tokens equal to the reference's: \(agree) of \(p.greedy.count)")
            }
            print("\(p.text.debugDescription): top-10 log-probs max |Δ| = \(worst.q8) nats with q8 activations, "
                  + "\(worst.float) with float (token by token)")
            worstOverall = (max(worstOverall.q8, worst.q8), max(worstOverall.float, worst.float))
        }
        model.options.activations = .float
        print("all prompts: top-10 log-probs max |Δ| = \(worstOverall.q8) nats (q8), \(worstOverall.float) nats (float)")
    }
}
