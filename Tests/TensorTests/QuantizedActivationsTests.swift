// QuantizedActivations (8-bit blocks of 32) against its definition: d = max|x|/127, q = round(x/d), s = d·Σq.
@testable import Tensor
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

extension QuantizedActivationsTests {
    /// The vectorized block quantizer gives exactly the bits of its scalar definition (scale, integers, Σq), on
    /// random blocks of many magnitudes, ties at .5, signed zeros and an all-zero block.
    func testVectorQuantizerEqualsScalarDefinition() {
        var rng = TestRNG(seed: 17)
        for trial in 0..<2000 {
            var x = (0..<32).map { _ in rng.float() * Float(1 << (trial % 20)) / 1024 }
            if trial % 7 == 0 { x[3] = -0.0; x[9] = 0 }
            if trial % 11 == 0 { x = [Float](repeating: trial % 2 == 0 ? 0 : -0.0, count: 32) }
            if trial % 13 == 0 { for i in 0..<32 { x[i] = Float(i) - 15.5 } }  // max 16.5: x/d has exact .5 ties
            var a = [Int8](repeating: 0, count: 32), b = a
            let (da, sa) = x.withUnsafeBufferPointer { xp in a.withUnsafeMutableBufferPointer { QuantizedActivations.quantizeBlock(xp.baseAddress!, into: $0.baseAddress!) } }
            let (db, sb) = x.withUnsafeBufferPointer { xp in b.withUnsafeMutableBufferPointer { QuantizedActivations.quantizeBlockReference(xp.baseAddress!, into: $0.baseAddress!) } }
            XCTAssertEqual(da.bitPattern, db.bitPattern, "trial \(trial): d")
            XCTAssertEqual(a, b, "trial \(trial): q")
            XCTAssertEqual(sa, sb, "trial \(trial): Σq")
            if da.bitPattern != db.bitPattern || a != b { return }
        }
    }
}
