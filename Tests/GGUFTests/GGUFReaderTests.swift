// The reader against Fixtures/tiny.gguf, written by gguf-py's GGUFWriter (scripts/make-gguf-fixtures.py):
// every metadata value type, nested arrays, and tensors of five types whose dequantizations gguf-py also wrote.
import Foundation
import GGUF
import XCTest

final class GGUFReaderTests: XCTestCase {
    func load() throws -> GGUFFile { try GGUFFile(path: Fixture.path("tiny.gguf")) }

    func testHeader() throws {
        let f = try load()
        XCTAssertEqual(f.version, 3)
        XCTAssertEqual(f.alignment, 32)
        XCTAssertEqual(f.dataOffset % 32, 0)
        XCTAssertEqual(f.metadata.architecture, "llama")
    }

    func testEveryValueType() throws {
        let m = try load().metadata
        XCTAssertEqual(m["test.u8"], .uint8(200))
        XCTAssertEqual(m["test.i8"], .int8(-100))
        XCTAssertEqual(m["test.u16"], .uint16(60000))
        XCTAssertEqual(m["test.i16"], .int16(-30000))
        XCTAssertEqual(m["test.u32"], .uint32(4_000_000_000))
        XCTAssertEqual(m["test.i32"], .int32(-2_000_000_000))
        XCTAssertEqual(m["test.u64"], .uint64(18_000_000_000_000_000_000))
        XCTAssertEqual(m["test.i64"], .int64(-9_000_000_000_000_000_000))
        XCTAssertEqual(m["test.f32"], .float32(0.25))
        XCTAssertEqual(m["test.f64"], .float64(3.141592653589793))
        XCTAssertEqual(m["test.bool"], .bool(true))
        XCTAssertEqual(m["test.string"]?.string, "héllo, gguf")
        XCTAssertEqual(m["test.array_i32"]?.ints, [1, -2, 3])
        XCTAssertEqual(m["test.array_str"]?.strings, ["a", "bc", ""])
        XCTAssertEqual(m["test.array_f32"]?.floats, [0.5, -1.5])
        XCTAssertEqual(m["test.nested"]?.array?.compactMap(\.ints), [[1, 2], [3], [4, 5, 6]])
        XCTAssertEqual(m["test.nested_str"]?.array?.compactMap(\.strings), [["x", "y"], ["z"]])
        XCTAssertEqual(m["llama.block_count"]?.int, 2)
        XCTAssertNil(m["test.u64"]?.int, "18e18 does not fit in Int, so .int must be nil, not a trap")
        XCTAssertNil(m["test.string"]?.int)
        XCTAssertEqual(m.keys.first, "general.architecture", "keys keep file order")
    }

    func testTypedAccessorsThrowNamedErrors() throws {
        let f = try load()
        XCTAssertEqual(try f.int("llama.context_length"), 64)
        XCTAssertEqual(try f.strings("tokenizer.ggml.tokens"), ["<s>", "</s>", "a", "b"])
        XCTAssertThrowsError(try f.int("llama.nope")) { e in
            XCTAssertEqual(e as? GGUFError, .missingKey(file: f.file, key: "llama.nope"))
            XCTAssert("\(e)".contains("llama.nope"), "\(e)")
        }
        XCTAssertThrowsError(try f.int("test.string")) { e in
            guard case GGUFError.wrongKeyType(_, "test.string", _, "STRING") = e else { return XCTFail("\(e)") }
        }
        XCTAssertThrowsError(try f.tensor("output.weight")) { e in
            XCTAssertEqual(e as? GGUFError, .missingTensor(file: f.file, tensor: "output.weight"))
        }
    }

    func testTensorsMatchGGUFPy() throws {
        let f = try load()
        let expected: [(String, String, [Int])] = [
            ("f32.weight", "F32", [8, 4]), ("f16.weight", "F16", [16, 2]), ("q4_0.weight", "Q4_0", [64, 3]),
            ("q8_0.weight", "Q8_0", [64, 3]), ("q4_k.weight", "Q4_K", [256, 2]),
        ]
        XCTAssertEqual(f.tensors.map(\.name), expected.map(\.0))
        for (name, type, shape) in expected {
            let t = try f.tensor(name)
            XCTAssertEqual(t.type.name, type, name)
            XCTAssertEqual(t.shape, shape, name)
            XCTAssertEqual(t.fileOffset % f.alignment, 0, name)
            let ref = try Fixture.floats("tiny.\(name).f32")
            let got = try t.dequantized()
            XCTAssertEqual(got.map(\.bitPattern), ref.map(\.bitPattern), "\(name): dequantized values differ from gguf-py")
        }
    }

    func testVersion2HasTheSameLayout() throws {
        var bytes = try Fixture.bytes("tiny.gguf")
        bytes[4] = 2
        let f = try GGUFFile(bytes: bytes, file: "tiny-v2.gguf")
        XCTAssertEqual(f.version, 2)
        XCTAssertEqual(f.tensors.count, 5)
    }

    /// A tensor type id ggml does not define: the error names the tensor and the offset of its type field.
    func testUnknownTensorType() throws {
        var bytes = try Fixture.bytes("tiny.gguf")
        let name = Array("q8_0.weight".utf8)
        let at = try XCTUnwrap((0..<(bytes.count - name.count)).first { Array(bytes[$0..<($0 + name.count)]) == name })
        let typeOffset = at + name.count + 4 + 2 * 8  // after the name: n_dims u32 = 2, then ne[0], ne[1] as u64
        XCTAssertEqual(bytes[typeOffset], 8, "Q8_0 has id 8")
        bytes[typeOffset] = 99
        XCTAssertThrowsError(try GGUFFile(bytes: bytes, file: "t.gguf")) { e in
            XCTAssertEqual(e as? GGUFError, .unknownTensorType(file: "t.gguf", offset: typeOffset, tensor: "q8_0.weight", typeID: 99))
        }
    }

    /// The mmap path (not just in-memory bytes) on an empty and a truncated file.
    func testMappedBadFiles() throws {
        let dir = FileManager.default.temporaryDirectory
        let good = try Fixture.bytes("tiny.gguf")
        for (name, bytes) in [("empty.gguf", [UInt8]()), ("cut.gguf", Array(good.prefix(100)))] {
            let path = dir.appendingPathComponent("lmlab-\(ProcessInfo.processInfo.processIdentifier)-\(name)").path
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
            defer { try? FileManager.default.removeItem(atPath: path) }
            XCTAssertThrowsError(try GGUFFile(path: path)) { e in
                XCTAssert("\(e)".hasPrefix(path + ": "), "\(name): the error must name the file first: \(e)")
            }
        }
        XCTAssertThrowsError(try GGUFFile(path: dir.path)) { e in XCTAssert("\(e)".contains("not a regular file"), "\(e)") }
    }

    func testBadInputsGiveNamedErrors() throws {
        let good = try Fixture.bytes("tiny.gguf")
        func error(_ bytes: [UInt8]) -> GGUFError? {
            do { _ = try GGUFFile(bytes: bytes, file: "bad.gguf"); return nil } catch { return error }
        }
        var magic = good; magic[0] = 0x47 + 1
        guard case .badMagic("bad.gguf", _)? = error(magic) else { return XCTFail("\(String(describing: error(magic)))") }
        var version = good; version[4] = 1
        XCTAssertEqual(error(version), .unsupportedVersion(file: "bad.gguf", version: 1))
        var bigEndian = good; bigEndian[4] = 0; bigEndian[7] = 3
        XCTAssert(error(bigEndian)?.description.contains("big-endian") == true)
        guard case .truncated(_, 0, _, 4, 2)? = error(Array(good[0..<2])) else { return XCTFail("short file") }
        XCTAssertNotNil(error([]))
        // tensor_count = 2^62: refused before anything is allocated.
        var count = good; count[8 + 7] = 0x40
        guard case .invalidField(_, 8, "tensor_count", _)? = error(count) else {
            return XCTFail("\(String(describing: error(count)))")
        }
        // Cut inside the data of the last tensor.
        guard case .badTensorData(_, "q4_k.weight", _, _, _)? = error(Array(good.dropLast(10))) else {
            return XCTFail("\(String(describing: error(Array(good.dropLast(10)))))")
        }
        XCTAssertThrowsError(try GGUFFile(path: "/nonexistent/model.gguf")) { e in
            XCTAssert("\(e)".hasPrefix("/nonexistent/model.gguf: cannot open"), "\(e)")
        }
    }
}
