// GGUFTensor handed to Tensor's kernels: the product on a real fixture tensor, and Tensor's typed refusal of a type
// it cannot compute with turned into a GGUFError that names the file and the tensor.
import GGUF
import Tensor
import XCTest

final class GGUFTensorKernelsTests: XCTestCase {
    func testTensorMatVecOnFixture() throws {
        let f = try GGUFFile(path: Fixture.path("tiny.gguf"))
        let t = try f.tensor("q8_0.weight")
        let x = [Float](repeating: 0.5, count: t.columns)
        var y = [Float](repeating: 0, count: t.rows), ref = y
        try x.withUnsafeBufferPointer { xb in
            try y.withUnsafeMutableBufferPointer { try t.matVec(xb, $0) }
            try ref.withUnsafeMutableBufferPointer { try matVecReference(t.matrix, xb, $0) }
        }
        for r in 0..<t.rows { XCTAssertEqual(y[r], ref[r], accuracy: 1e-4 * max(1, abs(ref[r])), "row \(r)") }
    }

    /// A GGUF v3 file with no metadata and one 1×256 tensor "blk.0.x" of `type` (zero bytes), built by hand
    /// (ggml docs/gguf.md): header, tensor info, padding to 32, data.
    func oneTensorFile(_ type: GGMLType) -> [UInt8] {
        var b = [UInt8]()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { b += $0 } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { b += $0 } }
        b += Array("GGUF".utf8); u32(3); u64(1); u64(0)
        let name = Array("blk.0.x".utf8)
        u64(UInt64(name.count)); b += name
        u32(2); u64(256); u64(1); u32(type.id); u64(0)
        while b.count % 32 != 0 { b.append(0) }
        return b + [UInt8](repeating: 0, count: type.typeSize)
    }

    func testUnsupportedTypeNamesFileAndTensor() throws {
        let iq = try XCTUnwrap(GGMLType(name: "IQ2_XXS"))
        let t = try GGUFFile(bytes: oneTensorFile(iq), file: "iq.gguf").tensor("blk.0.x")
        XCTAssertThrowsError(try t.dequantized()) { error in
            XCTAssertEqual(error as? GGUFError, .unsupportedTensorType(file: "iq.gguf", tensor: "blk.0.x", type: "IQ2_XXS"))
            XCTAssertTrue("\(error)".hasPrefix("iq.gguf: tensor \"blk.0.x\" has type IQ2_XXS, which lmlab cannot dequantize"),
                          "\(error)")
        }
        var y = [Float](repeating: 0, count: 1)
        let x = [Float](repeating: 1, count: 256)
        XCTAssertThrowsError(try x.withUnsafeBufferPointer { xb in try y.withUnsafeMutableBufferPointer { try t.matVec(xb, $0) } }) {
            XCTAssertEqual($0 as? GGUFError,
                           .unsupportedTensorType(file: "iq.gguf", tensor: "blk.0.x", type: "IQ2_XXS (no matVec kernel)"))
        }
    }
}
