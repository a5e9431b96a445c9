// Dequantization against gguf-py: Fixtures/quants/<TYPE>.bin are raw blocks, <TYPE>.f32 what
// gguf.quants.dequantize returned for them (scripts/make-gguf-fixtures.py). The comparison is bitwise: lmlab does the
// same float operations in the same order, so every float must match exactly.
import Tensor
import XCTest

final class DequantizeTests: XCTestCase {
    func check(_ name: String) throws {
        let type = try XCTUnwrap(GGMLType(name: name), "unknown type \(name)")
        let raw = try Fixture.bytes("quants/\(name).bin")
        let expected = try Fixture.floats("quants/\(name).f32")
        var got = [Float](repeating: .nan, count: expected.count)
        try raw.withUnsafeBytes { src in
            try got.withUnsafeMutableBufferPointer { dst in try dequantize(type, src, into: dst) }
        }
        var mismatches = 0
        for i in 0..<expected.count where got[i].bitPattern != expected[i].bitPattern {
            if mismatches < 5 {
                XCTFail("\(name)[\(i)] (block \(i / type.blockSize)): expected \(expected[i]), got \(got[i])")
            }
            mismatches += 1
        }
        XCTAssertEqual(mismatches, 0, "\(name): \(mismatches) of \(expected.count) floats differ")
    }

    func testF32() throws { try check("F32") }
    func testF16() throws { try check("F16") }
    func testBF16() throws { try check("BF16") }
    func testQ4_0() throws { try check("Q4_0") }
    func testQ4_1() throws { try check("Q4_1") }
    func testQ5_0() throws { try check("Q5_0") }
    func testQ5_1() throws { try check("Q5_1") }
    func testQ8_0() throws { try check("Q8_0") }
    func testQ2_K() throws { try check("Q2_K") }
    func testQ3_K() throws { try check("Q3_K") }
    func testQ4_K() throws { try check("Q4_K") }
    func testQ5_K() throws { try check("Q5_K") }
    func testQ6_K() throws { try check("Q6_K") }
    /// The i-quants: gguf-py's float32 values, which the script also checked equal to a float64 recomputation.
    func testIQ4_NL() throws { try check("IQ4_NL") }
    func testIQ4_XS() throws { try check("IQ4_XS") }

    /// All 65536 half patterns against Swift's own Float16 → Float conversion (NaNs compared as NaN: payload
    /// quieting may differ between conversion routes).
    func testEveryHalf() throws {
        let raw = (0..<65536).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        var got = [Float](repeating: 0, count: 65536)
        try raw.withUnsafeBytes { src in try got.withUnsafeMutableBufferPointer { try dequantize(.f16, src, into: $0) } }
        for bits in 0..<65536 {
            let expected = Float(Float16(bitPattern: UInt16(bits)))
            if expected.isNaN ? !got[bits].isNaN : got[bits].bitPattern != expected.bitPattern {
                return XCTFail("half 0x\(String(bits, radix: 16)): expected \(expected), got \(got[bits])")
            }
        }
    }

    func testUnsupportedTypeThrows() throws {
        let iq = try XCTUnwrap(GGMLType(name: "IQ2_XXS"))
        var out = [Float](repeating: 0, count: 256)
        let raw = [UInt8](repeating: 0, count: iq.typeSize)
        XCTAssertThrowsError(try raw.withUnsafeBytes { src in
            try out.withUnsafeMutableBufferPointer { dst in try dequantize(iq, src, into: dst) }
        }) { error in
            guard case QuantizationError.unsupportedType(iq) = error else { return XCTFail("unexpected \(error)") }
            XCTAssertTrue("\(error)".hasPrefix("type IQ2_XXS cannot be dequantized; supported: F32,"), "\(error)")
        }
    }
}
