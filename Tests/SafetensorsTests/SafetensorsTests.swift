// The safetensors reader and writer: a written file reads back bit for bit (and by Hugging Face's own `safetensors`
// package, in ModelsTests/HFExportTests), F16 and BF16 convert exactly to float32 (values checked against their
// IEEE bit patterns), and every kind of damage — truncation anywhere, a bad header, an unsupported dtype, misaligned,
// overlapping or missing data — is one SafetensorsError that names the file and the tensor.
import Foundation
import XCTest

@testable import Safetensors

final class SafetensorsTests: XCTestCase {
    func temporaryPath(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmlab-safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir.appendingPathComponent(name).path
    }

    /// A file from a header (as JSON text) and raw data bytes, the way any writer lays it out.
    func file(header: String, data: [UInt8]) throws -> String {
        let path = try temporaryPath("t.safetensors")
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes += $0 }
        bytes += Array(header.utf8) + data
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testRoundTrip() throws {
        var writer = SafetensorsWriter(metadata: ["format": "pt", "note": "a \"quoted\" value"])
        let a: [Float] = [1, -2.5, .pi, 1e-30, -0.0, 65504]
        let b: [Float] = (0..<12).map { Float($0) * 0.37 - 2 }
        writer.add("layer.a", shape: [2, 3], values: a)
        writer.add("layer.b", shape: [12], values: b)
        writer.add("empty", shape: [0, 4], values: [])
        let path = try temporaryPath("model.safetensors")
        try writer.write(to: path)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".tmp"))

        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let n = bytes.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        XCTAssertEqual((8 + n) % 8, 0, "the data starts at a multiple of 8 bytes")

        let f = try SafetensorsFile(path: path)
        XCTAssertEqual(f.metadata, ["format": "pt", "note": "a \"quoted\" value"])
        XCTAssertEqual(f.names, ["layer.a", "layer.b", "empty"])
        let ta = try f.tensor("layer.a")
        XCTAssertEqual(ta.dtype, .f32)
        XCTAssertEqual(ta.shape, [2, 3])
        XCTAssertEqual(try ta.floats().map(\.bitPattern), a.map(\.bitPattern))
        XCTAssertEqual(try f.tensor("layer.b").floats(), b)
        XCTAssertEqual(try f.tensor("empty").floats(), [])
    }

    /// F16 and BF16 bit patterns of known values convert exactly.
    func testHalfAndBFloat16() throws {
        // F16: 1.0 = 0x3C00, −2.0 = 0xC000, 65504 = 0x7BFF, smallest subnormal 2^−24 = 0x0001
        // BF16: 1.0 = 0x3F80, −2.0 = 0xC000, π ≈ 0x4049 (3.140625)
        let f16: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001]
        let bf16: [UInt16] = [0x3F80, 0xC000, 0x4049, 0x0000]
        var data: [UInt8] = []
        for h in f16 + bf16 { withUnsafeBytes(of: h.littleEndian) { data += $0 } }
        let header = #"{"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[2,2],"data_offsets":[8,16]}}"#
        let f = try SafetensorsFile(path: file(header: header, data: data))
        XCTAssertEqual(try f.tensor("h").floats(), [1, -2, 65504, 0x1p-24])
        XCTAssertEqual(try f.tensor("b").floats(), [1, -2, 3.140625, 0])
    }

    func testErrors() throws {
        let good = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let eight = [UInt8](repeating: 0, count: 8)
        func error(_ header: String, _ data: [UInt8]) throws -> SafetensorsError? {
            let path = try file(header: header, data: data)
            do { _ = try SafetensorsFile(path: path); return nil } catch { return error }
        }
        // A good file, then the same file cut at every length: always `truncated`.
        let goodPath = try file(header: good, data: eight)
        XCTAssertNoThrow(try SafetensorsFile(path: goodPath))
        let whole = try Data(contentsOf: URL(fileURLWithPath: goodPath))
        for length in 0..<whole.count {
            let cut = try temporaryPath("cut\(length).safetensors")
            try whole.prefix(length).write(to: URL(fileURLWithPath: cut))
            XCTAssertThrowsError(try SafetensorsFile(path: cut), "cut at \(length)") { e in
                guard case .truncated(let file, _, let found, _) = e as? SafetensorsError else { return XCTFail("\(e)") }
                XCTAssertEqual(file, cut)
                XCTAssertEqual(found, length)
            }
        }
        guard case .badHeader? = try error("[1, 2]", eight) else { return XCTFail("a header that is not an object") }
        guard case .badHeader? = try error("{\"w\": 3", eight) else { return XCTFail("a header that is not JSON") }
        guard case .badHeader? = try error(#"{"w":{"dtype":"F32","shape":[2]}}"#, eight) else { return XCTFail("no data_offsets") }
        guard case .unsupportedDType(_, "w", "F7")? = try error(#"{"w":{"dtype":"F7","shape":[2],"data_offsets":[0,8]}}"#, eight) else {
            return XCTFail("an unknown dtype")
        }
        guard case .misaligned(_, "w", 2, "F32")? = try error(#"{"p":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"w":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}"#, [UInt8](repeating: 0, count: 6)) else {
            return XCTFail("an F32 tensor at an odd offset")
        }
        guard case .badOffsets(_, "w", _)? = try error(#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, eight) else {
            return XCTFail("offsets that disagree with the shape")
        }
        guard case .badOffsets(_, "v", _)? = try error(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"v":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, eight) else {
            return XCTFail("overlapping tensors")
        }
        guard case .badOffsets(_, "w", _)? = try error(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, eight) else {
            return XCTFail("a hole before the first tensor")
        }
        guard case .badOffsets? = try error(good, eight + [0, 0, 0, 0]) else { return XCTFail("bytes after the last tensor") }

        // Known dtypes that are not weights are listed, but refuse to convert.
        let ints = try SafetensorsFile(path: file(header: #"{"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, data: eight))
        XCTAssertThrowsError(try ints.tensor("ids").floats()) { e in
            XCTAssertEqual(e as? SafetensorsError, .unsupportedDType(file: ints.file, tensor: "ids", dtype: "I64"))
            XCTAssertTrue("\(e)".contains("F32, F16, BF16"), "\(e)")
        }
        XCTAssertThrowsError(try ints.tensor("nope")) { e in
            XCTAssertEqual(e as? SafetensorsError, .missingTensor(file: ints.file, tensor: "nope"))
        }
        XCTAssertThrowsError(try SafetensorsFile(path: "/nonexistent/model.safetensors")) { e in
            guard case .cannotOpen("/nonexistent/model.safetensors", _) = e as? SafetensorsError else { return XCTFail("\(e)") }
        }
        // Every message is one line that names the file.
        let messages = [SafetensorsError.truncated(file: "f", needed: 9, found: 3, reading: "x"),
                        .badHeader(file: "f", problem: "p"), .misaligned(file: "f", tensor: "t", offset: 2, dtype: "F32")]
        for m in messages { XCTAssertFalse(m.description.contains("\n")); XCTAssertTrue(m.description.hasPrefix("f: ")) }
    }
}
