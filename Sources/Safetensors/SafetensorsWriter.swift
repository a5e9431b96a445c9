// SafetensorsWriter: writes float32 tensors as a `.safetensors` file (see SafetensorsFile.swift for the layout).
// The header lists the tensors in the order they were added, with `__metadata__` first ({"format": "pt"} tells
// transformers the tensors are PyTorch-shaped), and is padded with spaces so the data starts at a multiple of 8
// bytes, as the safetensors library does. Written to `path.tmp` and renamed over `path`.
import Files
import Foundation

public struct SafetensorsWriter {
    public private(set) var names: [String] = []
    private var shapes: [[Int]] = []
    private var values: [[Float]] = []
    /// `__metadata__`: string → string.
    public var metadata: [String: String]

    public init(metadata: [String: String] = ["format": "pt"]) {
        self.metadata = metadata
    }

    /// Adds a float32 tensor; `shape` is row-major, outermost first.
    public mutating func add(_ name: String, shape: [Int], values v: [Float]) {
        precondition(shape.reduce(1, *) == v.count, "safetensors tensor \(name): \(v.count) values for shape \(shape)")
        precondition(!names.contains(name) && name != "__metadata__", "safetensors tensor \(name) added twice")
        names.append(name); shapes.append(shape); values.append(v)
    }

    /// The JSON header, padded with spaces to a multiple of 8 bytes after the 8-byte length.
    func header() -> [UInt8] {
        func quote(_ s: String) -> String {
            let data = try! JSONEncoder().encode([s])  // a one-element array escapes exactly one string
            return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
        }
        var parts: [String] = []
        if !metadata.isEmpty {
            let m = metadata.sorted { $0.key < $1.key }.map { "\(quote($0.key)):\(quote($0.value))" }
            parts.append("\"__metadata__\":{" + m.joined(separator: ",") + "}")
        }
        var offset = 0
        for (name, (shape, v)) in zip(names, zip(shapes, values)) {
            let end = offset + 4 * v.count
            parts.append("\(quote(name)):{\"dtype\":\"F32\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],"
                         + "\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var bytes = Array(("{" + parts.joined(separator: ",") + "}").utf8)
        while bytes.count % 8 != 0 { bytes.append(0x20) }
        return bytes
    }

    /// The whole file.
    public func encoded() -> [UInt8] {
        let h = header()
        var out: [UInt8] = []
        out.reserveCapacity(8 + h.count + values.reduce(0) { $0 + 4 * $1.count })
        withUnsafeBytes(of: UInt64(h.count).littleEndian) { out += $0 }
        out += h
        for v in values {
            #if _endian(little)
            v.withUnsafeBytes { out += $0 }  // float32 in memory is already the file's little-endian layout
            #else
            for x in v { withUnsafeBytes(of: x.bitPattern.littleEndian) { out += $0 } }
            #endif
        }
        return out
    }

    /// Writes the file atomically (AtomicFile: `path.tmp`, flushed, then renamed over `path`).
    public func write(to path: String) throws(SafetensorsError) {
        do { try AtomicFile.write(encoded(), to: path) } catch { throw .cannotWrite(file: path, reason: error.reason) }
    }
}
