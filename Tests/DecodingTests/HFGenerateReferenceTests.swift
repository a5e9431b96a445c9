// lmlab's decoders against Hugging Face transformers' `generate()` on SmolLM2 (the GGUF dequantized to float32, as
// transformers loads it): greedy, greedy with repetition penalty 1.3, beam search with 4 beams and repetition
// penalty 1.3, beam search with no-repeat-ngram 3 and length penalty 0.6 — the same token ids for 32 new tokens —
// and one sampling step's processed scores under `--preset hf` semantics. Reference made by
// scripts/make-hf-generate-reference.py (Fixtures/hf-generate-reference.json).
import Foundation
import XCTest
import Models
@testable import Decoding

final class HFGenerateReferenceTests: XCTestCase {
    struct Reference: Decodable {
        struct Result: Decodable {
            var sequences: [[Int32]]; var stoppedByEos: [Bool]; var sequencesScores: [Double]?
            enum CodingKeys: String, CodingKey { case sequences, stoppedByEos = "stopped_by_eos", sequencesScores = "sequences_scores" }
        }
        struct Prompt: Decodable {
            var text: String, ids: [Int32]
            var greedy: Result
            var greedyRep13: Result
            var beam4Rep13: Result
            var beam4Norepeat3Lp06: Result
            enum CodingKeys: String, CodingKey {
                case text, ids, greedy
                case greedyRep13 = "greedy_rep1.3", beam4Rep13 = "beam4_rep1.3", beam4Norepeat3Lp06 = "beam4_norepeat3_lp0.6"
            }
        }
        struct SamplingStep: Decodable {
            struct Settings: Decodable {
                var temperature: Float, topK: Int, topP: Float, repetitionPenalty: Float
                enum CodingKeys: String, CodingKey {
                    case temperature, topK = "top_k", topP = "top_p", repetitionPenalty = "repetition_penalty"
                }
            }
            struct Processed: Decodable { var settings: Settings; var ids: [Int32]; var scores: [Double] }
            var prompt: String
            var processed: [Processed]
        }
        var maxNewTokens: Int
        var prompts: [Prompt]
        var samplingSteps: [SamplingStep]
        enum CodingKeys: String, CodingKey { case maxNewTokens = "max_new_tokens", prompts, samplingSteps = "sampling_steps" }
    }

    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    func load() throws -> (TransformerRuntime, Reference) {
        let path = Self.here.appendingPathComponent("../../checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf").standardized.path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) absent; run scripts/get-model.sh") }
        let decoder = JSONDecoder()
        let data = try Data(contentsOf: Self.here.appendingPathComponent("Fixtures/hf-generate-reference.json"))
        return (try TransformerRuntime.load(path: path), try decoder.decode(Reference.self, from: data))
    }

    func testPromptTokensMatchHF() throws {
        let (lm, ref) = try load()
        for p in ref.prompts {
            XCTAssertEqual(lm.tokenizer!.encode(p.text, addSpecial: true, parseSpecial: true), p.ids, p.text)
        }
    }

    /// Greedy: the EOS HF appends when it stops is the token our Generator stops at (and leaves out).
    func testGreedyAndGreedyWithRepetitionPenalty() throws {
        let (lm, ref) = try load()
        let generator = Generator(model: lm, tokenizer: lm.tokenizer!)
        var options = GenerationOptions()
        options.maxTokens = ref.maxNewTokens
        for p in ref.prompts {
            for (params, expected, name) in [(SamplingParameters.greedy, p.greedy, "greedy"),
                                             ({ var g = SamplingParameters.greedy; g.repetitionPenalty = 1.3; g.penaltyLastN = -1; return g }(),
                                              p.greedyRep13, "greedy, repetition 1.3")] {
                var sampler = Sampler(parameters: params, seed: 0)
                let g = try generator.run(prompt: p.ids, sampler: &sampler, options: options)
                let ours = g.tokens + (g.finishReason == .stop ? [lm.specialTokens.eos!] : [])
                XCTAssertEqual(ours, expected.sequences[0], "\(name): \(p.text)")
            }
        }
    }

    func testBeamSearchMatchesHF() throws {
        let (lm, ref) = try load()
        for p in ref.prompts {
            for (expected, configure, name) in [
                (p.beam4Rep13, { (b: inout BeamSearchParameters) in b.repetitionPenalty = 1.3 }, "4 beams, repetition 1.3"),
                (p.beam4Norepeat3Lp06, { (b: inout BeamSearchParameters) in b.noRepeatNgramSize = 3; b.lengthPenalty = 0.6 },
                 "4 beams, no-repeat 3, length penalty 0.6"),
            ] {
                var params = BeamSearchParameters()
                params.numBeams = 4
                params.numReturnSequences = 4
                configure(&params)
                let hyps = try BeamSearch(model: lm, parameters: params).run(prompt: p.ids, maxTokens: ref.maxNewTokens)
                XCTAssertEqual(hyps.first?.tokens, expected.sequences[0], "best of \(name): \(p.text)")
                XCTAssertEqual(hyps.map(\.tokens), expected.sequences.map { seq in
                    // HF pads shorter hypotheses with the pad id (= EOS here) after their EOS.
                    let end = seq.firstIndex(of: lm.specialTokens.eos!).map { $0 + 1 } ?? seq.count
                    return Array(seq[..<end])
                }, "all of \(name): \(p.text)")
                for (h, s) in zip(hyps, expected.sequencesScores ?? []) {
                    XCTAssertEqual(h.score, s, accuracy: 2e-3, "score, \(name): \(p.text)")
                }
            }
        }
    }

    /// `--preset hf` with temperature 0.7, top-k 50, top-p 0.9 or 1, repetition penalty 1.3 keeps the same tokens
    /// with the same processed scores (repetition penalty on logits, then ÷ T, then the cuts) as transformers.
    func testSamplingStepMatchesHFProcessors() throws {
        let (lm, ref) = try load()
        var checked = 0
        for step in ref.samplingSteps {
            let ids = lm.tokenizer!.encode(step.prompt, addSpecial: true, parseSpecial: true)
            let logits = try lm.feed(ids, cache: lm.makeCache(capacity: ids.count))
            for case let p in step.processed {
                var params = SamplingParameters.hf
                params.temperature = p.settings.temperature; params.topK = p.settings.topK
                params.topP = p.settings.topP; params.repetitionPenalty = p.settings.repetitionPenalty
                var sampler = Sampler(parameters: params, seed: 0)
                sampler.prompt(ids)
                let c = sampler.candidates(logits)
                // Near the top-k / top-p border a 1e-4 logit difference may swap the last kept token.
                let missing = Set(p.ids).subtracting(c.ids), extra = Set(c.ids).subtracting(p.ids)
                XCTAssertLessThanOrEqual(missing.count + extra.count, 2, "\(step.prompt) top-p \(p.settings.topP): missing \(missing), extra \(extra)")
                XCTAssertEqual(c.ids.first, p.ids.first, "most likely token, \(step.prompt)")
                let ours = Dictionary(uniqueKeysWithValues: zip(c.ids, c.logits))
                for (id, score) in zip(p.ids, p.scores) where ours[id] != nil {
                    XCTAssertEqual(Double(ours[id]!), score, accuracy: 0.03, "processed score of \(id), \(step.prompt)")
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 100, "processed scores compared")
    }
}
