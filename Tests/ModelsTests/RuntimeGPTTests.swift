// The inference runtime against the autograd GPT it was loaded from: same weights, same logits at every position,
// for both block styles (gpt2: learned positions, LayerNorm, GELU, biases, tied head; llama: RoPE, RMSNorm, SwiGLU,
// grouped-query attention, untied head) — and KV-cache decoding, one token at a time, equals the full pass.
import XCTest
import Tensor
import Tokenizers
@testable import Models

final class RuntimeGPTTests: XCTestCase {
    /// Logits are O(1) here; float32 sums of a few hundred terms differ by ~1e-6, far below this.
    let tolerance: Float = 1e-4

    static func model(_ style: TransformerConfig.Style) -> GPT {
        let config = TransformerConfig(style: style, vocabSize: 37, contextLength: 24, width: 32, layers: 3, heads: 4,
                                       kvHeads: style == .llama ? 2 : 4, tiedEmbeddings: style == .gpt2)
        let model = GPT(config: config, seed: 11)
        var rng = RandomGenerator(seed: 12)
        // Weights large enough (std 0.2, gains near 1, non-zero biases) that every nonlinearity matters.
        for (name, t) in model.namedParameters() {
            let isGain = name.hasSuffix("Norm.weight")
            for i in 0..<t.count { t.pointer[i] = (isGain ? 1 : 0) + 0.2 * rng.nextNormal() }
        }
        return model
    }

    static let ids: [Int32] = [3, 17, 0, 36, 8, 8, 21, 5, 30, 12, 1, 29, 14, 7, 33, 2, 19, 26, 4, 11]

    func maxDiff(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    func testFullPassMatchesAutogradGPT() throws {
        for style in TransformerConfig.Style.allCases {
            let gpt = Self.model(style)
            var rng = RandomGenerator(seed: 0)
            let expected = gpt.logits(Self.ids, batch: 1, time: Self.ids.count, rng: &rng).scalars
            let runtime = TransformerRuntime(gpt: gpt)
            let observed = try runtime.feed(Self.ids, cache: runtime.makeCache(capacity: nil), allPositions: true)
            XCTAssertEqual(observed.count, expected.count)
            let diff = maxDiff(observed[...], expected[...])
            print("\(style): runtime vs autograd GPT, \(Self.ids.count) positions: max |Δlogit| = \(diff)")
            XCTAssertLessThan(diff, tolerance, "\(style): runtime vs GPT.logits")
        }
    }

    /// GPT-2's tanh GELU (TransformerConfig.geluApproximation) in both: the runtime computes what the autograd model
    /// does, and that is not the exact GELU's function (the same weights give logits farther apart than rounding).
    func testTanhGELUMatchesAutogradGPT() throws {
        let exact = Self.model(.gpt2)
        var config = exact.config
        config.geluApproximation = .tanh
        let tanh = GPT(config: config, seed: 1)
        for ((_, a), (_, b)) in zip(exact.namedParameters(), tanh.namedParameters()) { b.pointer.update(from: a.pointer, count: a.count) }
        var rng = RandomGenerator(seed: 0)
        let expected = tanh.logits(Self.ids, batch: 1, time: Self.ids.count, rng: &rng).scalars
        let runtime = TransformerRuntime(gpt: tanh)
        let observed = try runtime.feed(Self.ids, cache: runtime.makeCache(capacity: nil), allPositions: true)
        XCTAssertLessThan(maxDiff(observed[...], expected[...]), tolerance, "tanh GELU: runtime vs GPT.logits")
        let exactLogits = try TransformerRuntime(gpt: exact).feed(Self.ids, cache: runtime.makeCache(capacity: nil), allPositions: true)
        XCTAssertGreaterThan(maxDiff(observed[...], exactLogits[...]), 1e-3, "the two GELUs differ on these weights")
    }

    func testIncrementalDecodingMatchesFullPass() throws {
        for style in TransformerConfig.Style.allCases {
            let runtime = TransformerRuntime(gpt: Self.model(style))
            let v = runtime.vocabSize
            let full = try runtime.feed(Self.ids, cache: runtime.makeCache(capacity: nil), allPositions: true)
            let cache = runtime.makeCache(capacity: Self.ids.count)
            let prompt = 6
            var observed = try runtime.feed(Array(Self.ids[..<prompt]), cache: cache, allPositions: true)
            for id in Self.ids[prompt...] { observed += try runtime.feed([id], cache: cache) }
            let diff = maxDiff(observed[...], full[...])
            print("\(style): KV-cache decoding vs full pass: max |Δlogit| = \(diff)")
            XCTAssertEqual(observed.count, Self.ids.count * v)
            XCTAssertLessThan(diff, tolerance, "\(style): incremental vs full")
            XCTAssertEqual(cache.count, Self.ids.count)
            // The cache is full: one more token is a clear error, not a crash.
            XCTAssertThrowsError(try runtime.feed([1], cache: cache)) { XCTAssertTrue($0 is ModelError, "\($0)") }
        }
    }

    func testTruncateReplaysTheSameLogits() throws {
        let runtime = TransformerRuntime(gpt: Self.model(.llama))
        let cache = runtime.makeCache(capacity: 16)
        _ = try runtime.feed(Array(Self.ids[..<8]), cache: cache)
        let first = try runtime.feed([Self.ids[8]], cache: cache)
        cache.truncate(to: 8)
        let again = try runtime.feed([Self.ids[8]], cache: cache)
        XCTAssertEqual(first, again)
    }
}

extension RuntimeGPTTests {
    /// An HDF5 checkpoint with its tokenizer loads through `TransformerRuntime.load(path:)` (what `lmlab generate`
    /// calls) and gives the saved GPT's logits; the tokenizer's end-of-text token becomes the stop token.
    func testCheckpointLoadsIntoTheRuntime() throws {
        let tokenizer = try BPETrainer(options: .init(vocabSize: 280)).train(
            String(repeating: "the cat sat on the mat. the dog sat on the log. ", count: 20))
        for style in TransformerConfig.Style.allCases {
            let config = TransformerConfig(style: style, vocabSize: tokenizer.vocabSize, contextLength: 16, width: 16,
                                           layers: 2, heads: 2, kvHeads: style == .llama ? 1 : 2)
            let gpt = GPT(config: config, seed: 3)
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("runtime-\(style)-\(getpid()).h5").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            try Checkpoint.save(to: path, model: gpt, tokenizer: tokenizer)
            let runtime = try TransformerRuntime.load(path: path)
            XCTAssertEqual(runtime.tokenizer?.vocabSize, tokenizer.vocabSize)
            XCTAssertEqual(runtime.specialTokens, tokenizer.specialIDs)
            let ids = tokenizer.encode("the cat sat on the log", addSpecial: false)
            var rng = RandomGenerator(seed: 0)
            let expected = gpt.logits(ids, batch: 1, time: ids.count, rng: &rng).scalars
            let observed = try runtime.feed(ids, cache: runtime.makeCache(capacity: nil), allPositions: true)
            XCTAssertLessThan(maxDiff(observed[...], expected[...]), tolerance, "\(style)")
        }
    }
}
