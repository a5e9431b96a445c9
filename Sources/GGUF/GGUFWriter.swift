// GGUFWriter: writes a GGUF file (ggml docs/gguf.md, version 3, little-endian) — the reverse of GGUFReader:
//
//   header    "GGUF" · version u32 = 3 · tensor_count u64 · metadata_kv_count u64
//   metadata  key (u64 length + UTF-8) · value type u32 · value            arrays: element type u32 · count u64 · values
//   tensors   name · n_dims u32 · ne[n_dims] u64 (innermost first) · type u32 · offset u64 (from the data start)
//   padding   zeros to a multiple of `alignment`
//   data      each tensor's bytes, each padded with zeros to a multiple of `alignment`
//
// The writer only lays bytes out; what the keys and tensors mean (an architecture's names, the quantization of each
// tensor) is decided by its callers (Models/Interop/GGUFExport.swift). The file is written to `path.tmp` and renamed
// over `path`, so a crash or a full disk never leaves a half-written model under the final name.
import Files
import Foundation
import Tensor

public struct GGUFWriter {
    /// One tensor to write: ggml shape (innermost first) and its encoded bytes.
    public struct Entry {
        public var name: String
        public var shape: [Int]
        public var type: GGMLType
        public var bytes: [UInt8]
    }

    /// Tensor data offsets are multiples of this (written as `general.alignment` when it is not the default 32).
    public var alignment: Int
    /// Metadata in the order it will be written (gguf-dump and `lmlab info` list it in this order).
    public private(set) var metadata: [(key: String, value: GGUFValue)] = []
    public private(set) var tensors: [Entry] = []

    public init(alignment: Int = 32) {
        precondition(alignment > 0 && alignment % 8 == 0, "GGUF alignment \(alignment) must be a positive multiple of 8")
        self.alignment = alignment
    }

    /// Adds a key, or replaces its value if it is already there.
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if let i = metadata.firstIndex(where: { $0.key == key }) { metadata[i].value = value } else { metadata.append((key, value)) }
    }

    /// Adds a tensor whose `bytes` are already encoded in `type` (see `quantize`). `shape` is in ggml order: a
    /// (rows, cols) matrix is [cols, rows].
    public mutating func addTensor(_ name: String, shape: [Int], type: GGMLType, bytes: [UInt8]) {
        let elements = shape.reduce(1, *)
        precondition(!shape.isEmpty && shape.count <= 4, "GGUF tensor \(name): \(shape.count) dimensions, expected 1…4")
        precondition(shape[0] % type.blockSize == 0 && type.byteCount(elements: elements) == bytes.count,
                     "GGUF tensor \(name): \(bytes.count) bytes do not encode shape \(shape) in \(type)")
        precondition(!tensors.contains { $0.name == name }, "GGUF tensor \(name) added twice")
        tensors.append(Entry(name: name, shape: shape, type: type, bytes: bytes))
    }

    /// The whole file as bytes.
    public func encoded() -> [UInt8] {
        var out = ByteWriter()
        out.bytes(Array("GGUF".utf8))
        out.integer(UInt32(3))
        out.integer(UInt64(tensors.count))
        var entries = metadata
        if alignment != 32, !entries.contains(where: { $0.key == "general.alignment" }) {
            entries.append(("general.alignment", .uint32(UInt32(alignment))))
        }
        out.integer(UInt64(entries.count))
        for (key, value) in entries {
            out.string(key)
            out.integer(value.type.rawValue)
            out.value(value)
        }
        // Offsets are relative to the data section, each rounded up to the alignment.
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            offsets.append(offset)
            offset = Self.padded(offset + t.bytes.count, to: alignment)
        }
        for (t, o) in zip(tensors, offsets) {
            out.string(t.name)
            out.integer(UInt32(t.shape.count))
            for ne in t.shape { out.integer(UInt64(ne)) }
            out.integer(t.type.id)
            out.integer(UInt64(o))
        }
        out.pad(to: alignment)
        for t in tensors {
            out.bytes(t.bytes)
            out.pad(to: alignment)
        }
        return out.data
    }

    /// Writes the file atomically (AtomicFile: `path.tmp`, flushed, then renamed over `path`).
    public func write(to path: String) throws(GGUFError) {
        do { try AtomicFile.write(encoded(), to: path) } catch { throw .cannotWrite(file: path, reason: error.reason) }
    }

    static func padded(_ n: Int, to alignment: Int) -> Int { (n + alignment - 1) / alignment * alignment }
}

/// Little-endian encoding of GGUF's scalar, string and array values.
private struct ByteWriter {
    var data: [UInt8] = []

    mutating func bytes(_ b: [UInt8]) { data += b }

    mutating func integer<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { data += $0 }
    }

    mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        integer(UInt64(utf8.count))
        data += utf8
    }

    mutating func pad(to alignment: Int) {
        data += [UInt8](repeating: 0, count: GGUFWriter.padded(data.count, to: alignment) - data.count)
    }

    mutating func value(_ v: GGUFValue) {
        switch v {
        case let .uint8(x): integer(x)
        case let .int8(x): integer(x)
        case let .uint16(x): integer(x)
        case let .int16(x): integer(x)
        case let .uint32(x): integer(x)
        case let .int32(x): integer(x)
        case let .uint64(x): integer(x)
        case let .int64(x): integer(x)
        case let .float32(x): integer(x.bitPattern)
        case let .float64(x): integer(x.bitPattern)
        case let .bool(x): integer(UInt8(x ? 1 : 0))
        case let .string(s): string(s)
        case let .array(elementType, elements):
            precondition(elements.allSatisfy { $0.type == elementType }, "GGUF array of \(elementType) holds another type")
            integer(elementType.rawValue)
            integer(UInt64(elements.count))
            for e in elements { value(e) }
        }
    }
}
