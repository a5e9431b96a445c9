// quantize (Tensor/Quantization/Quantize.swift): the quantizers match hand-computed blocks of ggml's reference
// algorithm and round-trip through the dequantizers within their error bound. (Byte equality with gguf-py's own
// quantizer on real weights is checked in ModelsTests/GGUFExportTests, check_gguf_export.py.)
import XCTest

@testable import Tensor

final class QuantizeTests: XCTestCase {
    /// One block of each type, computed by hand with ggml's reference algorithm.
    func testKnownBlocks() {
        // Q8_0 of 0, 1, …, 31 (× 0.5): d = 15.5 / 127, q_j = round(j·0.5·127/15.5).
        let x = (0..<32).map { Float($0) * 0.5 }
        let q8 = quantize(x, as: .q8_0)
        XCTAssertEqual(q8.count, 34)
        let d = Float(15.5) / 127
        XCTAssertEqual(UInt16(q8[0]) | UInt16(q8[1]) << 8, Float16(d).bitPattern)
        XCTAssertEqual(q8[2...].map { Int8(bitPattern: $0) }, x.map { Int8(($0 * (1 / d)).rounded(.toNearestOrAwayFromZero)) })
        XCTAssertEqual(Int8(bitPattern: q8[33]), 127)

        // Q4_0 of −8, −7.5, …, 7.5: the largest |x| is −8, so d = −8 / −8 = 1 and q = min(15, trunc(x/1 + 8.5)).
        let y = (0..<32).map { Float($0) * 0.5 - 8 }
        let q4 = quantize(y, as: .q4_0)
        XCTAssertEqual(q4.count, 18)
        XCTAssertEqual(UInt16(q4[0]) | UInt16(q4[1]) << 8, Float16(1).bitPattern)
        for j in 0..<16 {
            let lo = min(15, Int(y[j] + 8.5)), hi = min(15, Int(y[j + 16] + 8.5))
            XCTAssertEqual(q4[2 + j], UInt8(lo | hi << 4), "byte \(j)")
        }
        // An all-zero block: every q the zero point; Q4_0's d is 0 / −8 = −0 (f16 0x8000), as in ggml and gguf-py.
        XCTAssertEqual(quantize([Float](repeating: 0, count: 32), as: .q4_0), [0x00, 0x80] + [UInt8](repeating: 0x88, count: 16))
        XCTAssertEqual(quantize([Float](repeating: 0, count: 32), as: .q8_0), [UInt8](repeating: 0, count: 34))

        // F16 rounds to nearest even: 1/3 → 0x3555; 65520 (halfway to 2^16) → +inf; 2^-25 (half the smallest
        // subnormal) → 0.
        XCTAssertEqual(quantize([1.0 / 3, 65520, 0x1p-25, -2], as: .f16), [0x55, 0x35, 0x00, 0x7C, 0x00, 0x00, 0x00, 0xC0])
    }

    /// Dequantizing a quantized row gives back each value within its type's error bound.
    func testRoundTripWithinHalfAStep() throws {
        var state: UInt32 = 12345
        let x = (0..<(32 * 64)).map { i -> Float in
            state = state &* 1_664_525 &+ 1_013_904_223
            return (Float(state >> 8) / Float(1 << 24) - 0.5) * Float(1 + i % 7)
        }
        for type in GGMLType.quantizable {
            let bytes = quantize(x, as: type)
            var back = [Float](repeating: 0, count: x.count)
            try bytes.withUnsafeBytes { raw in try back.withUnsafeMutableBufferPointer { try dequantize(type, raw, into: $0) } }
            for b in 0..<(x.count / 32) {
                let block = x[(b * 32)..<((b + 1) * 32)], amax = block.map(abs).max()!
                // Q8_0: half a step d = amax/127, plus |q|·(d's f16 rounding, ≤ 2^-11·d) for |q| ≤ 127.
                // Q4_0: one step d = amax/8 — its levels run −8…7, so values opposite the largest one clip at 7·d.
                // F16: 2^-11 relative.
                let bound: Float = [GGMLType.f32: 0, .f16: 0, .q8_0: amax / 127 * (0.5 + 127 / 2048), .q4_0: amax / 8 * (1 + 8 / 2048)][type]!
                for j in block.indices {
                    XCTAssertLessThanOrEqual(abs(back[j] - x[j]), type == .f16 ? abs(x[j]) * 0x1p-11 : bound, "\(type) value \(j)")
                }
            }
        }
    }
}
