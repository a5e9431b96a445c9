// GGUFWriter and quantize: whatever the writer lays out, the reader (tested against gguf-py's files in
// GGUFReaderTests) reads back — every value type, nested arrays, tensors of every writable type at the alignment,
// written atomically; the quantizers match hand-computed blocks of ggml's reference algorithm and round-trip
// through the dequantizers within their step. (Byte equality with gguf-py's own quantizer on real weights is
// checked in ModelsTests/GGUFExportTests, check_gguf_export.py.)
import Foundation
import XCTest

@testable import GGUF

final class GGUFWriterTests: XCTestCase {
    func temporaryPath(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmlab-ggufwriter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir.appendingPathComponent(name).path
    }

    func testEveryValueTypeAndTensorReadsBack() throws {
        let values: [(String, GGUFValue)] = [
            ("u8", .uint8(200)), ("i8", .int8(-100)), ("u16", .uint16(60000)), ("i16", .int16(-30000)),
            ("u32", .uint32(4_000_000_000)), ("i32", .int32(-2_000_000_000)), ("u64", .uint64(.max)), ("i64", .int64(.min)),
            ("f32", .float32(-1.5e-7)), ("f64", .float64(.pi)), ("yes", .bool(true)), ("no", .bool(false)),
            ("text", .string("héllo, \"world\"\n")), ("empty", .array(.int32, [])),
            ("strings", .array(.string, [.string("a"), .string("Ġb")])),
            ("nested", .array(.array, [.array(.uint8, [.uint8(1), .uint8(2)]), .array(.uint8, [])])),
        ]
        for alignment in [32, 64] {
            var w = GGUFWriter(alignment: alignment)
            for (k, v) in values { w.set(k, v) }
            w.set("u8", .uint8(201))  // replacing keeps the key's place
            let x = (0..<96).map { Float($0) / 7 - 3 }
            for type in GGMLType.quantizable {
                w.addTensor("t.\(type.name)", shape: [32, 3], type: type, bytes: quantize(x, as: type))
            }
            w.addTensor("odd", shape: [3], type: .f32, bytes: quantize([1, 2, 3], as: .f32))  // 12 bytes: padding follows
            let path = try temporaryPath("w\(alignment).gguf")
            try w.write(to: path)
            XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".tmp"))

            let f = try GGUFFile(path: path)
            XCTAssertEqual(f.version, 3)
            XCTAssertEqual(f.alignment, alignment)
            let keys = values.map(\.0) + (alignment == 32 ? [] : ["general.alignment"])
            XCTAssertEqual(f.metadata.keys, keys)
            for (k, v) in values { XCTAssertEqual(f.metadata[k], k == "u8" ? .uint8(201) : v, k) }
            XCTAssertEqual(f.tensors.map(\.name), GGMLType.quantizable.map { "t.\($0.name)" } + ["odd"])
            for t in f.tensors {
                XCTAssertEqual((t.fileOffset - f.dataOffset) % alignment, 0, t.name)
                XCTAssertEqual(Array(t.data), w.tensors.first { $0.name == t.name }!.bytes, t.name)
            }
            XCTAssertEqual(try f.tensor("t.F32").dequantized(), x)
        }
    }

    func testWriteFailureLeavesNothing() throws {
        let dir = try temporaryPath("x")
        var w = GGUFWriter()
        w.set("k", .uint32(1))
        XCTAssertThrowsError(try w.write(to: dir + "/missing/dir/m.gguf")) { e in
            guard case .cannotWrite(let file, _) = e as? GGUFError else { return XCTFail("\(e)") }
            XCTAssertEqual(file, dir + "/missing/dir/m.gguf")
        }
    }

    // MARK: quantize

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
