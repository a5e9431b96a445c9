// The llama features a user's GGUF may have and SmolLM2 lacks (issue 6), on two small synthetic files
// (Fixtures/llama-variants*.gguf, written with their float64 NumPy references by
// scripts/make-llama-variants-fixture.py):
//   llama-variants.gguf         Q4_K and Q6_K matrices (a Q4_K_M mix), Q4_K token embedding, untied Q6_K output,
//                               grouped-query attention (4 heads, 2 KV heads), freq_base 500000, rope_freqs.weight
//   llama-variants-linear.gguf  F16 token embedding, rope.scaling.type = linear with factor 4
// Every position's log-probabilities over the whole vocabulary must agree with the reference within 1e-4 nats
// (float32 against float64 over the same dequantized weights), fed one token at a time through the KV cache and as
// one prompt (the matrix–matrix path); 8 greedy tokens must be the reference's; with 8-bit activations the
// log-probs must stay within 0.5 nats. Ignoring rope_freqs or the linear scaling moves log-probs by 1.5–6 nats.
import Foundation
import XCTest
@testable import Models
import GGUF
import Tensor

final class RuntimeLlamaVariantsTests: XCTestCase {
    struct Reference: Decodable {
        struct Sequence: Decodable {
            var ids: [Int32]
            var logprobs: [[Double]]   // (T, vocab)
            var greedy: [Int32]
        }
        var sequences: [Sequence]
    }

    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let files = ["llama-variants", "llama-variants-linear"]
    /// float32 activations and accumulations against float64: observed up to 2.2e-5 nats (printed by the tests).
    static let exactTolerance = 1e-4
    /// 8-bit activations (llama.cpp's CPU numerics), over the whole vocabulary: observed up to 0.24 nats, on tokens
    /// of log-prob −6 to −12 (printed); the bound SmolLM2's test uses for its top-10.
    static let q8Tolerance = 0.5

    func load(_ name: String) throws -> (TransformerRuntime, Reference) {
        let path = Self.here.appendingPathComponent("Fixtures/\(name).gguf").path
        let model = try TransformerRuntime.load(path: path)
        let url = Self.here.appendingPathComponent("Fixtures/\(name)-reference.json")
        return (model, try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url)))
    }

    static func logSoftmax(_ x: ArraySlice<Float>) -> [Double] {
        let m = Double(x.max()!)
        let logSum = log(x.reduce(0.0) { $0 + exp(Double($1) - m) }) + m
        return x.map { Double($0) - logSum }
    }

    /// The largest |observed − expected| over one position's vocabulary, failing with the token when over `tolerance`.
    func compare(_ observed: [Double], _ expected: [Double], tolerance: Double, _ what: String) -> Double {
        XCTAssertEqual(observed.count, expected.count, "\(what): vocabulary size")
        var worst = (delta: 0.0, id: 0)
        for (id, (o, e)) in zip(observed, expected).enumerated() where abs(o - e) > worst.delta { worst = (abs(o - e), id) }
        if worst.delta > tolerance {
            XCTFail("\(what): token \(worst.id) log-prob expected \(expected[worst.id]), observed \(observed[worst.id]) "
                    + "(|Δ| \(worst.delta) > \(tolerance))")
        }
        return worst.delta
    }

    func testFilesLoadWithTheirVariants() throws {
        let (model, _) = try load("llama-variants")
        XCTAssertEqual(model.config.kvHeads, 2)
        XCTAssertEqual(model.config.heads, 4)
        XCTAssertFalse(model.config.tiedEmbeddings)
        XCTAssertEqual(model.config.ropeTheta, 500000)
        XCTAssertEqual(model.rope.positionScale, 1)
        // rope_freqs (see the script): divisor 1 for the highest frequency (i = 0), 8 for the lowest (i = 31).
        let plain = RoPEFrequencies(headSize: 64, theta: 500000)
        XCTAssertEqual(model.rope.inverseFrequency[0], plain.inverseFrequency[0], accuracy: 1e-12)
        XCTAssertEqual(model.rope.inverseFrequency[31], plain.inverseFrequency[31] / 8, accuracy: 1e-12)
        let (linear, _) = try load("llama-variants-linear")
        XCTAssertEqual(linear.rope.positionScale, 0.25)
        XCTAssertEqual(linear.config.layers, 1)
    }

    func testEveryPositionMatchesFloat64ReferenceInOnePass() throws {
        for name in Self.files {
            let (model, reference) = try load(name)
            for (s, seq) in reference.sequences.enumerated() {
                let v = model.vocabSize
                let logits = try model.feed(seq.ids, cache: model.makeCache(capacity: seq.ids.count), allPositions: true)
                XCTAssertEqual(logits.count, seq.ids.count * v)
                var worst = 0.0
                for t in seq.ids.indices {
                    worst = max(worst, compare(Self.logSoftmax(logits[(t * v)..<((t + 1) * v)]), seq.logprobs[t],
                                               tolerance: Self.exactTolerance, "\(name) sequence \(s) position \(t) (one pass)"))
                }
                print("\(name) sequence \(s), one pass: all log-probs max |Δ| = \(worst) nats")
            }
        }
    }

    func testEveryPositionMatchesFloat64ReferenceTokenByToken() throws {
        for name in Self.files {
            let (model, reference) = try load(name)
            for (s, seq) in reference.sequences.enumerated() {
                let cache = model.makeCache(capacity: seq.ids.count)
                var worst = 0.0
                for (t, id) in seq.ids.enumerated() {
                    let logits = try model.feed([id], cache: cache)
                    worst = max(worst, compare(Self.logSoftmax(logits[...]), seq.logprobs[t],
                                               tolerance: Self.exactTolerance, "\(name) sequence \(s) position \(t) (cached)"))
                }
                print("\(name) sequence \(s), token by token: all log-probs max |Δ| = \(worst) nats")
            }
        }
    }

    func testGreedyContinuationMatchesReference() throws {
        for name in Self.files {
            let (model, reference) = try load(name)
            for (s, seq) in reference.sequences.enumerated() {
                let cache = model.makeCache(capacity: seq.ids.count + seq.greedy.count)
                var logits = try model.feed(seq.ids, cache: cache)
                for (step, expected) in seq.greedy.enumerated() {
                    let next = Int32(logits.indices.max { logits[$0] < logits[$1] }!)
                    guard next == expected else {
                        XCTFail("\(name) sequence \(s) step \(step): expected \(expected), observed \(next) "
                                + "(logit margin \(logits[Int(next)] - logits[Int(expected)]))")
                        break
                    }
                    logits = try model.feed([next], cache: cache)
                }
            }
        }
    }

    func testQ8ActivationsStayCloseToFloat64Reference() throws {
        for name in Self.files {
            let (model, reference) = try load(name)
            model.options.activations = .q8
            var worst = 0.0
            for (s, seq) in reference.sequences.enumerated() {
                let cache = model.makeCache(capacity: seq.ids.count)
                for (t, id) in seq.ids.enumerated() {
                    let logits = try model.feed([id], cache: cache)   // one token: the matrix–vector path uses q8
                    worst = max(worst, compare(Self.logSoftmax(logits[...]), seq.logprobs[t],
                                               tolerance: Self.q8Tolerance, "\(name) q8 sequence \(s) position \(t)"))
                }
            }
            print("\(name), q8 activations token by token: all log-probs max |Δ| = \(worst) nats")
        }
    }
}
