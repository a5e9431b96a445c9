// Forked caches (KVCache(forking:), TransformerRuntime.fork): n sequences that continue one prompt read its positions
// from the prompt's cache instead of copies of it. Against copies (the protocol's default fork), every step's logits
// are the same bits — fed as one batch, in both block styles and both cache precisions, with the AVX2 and the
// portable kernels, for prompts shorter than 4 positions (nothing shared), a multiple of 4 and not (the last
// `count % 4` positions are copied) — and so are a beam's copy of a forked cache, a fork of a forked cache, and a
// forked cache truncated below its split and fed again. SmolLM2 (grouped-query heads, 8-bit activations, float16
// cache) too, when its GGUF is present.
import Foundation
import XCTest
@testable import Models
import Tensor

final class RuntimeSharedPromptTests: XCTestCase {
    /// Feeds `prompt` into a cache, forks it into `n` (shared) and copies it into `n` (plain), then feeds each
    /// sequence its own tokens for `steps` steps, the n of each kind as one batch; asserts each step's logits are the
    /// same bits. Returns both sets of caches for further checks.
    @discardableResult
    func compare(_ lm: TransformerRuntime, prompt: [Int32], n: Int, steps: Int, label: String) throws
        -> (shared: [KVCache], copies: [KVCache], next: [Int32]) {
        let promptCache = lm.makeCache(capacity: prompt.count + steps + 8)
        _ = try lm.feed(prompt, cache: promptCache)
        let shared = lm.fork(promptCache, into: n)
        let copies: [KVCache] = (0..<n).map { _ in
            let c = lm.makeCache(capacity: promptCache.capacity)
            c.copy(from: promptCache)
            XCTAssertNil(c.shared)
            return c
        }
        for c in shared {
            XCTAssertEqual(c.count, prompt.count, label)
            XCTAssertEqual(c.sharedCount, prompt.count / 4 * 4, label)
            XCTAssertTrue(prompt.count < 4 ? c.shared == nil : c.shared === promptCache, "\(label): shares the prompt")
        }
        var next = (0..<n).map { Int32(($0 * 7 + 3) % lm.vocabSize) }
        for step in 0..<steps {
            let a = try lm.feed(batch: next, caches: shared), b = try lm.feed(batch: next, caches: copies)
            XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), "\(label) step \(step)")
            next = (0..<n).map { i in Int32((Int(next[i]) * 5 + i + step) % lm.vocabSize) }
        }
        return (shared, copies, next)
    }

    /// After `compare`: a beam's copy of a forked cache, a fork of a forked cache, and truncations below and above the
    /// split replay the copies' bits.
    func checkCopiesForksAndTruncations(_ lm: TransformerRuntime, _ r: (shared: [KVCache], copies: [KVCache], next: [Int32]),
                                        prompt: [Int32], label: String) throws {
        // a beam takes a sibling's past
        let beam = lm.makeCache(capacity: r.shared[1].capacity), plain = lm.makeCache(capacity: r.shared[1].capacity)
        beam.copy(from: r.shared[1])
        plain.copy(from: r.copies[1])
        XCTAssertTrue(beam.shared === r.shared[1].shared && beam.sharedCount == r.shared[1].sharedCount, label)
        XCTAssertEqual(try lm.feed([r.next[1]], cache: beam).map(\.bitPattern),
                       try lm.feed([r.next[1]], cache: plain).map(\.bitPattern), "\(label): copy of a forked cache")
        // samples of a sequence that was itself forked share the same prompt
        let twice = lm.fork(r.shared[2], into: 2), again = lm.fork(r.copies[2], into: 2)
        let origin = r.shared[2].shared ?? r.shared[2]   // a cache that shares nothing is itself the prompt
        XCTAssertTrue(twice.allSatisfy { $0.shared === origin }, label)
        XCTAssertEqual(try lm.feed(batch: [4, 9], caches: twice).map(\.bitPattern),
                       try lm.feed(batch: [4, 9], caches: again).map(\.bitPattern), "\(label): fork of a forked cache")
        // truncation: back into the prompt (below the split, not a multiple of 4, and to nothing), then fed again
        for length in Set([0, 2, prompt.count - 1, prompt.count + 1]) where length >= 0 && length <= r.shared[0].count {
            let s = lm.makeCache(capacity: r.shared[0].capacity), c = lm.makeCache(capacity: r.shared[0].capacity)
            s.copy(from: r.shared[0])
            c.copy(from: r.copies[0])
            s.truncate(to: length)
            c.truncate(to: length)
            XCTAssertLessThanOrEqual(s.sharedCount, length, label)
            XCTAssertEqual(s.sharedCount % 4, 0, label)
            let tokens: [Int32] = [6, 1, 11]
            XCTAssertEqual(try lm.feed(tokens, cache: s, allPositions: true).map(\.bitPattern),
                           try lm.feed(tokens, cache: c, allPositions: true).map(\.bitPattern), "\(label): truncated to \(length)")
        }
    }

    func testForkedCachesGiveTheCopiesBitsInBothStylesAndPrecisions() throws {
        for style in [TransformerConfig.Style.gpt2, .llama] {
            for kvCache in KVCachePrecision.allCases {
                for kernels in KernelSet.allCases.filter(\.isAvailable) {
                    let lm = TransformerRuntime(gpt: RuntimeGPTTests.model(style))
                    lm.options.kvCache = kvCache
                    lm.options.kernels = kernels
                    for prompt: [Int32] in [[3, 17], [3, 17, 0, 9], [8, 8, 21, 5, 30, 12, 1], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]] {
                        let label = "\(style) \(kvCache) \(kernels) prompt of \(prompt.count)"
                        let r = try compare(lm, prompt: prompt, n: 3, steps: 5, label: label)
                        try checkCopiesForksAndTruncations(lm, r, prompt: prompt, label: label)
                    }
                }
            }
        }
    }

    func testSmolLM2() throws {
        let path = RuntimeSmolLM2Tests.here.appendingPathComponent("../../checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf").standardized.path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) absent; run scripts/get-model.sh") }
        let lm = try TransformerRuntime.load(path: path)
        let prompt: [Int32] = [1, 9690, 198, 2683, 314, 253, 5356, 30, 2, 504, 3458, 282, 4649, 314]
        for options in [RuntimeOptions.llamaCpp, RuntimeOptions()] {
            lm.options = options
            let label = "SmolLM2 \(options.activations) \(options.kvCache)"
            let r = try compare(lm, prompt: prompt, n: 4, steps: 3, label: label)
            try checkCopiesForksAndTruncations(lm, r, prompt: prompt, label: label)
        }
    }
}
