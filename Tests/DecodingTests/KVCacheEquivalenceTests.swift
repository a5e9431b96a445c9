// KV cache on and off give the same tokens and logits, for our GPT (both styles) and for SmolLM2: the cache is an
// optimisation, never a change of model. Logits are compared step by step (cached: feed one token; uncached: feed
// the whole prefix into an empty cache), and the generated tokens through the Generator.
import Foundation
import XCTest
import Models
import Tensor
@testable import Decoding

final class KVCacheEquivalenceTests: XCTestCase {
    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    func tinyGPT(_ style: TransformerConfig.Style) -> TransformerRuntime {
        let config = TransformerConfig(style: style, vocabSize: 61, contextLength: 48, width: 32, layers: 2, heads: 4,
                                       kvHeads: style == .llama ? 2 : 4, tiedEmbeddings: style == .gpt2)
        let gpt = GPT(config: config, seed: 5)
        var rng = RandomGenerator(seed: 6)
        for (name, t) in gpt.namedParameters() where !name.hasSuffix("Norm.weight") {
            for i in 0..<t.count { t.pointer[i] = 0.3 * rng.nextNormal() }
        }
        return TransformerRuntime(gpt: gpt)
    }

    /// Greedy steps with and without the cache; returns the largest logit difference seen.
    func compare(_ lm: TransformerRuntime, prompt: [Int32], steps: Int) throws -> (Float, [Int32], [Int32]) {
        let cached = lm.makeCache(capacity: prompt.count + steps), scratch = lm.makeCache(capacity: prompt.count + steps)
        var a = try lm.feed(prompt, cache: cached)
        var sequence = prompt, tokensA: [Int32] = [], tokensB: [Int32] = [], worst: Float = 0
        for _ in 0..<steps {
            scratch.truncate(to: 0)
            let b = try lm.feed(sequence, cache: scratch)
            worst = max(worst, zip(a, b).map { abs($0 - $1) }.max()!)
            let (na, nb) = (Samplers.argmax(a), Samplers.argmax(b))
            tokensA.append(na); tokensB.append(nb)
            sequence.append(na)
            a = try lm.feed([na], cache: cached)
        }
        return (worst, tokensA, tokensB)
    }

    func testTinyGPTBothStyles() throws {
        for style in TransformerConfig.Style.allCases {
            let (diff, a, b) = try compare(tinyGPT(style), prompt: [1, 7, 30, 2], steps: 24)
            XCTAssertEqual(a, b, "\(style)")
            XCTAssertLessThan(diff, 1e-3, "\(style): max |Δ logit| = \(diff)")
        }
    }

    func testSmolLM2() throws {
        let path = Self.here.appendingPathComponent("../../checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf").standardized.path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) absent; run scripts/get-model.sh") }
        let lm = try TransformerRuntime.load(path: path)
        let prompt = lm.tokenizer!.encode("The quick brown fox")
        let (diff, a, b) = try compare(lm, prompt: prompt, steps: 12)
        XCTAssertEqual(a, b)
        XCTAssertLessThan(diff, 1e-3, "max |Δ logit| = \(diff)")
        print("SmolLM2 KV cache on/off: max |Δ logit| = \(diff) over 12 steps")

        // And through the Generator: same text with and without the cache.
        var options = GenerationOptions()
        options.maxTokens = 8
        var s1 = Sampler(parameters: .greedy, seed: 0), s2 = Sampler(parameters: .greedy, seed: 0)
        let generator = Generator(model: lm, tokenizer: lm.tokenizer!)
        let g1 = try generator.run(prompt: prompt, sampler: &s1, options: options)
        options.useKVCache = false
        let g2 = try generator.run(prompt: prompt, sampler: &s2, options: options)
        XCTAssertEqual(g1.tokens, g2.tokens)
        XCTAssertEqual(g1.tokens, Array(a.prefix(8)))
    }
}
