// feed(batch:caches:) — one token for each of several sequences in one pass — against feeding each sequence alone:
// the logits of every row are bit-identical, step after step, for sequences at different positions (prompts of
// different lengths), in both block styles with float32 weights, and on SmolLM2's quantized weights with float and
// 8-bit activations — each with a float32 and a float16 KV cache. A batch that does not fit a cache is refused like a single token.
import Foundation
import XCTest
@testable import Models
import Tensor

final class RuntimeBatchTests: XCTestCase {
    /// Feeds `prompts` (each its own cache), then `steps` tokens to all of them: batched, and one sequence at a
    /// time on fresh caches; asserts every step's rows are the same bits. Returns the number of rows compared.
    @discardableResult
    func compare(_ lm: TransformerRuntime, prompts: [[Int32]], steps: Int, label: String) throws -> Int {
        let capacity = prompts.map(\.count).max()! + steps
        let batchCaches = prompts.map { _ in lm.makeCache(capacity: capacity) }
        let aloneCaches = prompts.map { _ in lm.makeCache(capacity: capacity) }
        var next = try zip(prompts, batchCaches).map { prompt, cache in
            Int32(argmax(try lm.feed(prompt, cache: cache)))
        }
        for (prompt, cache) in zip(prompts, aloneCaches) { _ = try lm.feed(prompt, cache: cache) }
        let v = lm.vocabSize
        var compared = 0
        for step in 0..<steps {
            let batched = try lm.feed(batch: next, caches: batchCaches)
            XCTAssertEqual(batched.count, prompts.count * v)
            for i in prompts.indices {
                let alone = try lm.feed([next[i]], cache: aloneCaches[i])
                let row = batched[(i * v)..<((i + 1) * v)]
                if !row.elementsEqual(alone, by: { $0.bitPattern == $1.bitPattern }) {
                    let j = (0..<v).first { row[i * v + $0].bitPattern != alone[$0].bitPattern }!
                    XCTFail("\(label) step \(step) sequence \(i) logit \(j): batched \(row[i * v + j]), alone \(alone[j])")
                    return compared
                }
                compared += 1
            }
            next = prompts.indices.map { Int32(argmax(Array(batched[($0 * v)..<(($0 + 1) * v)]))) }
        }
        for (a, b) in zip(batchCaches, aloneCaches) { XCTAssertEqual(a.count, b.count, "\(label): cache lengths") }
        return compared
    }

    func argmax(_ x: [Float]) -> Int { x.indices.max { x[$0] < x[$1] }! }

    func testFloatWeightsBothStyles() throws {
        for style in [TransformerConfig.Style.gpt2, .llama] {
            for kvCache in KVCachePrecision.allCases {
                let lm = TransformerRuntime(gpt: RuntimeGPTTests.model(style))
                lm.options.kvCache = kvCache
                let prompts: [[Int32]] = [[3, 17, 0], [36], [8, 8, 21, 5, 30, 12], [1, 29]]
                try compare(lm, prompts: prompts, steps: 6, label: "\(style) \(kvCache)")
                try compare(lm, prompts: [[5, 6]], steps: 3, label: "\(style) \(kvCache) batch of 1")
            }
        }
    }

    func testSmolLM2BothActivationAndCachePrecisions() throws {
        let path = RuntimeSmolLM2Tests.here.appendingPathComponent("../../checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf").standardized.path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) absent; run scripts/get-model.sh") }
        let lm = try TransformerRuntime.load(path: path)
        let prompts: [[Int32]] = [[504, 3458, 282, 4649, 314], [22], [1, 9690, 198, 2683, 314, 253, 5356, 30, 2],
                                  [7859, 28, 2023], [504]]
        for activations in ActivationPrecision.allCases {
            for kvCache in KVCachePrecision.allCases {
                lm.options = RuntimeOptions(activations: activations, kvCache: kvCache)
                let rows = try compare(lm, prompts: prompts, steps: 3, label: "SmolLM2 \(activations) \(kvCache) cache")
                XCTAssertEqual(rows, 15)
            }
        }
        lm.options = RuntimeOptions()
    }

    func testBatchThatDoesNotFitACacheIsRefused() throws {
        let lm = TransformerRuntime(gpt: RuntimeGPTTests.model(.llama))
        let (roomy, full) = (lm.makeCache(capacity: 8), lm.makeCache(capacity: 2))
        _ = try lm.feed([1, 2], cache: full)
        XCTAssertThrowsError(try lm.feed(batch: [3, 4], caches: [roomy, full])) { error in
            guard case ModelError.contextOverflow(3, 2) = error else { return XCTFail("unexpected \(error)") }
        }
        XCTAssertEqual(roomy.count, 0, "nothing is fed when one cache is full")
        XCTAssertThrowsError(try lm.feed(batch: [3, 99], caches: [roomy, lm.makeCache(capacity: 4)]))
        XCTAssertEqual(try lm.feed(batch: [], caches: []), [])
    }
}
