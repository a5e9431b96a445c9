// QuantizedActivations (8-bit blocks of 32) against its definition: d = max|x|/127, q = round(x/d), s = d·Σq.
import Tensor
import XCTest

final class QuantizedActivationsTests: XCTestCase {
    func testBlockWhoseMaximumIs127IsRoundedToIntegers() {
        // max|x| = 127 → d = 1, so q_i = round(x_i) exactly (ties to even: 2.5 → 2, −3.5 → −4).
        var x = (0..<32).map { Float($0) * 0.75 - 11.25 }
        x[5] = 127; x[6] = 2.5; x[7] = -3.5
        let q = x.withUnsafeBufferPointer { QuantizedActivations($0) }
        XCTAssertEqual(q.scales, [1])
        let expected = x.map { Int8($0.rounded(.toNearestOrEven)) }
        XCTAssertEqual(q.values, expected)
        let sum: Int = expected.reduce(0) { $0 + Int($1) }
        XCTAssertEqual(q.sums, [Float(sum)])
    }

    func testErrorIsAtMostHalfAStepPerElement() {
        var rng = TestRNG(seed: 3)
        var x = [Float](repeating: 0, count: 32 * 20)  // block 0 stays all zero
        for i in 32..<x.count { x[i] = rng.float() * Float(1 + i % 7) }
        let q = x.withUnsafeBufferPointer { QuantizedActivations($0) }
        XCTAssertEqual(q.scales[0], 0)
        XCTAssertEqual(q.values[0..<32].allSatisfy { $0 == 0 }, true)
        let xhat = q.dequantized()
        for b in 0..<20 {
            let block = x[(32 * b)..<(32 * b + 32)]
            let amax = block.map(abs).max()!
            XCTAssertEqual(q.scales[b], amax / 127, "block \(b)")
            let qmax: Int = q.values[(32 * b)..<(32 * b + 32)].map { abs(Int($0)) }.max()!
            XCTAssertEqual(qmax, amax == 0 ? 0 : 127, "block \(b)")
            for i in (32 * b)..<(32 * b + 32) {
                let bound = q.scales[b] / 2 * (1 + 1e-5)
                if abs(xhat[i] - x[i]) > bound {
                    return XCTFail("element \(i): x \(x[i]), d·q \(xhat[i]), |diff| \(abs(xhat[i] - x[i])) > d/2 = \(bound)")
                }
            }
            let sum: Int = q.values[(32 * b)..<(32 * b + 32)].reduce(0) { $0 + Int($1) }
            XCTAssertEqual(q.sums[b], q.scales[b] * Float(sum), "block \(b)")
        }
    }
}
