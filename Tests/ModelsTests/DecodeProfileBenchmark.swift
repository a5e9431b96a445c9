// Where a generated token's time goes on SmolLM2: the products of one layer, the output head, and a whole feed,
// timed separately on one thread, best of several runs. Runs only with LMLAB_BENCH=1 (a release build):
// `LMLAB_BENCH=1 swift test -c release --filter DecodeProfileBenchmark`. It prints; it asserts nothing.
import Foundation
import XCTest
@testable import Models
import Tensor

final class DecodeProfileBenchmark: XCTestCase {
    func best(_ runs: Int, _ body: () throws -> Void) rethrows -> Double {
        var best = Double.infinity
        for _ in 0..<runs {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        return best
    }

    func testProfile() throws {
        guard ProcessInfo.processInfo.environment["LMLAB_BENCH"] == "1" else { throw XCTSkip("set LMLAB_BENCH=1") }
        let file = ProcessInfo.processInfo.environment["LMLAB_MODEL"] ?? "SmolLM2-135M-Instruct.Q4_1.gguf"
        let path = RuntimeSmolLM2Tests.here.appendingPathComponent("../../checkpoints/\(file)").standardized.path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) absent") }
        let lm = try TransformerRuntime.load(path: path)
        Parallel.setThreads(Int(ProcessInfo.processInfo.environment["LMLAB_THREADS"] ?? "1") ?? 1)
        for activations in ActivationPrecision.allCases {
            lm.options = RuntimeOptions(activations: activations)
            let c = lm.config
            var rng = RandomGenerator(seed: 1)
            let x = (0..<c.mlpHidden).map { _ in rng.nextNormal() }
            var y = [Float](repeating: 0, count: max(c.mlpHidden, c.vocabSize) * 3)
            var layers = 0.0, head = 0.0
            try x.withUnsafeBufferPointer { xb in
                try y.withUnsafeMutableBufferPointer { yb in
                    let (xp, yp) = (xb.baseAddress!, yb.baseAddress!)
                    layers = try best(5) {
                        for layer in lm.layers {
                            try WeightMatrix.matVec([layer.wq, layer.wk, layer.wv], xp, [yp, yp + 1024, yp + 2048], activations: activations)
                            try layer.wo.matVec(xp, yp, activations: activations)
                            try WeightMatrix.matVec([layer.gate!, layer.up], xp, [yp, yp + c.mlpHidden], activations: activations)
                            try layer.down.matVec(xp, yp, activations: activations)
                        }
                    }
                    head = try best(5) { try lm.outputHead.matVec(xp, yp, activations: activations) }
                }
            }
            let cache = lm.makeCache(capacity: 80)
            _ = try lm.feed([1, 2, 3, 4, 5, 6, 7, 8], cache: cache)
            var token: Int32 = 9
            let feed = try best(20) {
                let logits = try lm.feed([token], cache: cache)
                token = Int32(logits.indices.max { logits[$0] < logits[$1] }!)
            }
            print(String(format: "%@ %@, %d thread(s): layers' products %.2f ms, head %.2f ms, whole feed %.2f ms (%.1f tokens/s), rest %.2f ms",
                         file, activations.rawValue, Parallel.threads, layers * 1e3, head * 1e3, feed * 1e3, 1 / feed,
                         (feed - layers - head) * 1e3))
        }
    }
}
