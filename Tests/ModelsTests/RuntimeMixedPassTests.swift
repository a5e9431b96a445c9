// feed(prompts:batch:caches:) — new prompts and one token of each running sequence in one pass (a server's step
// that admits requests) — against the separate passes it stands for (each prompt alone, then feed(batch:)): every
// prompt's logits (last position, or all) and every running row are bit-identical, and the caches hold the same, so
// the steps after agree too. Both block styles with float32 weights, and SmolLM2's quantized weights (the prompts'
// products share the dequantized tiles) with float and 8-bit activations; with 8-bit activations a short prompt's
// rows are vector rows, bit-identical to feeding its tokens one at a time.
import Foundation
import XCTest
@testable import Models
import Tensor

final class RuntimeMixedPassTests: XCTestCase {
    func same(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>, _ label: String) {
        XCTAssertEqual(a.count, b.count, "\(label): counts")
        guard let j = zip(a, b).enumerated().first(where: { $1.0.bitPattern != $1.1.bitPattern })?.offset else { return }
        XCTFail("\(label) logit \(j): one pass \(a[a.startIndex + j]), separate \(b[b.startIndex + j])")
    }

    /// Runs `running` prompts first (separately), then one mixed pass with `prompts` (those marked all-positions
    /// want every position's logits), then `steps` batch steps over everyone — on two sets of caches, mixed and
    /// separate, comparing every logit.
    func compare(_ lm: TransformerRuntime, running: [[Int32]], prompts: [([Int32], Bool)], steps: Int, label: String) throws {
        let capacity = (running + prompts.map(\.0)).map(\.count).max()! + steps + 1
        func caches(_ n: Int) -> [KVCache] { (0..<n).map { _ in lm.makeCache(capacity: capacity) } }
        let (runMixed, runSeparate) = (caches(running.count), caches(running.count))
        var next: [Int32] = []
        for (prompt, (a, b)) in zip(running, zip(runMixed, runSeparate)) {
            let logits = try lm.feed(prompt, cache: a)
            _ = try lm.feed(prompt, cache: b)
            next.append(Int32(logits.indices.max { logits[$0] < logits[$1] }!))
        }
        let (newMixed, newSeparate) = (caches(prompts.count), caches(prompts.count))
        let feeds = zip(prompts, newMixed).map { PromptFeed(tokens: $0.0, cache: $1, allPositions: $0.1) }
        let mixed = try lm.feed(prompts: feeds, batch: next, caches: runMixed)
        let separatePrompts = try zip(prompts, newSeparate).map { try lm.feed($0.0, cache: $1, allPositions: $0.1) }
        let separateBatch = try lm.feed(batch: next, caches: runSeparate)
        XCTAssertEqual(mixed.prompts.count, prompts.count)
        for i in prompts.indices {
            XCTAssertEqual(mixed.prompts[i].count, (prompts[i].1 ? prompts[i].0.count : 1) * lm.vocabSize, "\(label) prompt \(i)")
            same(mixed.prompts[i][...], separatePrompts[i][...], "\(label) prompt \(i)")
        }
        same(mixed.batch[...], separateBatch[...], "\(label) running rows")
        for (a, b) in zip(newMixed + runMixed, newSeparate + runSeparate) { XCTAssertEqual(a.count, b.count, "\(label): cache lengths") }
        // The caches hold the same: the steps after give the same bits.
        let all = (newMixed + runMixed, newSeparate + runSeparate)
        var tokens = [Int32](repeating: 7, count: all.0.count)
        for step in 0..<steps {
            let a = try lm.feed(batch: tokens, caches: all.0), b = try lm.feed(batch: tokens, caches: all.1)
            same(a[...], b[...], "\(label) step \(step) after")
            tokens = tokens.map { ($0 * 5 + 3) % Int32(lm.vocabSize) }
        }
    }

    func testFloatWeightsBothStyles() throws {
        for style in [TransformerConfig.Style.gpt2, .llama] {
            let lm = TransformerRuntime(gpt: RuntimeGPTTests.model(style))
            try compare(lm, running: [[3, 17, 0], [36]], prompts: [([8, 8, 21, 5, 30, 12], false), ([9], false), ([1, 29, 4], true)],
                        steps: 3, label: "\(style)")
            try compare(lm, running: [], prompts: [([5, 6], false), ([2, 3, 4, 5], false)], steps: 2, label: "\(style) prompts only")
            try compare(lm, running: [[5, 6]], prompts: [], steps: 2, label: "\(style) no prompts")
        }
    }

    func testSmolLM2BothActivationPrecisions() throws {
        let path = RuntimeSmolLM2Tests.here.appendingPathComponent("../../checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf").standardized.path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) absent; run scripts/get-model.sh") }
        let lm = try TransformerRuntime.load(path: path)
        for activations in ActivationPrecision.allCases {
            lm.options = RuntimeOptions(activations: activations)
            try compare(lm, running: [[504, 3458, 282, 4649, 314], [22], [7859, 28, 2023]],
                        prompts: [([1, 9690, 198, 2683, 314, 253, 5356, 30, 2], false), ([504], false), ([7859, 28, 2023, 22], true)],
                        steps: 2, label: "SmolLM2 \(activations)")
        }
        lm.options = RuntimeOptions()
    }

    /// With 8-bit activations a prompt of up to `vectorPromptTokens` tokens goes through the matrix–vector kernels as
    /// a batch of rows: every position's logits are the bits of feeding its tokens one at a time (the kernels give a
    /// row the same result whatever the batch). A longer prompt still goes through sgemm, and a mixed pass with both
    /// kinds equals the separate passes.
    func testShortPromptsWith8BitActivationsEqualFeedingOneTokenAtATime() throws {
        let path = RuntimeSmolLM2Tests.here.appendingPathComponent("../../checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf").standardized.path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) absent; run scripts/get-model.sh") }
        let lm = try TransformerRuntime.load(path: path)
        defer { lm.options = RuntimeOptions() }
        XCTAssertEqual(RuntimeOptions.exact.vectorPromptTokens, 0, "the exact mode's prompts stay matrix–matrix")
        for options in [RuntimeOptions(activations: .q8), .llamaCpp] {
            lm.options = options
            XCTAssertGreaterThanOrEqual(options.vectorPromptTokens, 9)
            let prompt: [Int32] = [1, 9690, 198, 2683, 314, 253, 5356, 30, 2]
            let (whole, stepwise) = (lm.makeCache(capacity: 16), lm.makeCache(capacity: 16))
            let all = try lm.feed(prompt, cache: whole, allPositions: true)
            let last = try lm.feed(prompt, cache: lm.makeCache(capacity: 16))
            var steps: [Float] = []
            for t in prompt { steps += try lm.feed([t], cache: stepwise) }
            same(all[...], steps[...], "\(options.kvCache) prompt at once, every position")
            same(last[...], steps[((prompt.count - 1) * lm.vocabSize)...], "\(options.kvCache) prompt at once, last position")
            same(try lm.feed([42], cache: whole)[...], try lm.feed([42], cache: stepwise)[...], "\(options.kvCache) the step after")
            // A prompt longer than the limit (matrix–matrix) beside short ones and running rows: still the separate passes.
            let long = (0..<(options.vectorPromptTokens + 3)).map { Int32(($0 * 37 + 11) % 4000) }
            try compare(lm, running: [[504, 3458, 282]], prompts: [(long, false), ([7859, 28, 2023, 22], true)], steps: 1,
                        label: "SmolLM2 \(options.kvCache) long and short prompts")
        }
    }

    func testAPromptThatDoesNotFitIsRefusedBeforeAnythingIsFed() throws {
        let lm = TransformerRuntime(gpt: RuntimeGPTTests.model(.llama))
        let (running, small) = (lm.makeCache(capacity: 8), lm.makeCache(capacity: 2))
        _ = try lm.feed([1], cache: running)
        XCTAssertThrowsError(try lm.feed(prompts: [PromptFeed(tokens: [1, 2, 3], cache: small)], batch: [4], caches: [running])) { error in
            guard case ModelError.contextOverflow(3, 2) = error else { return XCTFail("unexpected \(error)") }
        }
        XCTAssertEqual(running.count, 1, "nothing is fed when a prompt does not fit")
        XCTAssertEqual(small.count, 0)
    }
}
