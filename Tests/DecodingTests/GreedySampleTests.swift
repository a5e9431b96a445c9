// GreedySample — the training samples, through the runtime and the Generator — against an independent reference:
// the autograd GPT recomputing its whole window for every token and taking the first largest logit (what the
// trainer's own loop did before). Both block styles; a prompt longer than the context keeps its last tokens; an
// end-of-text token does not end a sample.
import Models
import Tensor
import Tokenizers
import XCTest
@testable import Decoding

final class GreedySampleTests: XCTestCase {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz .,!") + ["$"]   // "$" (the last id) is EOS

    func model(_ style: TransformerConfig.Style, seed: UInt64) -> GPT {
        let config = TransformerConfig(style: style, vocabSize: Self.alphabet.count, contextLength: 16, width: 32,
                                       layers: 2, heads: 4, kvHeads: style == .llama ? 2 : 4, tiedEmbeddings: style == .gpt2)
        let gpt = GPT(config: config, seed: seed)
        var rng = RandomGenerator(seed: seed + 1)
        for (name, t) in gpt.namedParameters() where !name.hasSuffix("Norm.weight") {
            for i in 0..<t.count { t.pointer[i] = 0.4 * rng.nextNormal() }
        }
        return gpt
    }

    /// The reference: no cache, the autograd forward pass over the last contextLength tokens, argmax (first wins).
    func referenceGreedy(_ gpt: GPT, prompt: [Int32], maxNewTokens: Int) -> [Int32] {
        var tokens = prompt
        var rng = RandomGenerator(seed: 0)
        Tensor.noGrad {
            for _ in 0..<maxNewTokens {
                let window = Array(tokens.suffix(gpt.config.contextLength))
                let logits = gpt.logits(window, batch: 1, time: window.count, rng: &rng).scalars
                let last = logits[((window.count - 1) * gpt.config.vocabSize)...]
                tokens.append(Int32(last.indices.first { last[$0] == last.max()! }! - last.startIndex))
            }
        }
        return Array(tokens.dropFirst(prompt.count))
    }

    func testMatchesTheAutogradGreedyLoop() throws {
        let tokenizer = CharTokenizer(alphabet: Self.alphabet, eos: Int32(Self.alphabet.count - 1))
        var sawEOS = false
        for style in TransformerConfig.Style.allCases {
            for seed: UInt64 in [3, 8, 21] {
                let gpt = model(style, seed: seed)
                for (prompt, maxNew) in [("the", 6), ("a dog ran far away, and", 10)] {
                    let sample = try XCTUnwrap(GreedySample(prompt: prompt, tokenizer: tokenizer, maxNewTokens: maxNew))
                    let ids = Array(tokenizer.encode(prompt, addSpecial: false).suffix(16 - maxNew))
                    let expected = referenceGreedy(gpt, prompt: ids, maxNewTokens: maxNew)
                    sawEOS = sawEOS || expected.contains(tokenizer.eos!)
                    XCTAssertEqual(try sample.text(from: gpt), prompt + tokenizer.decode(expected),
                                   "\(style), seed \(seed), prompt \"\(prompt)\"")
                }
            }
        }
        XCTAssertTrue(sawEOS, "no sample ran through EOS: these seeds no longer test that it does not stop one")
    }

    func testEmptyPromptHasNoSample() {
        let tokenizer = CharTokenizer(alphabet: Self.alphabet, eos: nil)
        XCTAssertNil(GreedySample(prompt: "", tokenizer: tokenizer))
    }
}
