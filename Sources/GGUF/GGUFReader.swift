// GGUFReader: parses the GGUF byte layout (ggml docs/gguf.md), little-endian throughout:
//
//   header    magic "GGUF" (4 bytes) · version u32 · tensor_count u64 · metadata_kv_count u64
//   metadata  kv_count × { key: string · value_type u32 · value }            string = u64 length + UTF-8 bytes
//             an array value is { element_type u32 · count u64 · count × value } and may nest
//   tensors   tensor_count × { name: string · n_dims u32 · n_dims × u64 ne · type u32 · offset u64 }
//   padding   to a multiple of general.alignment (default 32)
//   data      each tensor at data start + its offset (a multiple of the alignment)
//
// Every count is checked against the bytes that remain before anything is allocated, every size is computed with
// overflow-checked arithmetic, and nesting is bounded, so a corrupt or hostile file gives a GGUFError, never a trap.

import Files
import Tensor

struct GGUFReader {
    struct Parsed {
        var version: UInt32
        var metadata: GGUFMetadata
        var tensors: [GGUFTensor]
        var alignment: Int
        var dataOffset: Int
    }

    /// ggml's GGML_MAX_DIMS.
    static let maxDimensions = 4
    /// Arrays of arrays deeper than this are refused: real files nest at most twice, and recursion must be bounded.
    static let maxArrayDepth = 8
    static let defaultAlignment = 32

    let storage: MappedBytes
    let file: String
    private var cursor: ByteCursor

    init(storage: MappedBytes, file: String) {
        self.storage = storage
        self.file = file
        cursor = ByteCursor(storage.bytes, file: file)
    }

    mutating func parse() throws(GGUFError) -> Parsed {
        let (version, tensorCount, kvCount) = try readHeader()
        let metadata = try readMetadata(count: kvCount)
        let alignment = try alignment(from: metadata)
        let infos = try readTensorInfos(count: tensorCount)
        try cursor.align(to: alignment, for: "padding before tensor data")
        let dataOffset = cursor.offset
        let tensors = try infos.map { info throws(GGUFError) in try locate(info, dataOffset: dataOffset, alignment: alignment) }
        return Parsed(version: version, metadata: metadata, tensors: tensors, alignment: alignment, dataOffset: dataOffset)
    }

    // MARK: header

    private mutating func readHeader() throws(GGUFError) -> (UInt32, Int, Int) {
        try cursor.require(4, for: "magic")
        let magic = Array(storage.bytes[0..<4])
        guard magic == Array("GGUF".utf8) else { throw .badMagic(file: file, found: magic) }
        _ = try cursor.read(UInt32.self, "magic")
        let version = try cursor.read(UInt32.self, "version")
        guard version == 2 || version == 3 else { throw .unsupportedVersion(file: file, version: version) }
        // A tensor info takes at least 8 (name length) + 4 (n_dims) + 4 (type) + 8 (offset) bytes; a kv pair at
        // least 8 (key length) + 4 (type) + 1 (smallest value).
        let tensorCount = try cursor.readCount("tensor_count", minBytesEach: 24)
        let kvCount = try cursor.readCount("metadata_kv_count", minBytesEach: 13)
        return (version, tensorCount, kvCount)
    }

    // MARK: metadata

    private mutating func readMetadata(count: Int) throws(GGUFError) -> GGUFMetadata {
        var keys: [String] = []
        var values: [String: GGUFValue] = [:]
        keys.reserveCapacity(count)
        for i in 0..<count {
            let at = cursor.offset
            let key = try cursor.readString("metadata key #\(i)")
            guard values[key] == nil else { throw .duplicateKey(file: file, offset: at, key: key) }
            let type = try readValueType("value type of \(key)")
            values[key] = try readValue(type, key: key, depth: 0)
            keys.append(key)
        }
        return GGUFMetadata(keys: keys, values: values)
    }

    private mutating func readValueType(_ what: String) throws(GGUFError) -> GGUFValueType {
        let at = cursor.offset
        let raw = try cursor.read(UInt32.self, what)
        guard let type = GGUFValueType(rawValue: raw) else {
            throw .invalidField(file: file, offset: at, field: what, problem: "unknown value type \(raw), expected 0…12")
        }
        return type
    }

    private mutating func readValue(_ type: GGUFValueType, key: String, depth: Int) throws(GGUFError) -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try cursor.read(UInt8.self, key))
        case .int8: return .int8(try cursor.read(Int8.self, key))
        case .uint16: return .uint16(try cursor.read(UInt16.self, key))
        case .int16: return .int16(try cursor.read(Int16.self, key))
        case .uint32: return .uint32(try cursor.read(UInt32.self, key))
        case .int32: return .int32(try cursor.read(Int32.self, key))
        case .uint64: return .uint64(try cursor.read(UInt64.self, key))
        case .int64: return .int64(try cursor.read(Int64.self, key))
        case .float32: return .float32(try cursor.readFloat(key))
        case .float64: return .float64(try cursor.readDouble(key))
        case .string: return .string(try cursor.readString(key))
        case .bool:
            let at = cursor.offset
            let b = try cursor.read(UInt8.self, key)
            guard b <= 1 else {
                throw .invalidField(file: file, offset: at, field: key, problem: "bool byte is \(b), expected 0 or 1")
            }
            return .bool(b == 1)
        case .array:
            guard depth < Self.maxArrayDepth else {
                throw .invalidField(file: file, offset: cursor.offset, field: key,
                    problem: "arrays nested deeper than \(Self.maxArrayDepth)")
            }
            let elementType = try readValueType("element type of \(key)")
            let n = try cursor.readCount("element count of \(key)", minBytesEach: elementType.minimumEncodedSize)
            var elements: [GGUFValue] = []
            elements.reserveCapacity(n)  // bounded by readCount: n × minimum size ≤ bytes remaining
            for _ in 0..<n {
                elements.append(try readValue(elementType, key: key, depth: depth + 1))
            }
            return .array(elementType, elements)
        }
    }

    private func alignment(from metadata: GGUFMetadata) throws(GGUFError) -> Int {
        guard let value = metadata["general.alignment"] else { return Self.defaultAlignment }
        // The spec: a u32, and a multiple of 8.
        guard case let .uint32(a) = value, a > 0, a % 8 == 0 else {
            throw .invalidField(file: file, offset: 0, field: "general.alignment",
                problem: "\(value.summary) (\(value.type)), expected a UINT32 multiple of 8")
        }
        return Int(a)
    }

    // MARK: tensor infos

    private struct Info {
        var name: String
        var shape: [Int]
        var type: GGMLType
        var offset: Int
        var infoOffset: Int
    }

    private mutating func readTensorInfos(count: Int) throws(GGUFError) -> [Info] {
        var infos: [Info] = []
        var seen = Set<String>()
        infos.reserveCapacity(count)
        for i in 0..<count {
            let at = cursor.offset
            let name = try cursor.readString("name of tensor #\(i)")
            guard seen.insert(name).inserted else { throw .duplicateTensor(file: file, offset: at, tensor: name) }
            let shape = try readShape(of: name)
            let typeAt = cursor.offset
            let typeID = try cursor.read(UInt32.self, "type of tensor \(name)")
            guard let type = GGMLType(id: typeID) else {
                throw .unknownTensorType(file: file, offset: typeAt, tensor: name, typeID: typeID)
            }
            let offsetAt = cursor.offset
            let rawOffset = try cursor.read(UInt64.self, "data offset of tensor \(name)")
            guard let offset = Int(exactly: rawOffset) else {
                throw .invalidField(file: file, offset: offsetAt, field: "data offset of tensor \(name)",
                    problem: "\(rawOffset) is larger than Int.max")
            }
            infos.append(Info(name: name, shape: shape, type: type, offset: offset, infoOffset: at))
        }
        return infos
    }

    private mutating func readShape(of name: String) throws(GGUFError) -> [Int] {
        let at = cursor.offset
        let nDims = try cursor.read(UInt32.self, "n_dims of tensor \(name)")
        guard nDims >= 1, nDims <= Self.maxDimensions else {
            throw .invalidField(file: file, offset: at, field: "n_dims of tensor \(name)",
                problem: "\(nDims), expected 1…\(Self.maxDimensions)")
        }
        var shape: [Int] = []
        var elements = 1
        for d in 0..<Int(nDims) {
            let dimAt = cursor.offset
            let raw = try cursor.read(UInt64.self, "ne[\(d)] of tensor \(name)")
            let (product, overflow) = elements.multipliedReportingOverflow(by: Int(exactly: raw) ?? Int.max)
            guard let ne = Int(exactly: raw), !overflow else {
                throw .invalidField(file: file, offset: dimAt, field: "ne[\(d)] of tensor \(name)",
                    problem: "\(raw) makes the element count overflow")
            }
            shape.append(ne)
            elements = product
        }
        return shape
    }

    /// Checks that a tensor's bytes lie inside the file and makes its view.
    private func locate(_ info: Info, dataOffset: Int, alignment: Int) throws(GGUFError) -> GGUFTensor {
        let elements = info.shape.reduce(1, *)  // no overflow: checked in readShape
        guard info.shape[0] % info.type.blockSize == 0, let bytes = info.type.byteCount(elements: elements) else {
            throw .invalidField(file: file, offset: info.infoOffset, field: "shape of tensor \(info.name)",
                problem: "ne0 = \(info.shape[0]) is not a multiple of the \(info.type) block size \(info.type.blockSize)")
        }
        let (start, o1) = dataOffset.addingReportingOverflow(info.offset)
        let (end, o2) = start.addingReportingOverflow(bytes)
        guard !o1, !o2, end <= storage.bytes.count else {
            throw .badTensorData(file: file, tensor: info.name, offset: o1 ? Int.max : start, byteCount: bytes,
                problem: "ends past the end of the file (\(storage.bytes.count) bytes)")
        }
        guard info.offset % alignment == 0 else {
            throw .badTensorData(file: file, tensor: info.name, offset: start, byteCount: bytes,
                problem: "offset \(info.offset) in the data section is not a multiple of the alignment \(alignment)")
        }
        let view = UnsafeRawBufferPointer(rebasing: storage.bytes[start..<end])
        return GGUFTensor(name: info.name, type: info.type, shape: info.shape, fileOffset: start, data: view,
                          file: file, storage: storage)
    }
}
