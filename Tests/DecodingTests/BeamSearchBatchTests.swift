// Beam search feeds all beams of a step in one `feed(batch:caches:)`. Against the same model fed one beam at a time
// (a wrapper that leaves `feed(batch:)` to the protocol's one-after-the-other default), the hypotheses are the same:
// tokens, scores to the last bit, endings — on SmolLM2 with float and 8-bit activations (skipped without the GGUF)
// and on a random tiny GPT, each also with a float16 KV cache (whose copies the beams inherit).
import Foundation
import XCTest
import Models
import Tensor
import Tokenizers
@testable import Decoding

/// `model`, but fed one sequence at a time: no `feed(batch:)` of its own.
final class OneAtATime: LanguageModel {
    let model: TransformerRuntime
    init(_ model: TransformerRuntime) { self.model = model }
    var vocabSize: Int { model.vocabSize }
    var contextLength: Int { model.contextLength }
    var specialTokens: SpecialTokenIDs { model.specialTokens }
    var tokenizer: (any Tokenizer)? { model.tokenizer }
    func makeCache(capacity: Int?) -> KVCache { model.makeCache(capacity: capacity) }
    func feed(_ tokens: [Int32], cache: KVCache, allPositions: Bool) throws -> [Float] {
        try model.feed(tokens, cache: cache, allPositions: allPositions)
    }
}

final class BeamSearchBatchTests: XCTestCase {
    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    func compare(_ lm: TransformerRuntime, prompt: [Int32], beams: Int, maxTokens: Int, label: String) throws {
        var p = BeamSearchParameters()
        p.numBeams = beams
        p.numReturnSequences = beams
        let batched = try BeamSearch(model: lm, parameters: p).run(prompt: prompt, maxTokens: maxTokens)
        let alone = try BeamSearch(model: OneAtATime(lm), parameters: p).run(prompt: prompt, maxTokens: maxTokens)
        XCTAssertEqual(batched.count, alone.count, label)
        for (i, (a, b)) in zip(batched, alone).enumerated() {
            XCTAssertEqual(a.tokens, b.tokens, "\(label) hypothesis \(i)")
            XCTAssertEqual(a.score.bitPattern, b.score.bitPattern, "\(label) hypothesis \(i): \(a.score) vs \(b.score)")
            XCTAssertEqual(a.endedWithEOS, b.endedWithEOS, "\(label) hypothesis \(i)")
        }
        XCTAssertGreaterThan(Set(batched.map(\.tokens)).count, 1, "\(label): the beams differ")
    }

    func testSmolLM2() throws {
        let path = Self.here.appendingPathComponent("../../checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf").standardized.path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) absent; run scripts/get-model.sh") }
        let lm = try TransformerRuntime.load(path: path)
        let prompt = lm.tokenizer!.encode("The best thing about Paris is")
        for activations in ActivationPrecision.allCases {
            lm.options = RuntimeOptions(activations: activations)
            try compare(lm, prompt: prompt, beams: 4, maxTokens: 12, label: "SmolLM2 \(activations)")
        }
        // llama.cpp's numerics: beams copy float16 caches from their parents.
        lm.options = .llamaCpp
        try compare(lm, prompt: prompt, beams: 4, maxTokens: 12, label: "SmolLM2 q8, f16 cache")
    }

    func testTinyGPT() throws {
        let config = TransformerConfig(style: .gpt2, vocabSize: 41, contextLength: 32, width: 32, layers: 2, heads: 4,
                                       kvHeads: 4, tiedEmbeddings: true)
        let gpt = GPT(config: config, seed: 5)
        var rng = RandomGenerator(seed: 6)
        for (name, t) in gpt.namedParameters() where !name.hasSuffix("Norm.weight") {
            for i in 0..<t.count { t.pointer[i] = 0.3 * rng.nextNormal() }
        }
        let lm = TransformerRuntime(gpt: gpt)
        try compare(lm, prompt: [4, 9, 1], beams: 5, maxTokens: 10, label: "tiny gpt2")
        lm.options.kvCache = .float16
        try compare(lm, prompt: [4, 9, 1], beams: 5, maxTokens: 10, label: "tiny gpt2, f16 cache")
    }
}
