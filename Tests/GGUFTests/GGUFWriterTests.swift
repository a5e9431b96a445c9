// GGUFWriter: whatever the writer lays out, the reader (tested against gguf-py's files in GGUFReaderTests) reads
// back — every value type, nested arrays, tensors of every writable type at the alignment, written atomically.
import Foundation
import Tensor
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
}
