// SafetensorsFile: reads a `.safetensors` file (huggingface/safetensors, the format transformers saves models in):
//
//   N        u64, little-endian: the length of the header
//   header   N bytes of UTF-8 JSON: { "name": {"dtype": "F32", "shape": [768, 2304], "data_offsets": [begin, end]},
//                                     …, "__metadata__": {"format": "pt"} }   (may end in padding spaces)
//   data     the tensors' bytes, row-major, little-endian; [begin, end) is relative to the start of the data
//
// The file is memory-mapped (MappedBytes, as GGUF's are): opening it reads only the header, and a tensor's bytes are paged in when
// `floats(into:)` converts them, straight into the caller's buffer — a 500 MB GPT-2 is never read into a second
// buffer first. Every offset is checked before it is used (inside the file, matching shape × dtype, no overlap,
// no hole), so a truncated or damaged file is one SafetensorsError, never a crash.
import Files
import Foundation

/// One tensor of a safetensors file: a view into the mapping, valid while its file is alive (it keeps it alive).
public struct SafetensorsTensor: @unchecked Sendable {
    // @unchecked: `data` points into read-only mapped bytes that `mapping` keeps alive.
    public let name: String
    public let dtype: SafetensorsDType
    /// Row-major shape, outermost first (PyTorch order).
    public let shape: [Int]
    /// Offset of the first byte in the data section.
    public let dataOffset: Int
    public let data: UnsafeRawBufferPointer
    let file: String
    let mapping: MappedBytes

    public var elementCount: Int { shape.reduce(1, *) }

    /// The values as float32 into `output` (exactly `elementCount` floats), converting F16 and BF16 exactly.
    public func floats(into output: UnsafeMutableBufferPointer<Float>) throws(SafetensorsError) {
        precondition(output.count == elementCount, "\(name): \(output.count) floats for \(elementCount) elements")
        guard let src = data.baseAddress, let dst = output.baseAddress else { return }
        switch dtype {
        case .f32:
            UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: data.count)
        case .f16:
            for i in 0..<output.count {
                dst[i] = Float(Float16(bitPattern: UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))))
            }
        case .bf16:
            // bfloat16 is the high half of a float32
            for i in 0..<output.count {
                dst[i] = Float(bitPattern: UInt32(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
            }
        default:
            throw .unsupportedDType(file: file, tensor: name, dtype: dtype.rawValue)
        }
    }

    /// The values as a new float32 array.
    public func floats() throws(SafetensorsError) -> [Float] {
        var out = [Float](repeating: 0, count: elementCount)
        try out.withUnsafeMutableBufferPointer { (b: inout UnsafeMutableBufferPointer<Float>) throws(SafetensorsError) in
            try floats(into: b)
        }
        return out
    }
}

public struct SafetensorsFile: Sendable {
    /// The path errors mention.
    public let file: String
    /// Tensors in the order of their data.
    public let tensors: [SafetensorsTensor]
    /// The header's `__metadata__` (string → string), empty when absent.
    public let metadata: [String: String]
    private let index: [String: Int]

    /// The safetensors library refuses headers larger than this; so do we, before allocating anything.
    public static let maxHeaderBytes = 100 << 20

    /// Maps and parses the file at `path`.
    public init(path: String) throws(SafetensorsError) {
        let mapping: MappedBytes
        do { mapping = try MappedBytes(path: path) } catch { throw .cannotOpen(file: path, reason: error.reason) }
        try self.init(mapping: mapping, file: path)
    }

    init(mapping: MappedBytes, file: String) throws(SafetensorsError) {
        let bytes = mapping.bytes
        guard bytes.count >= 8 else { throw .truncated(file: file, needed: 8, found: bytes.count, reading: "the header length") }
        let n = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard n <= UInt64(Self.maxHeaderBytes) else {
            throw .badHeader(file: file, problem: "the header length \(n) is larger than \(Self.maxHeaderBytes) bytes")
        }
        let headerEnd = 8 + Int(n)
        guard headerEnd <= bytes.count else {
            throw .truncated(file: file, needed: headerEnd, found: bytes.count, reading: "the \(n)-byte JSON header")
        }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd]))
        } catch {
            throw .badHeader(file: file, problem: "the header is not JSON: \(error.localizedDescription)")
        }
        guard let header = json as? [String: Any] else { throw .badHeader(file: file, problem: "the header is not a JSON object") }
        let dataBytes = bytes.count - headerEnd

        var metadata: [String: String] = [:]
        var entries: [(name: String, dtype: SafetensorsDType, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else {
                    throw .badHeader(file: file, problem: "__metadata__ is not an object of strings")
                }
                metadata = m
                continue
            }
            guard let entry = value as? [String: Any], let dtypeName = entry["dtype"] as? String,
                  let shape = Self.integers(entry["shape"]), let offsets = Self.integers(entry["data_offsets"]),
                  offsets.count == 2, shape.allSatisfy({ $0 >= 0 }) else {
                throw .badHeader(file: file, problem: "tensor \(name) lacks a dtype, a shape of sizes ≥ 0 or two data_offsets")
            }
            guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
                throw .unsupportedDType(file: file, tensor: name, dtype: dtypeName)
            }
            var elements = 1
            for s in shape {
                let (p, overflow) = elements.multipliedReportingOverflow(by: s)
                guard !overflow else { throw .badOffsets(file: file, tensor: name, problem: "shape \(shape) overflows") }
                elements = p
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end - begin == elements &* dtype.size else {
                throw .badOffsets(file: file, tensor: name, problem: "data_offsets [\(begin), \(end)) hold \(end - begin) bytes, "
                                  + "but shape \(shape) of \(dtype.rawValue) needs \(elements &* dtype.size)")
            }
            guard begin % dtype.size == 0 else { throw .misaligned(file: file, tensor: name, offset: begin, dtype: dtype.rawValue) }
            entries.append((name, dtype, shape, begin, end))
        }
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        // The tensors must tile the data section: each starts where the previous one ended.
        var expected = 0
        for e in entries {
            guard e.begin == expected else {
                throw .badOffsets(file: file, tensor: e.name, problem: e.begin < expected
                    ? "its bytes [\(e.begin), \(e.end)) overlap the previous tensor's (which end at \(expected))"
                    : "a hole of \(e.begin - expected) bytes lies before it")
            }
            expected = e.end
        }
        guard expected <= dataBytes else {
            let last = entries.last?.name ?? "(none)"
            throw .truncated(file: file, needed: headerEnd + expected, found: bytes.count, reading: "the data of tensor \(last)")
        }
        guard expected == dataBytes else {
            throw .badOffsets(file: file, tensor: entries.last?.name ?? "(none)",
                              problem: "\(dataBytes - expected) bytes follow the last tensor's data")
        }
        self.file = file
        self.metadata = metadata
        tensors = entries.map { e in
            SafetensorsTensor(name: e.name, dtype: e.dtype, shape: e.shape, dataOffset: e.begin,
                              data: UnsafeRawBufferPointer(rebasing: bytes[(headerEnd + e.begin)..<(headerEnd + e.end)]),
                              file: file, mapping: mapping)
        }
        index = Dictionary(uniqueKeysWithValues: tensors.enumerated().map { ($1.name, $0) })
    }

    public var names: [String] { tensors.map(\.name) }

    public func contains(_ name: String) -> Bool { index[name] != nil }

    /// The tensor named `name`, or SafetensorsError.missingTensor.
    public func tensor(_ name: String) throws(SafetensorsError) -> SafetensorsTensor {
        guard let i = index[name] else { throw .missingTensor(file: file, tensor: name) }
        return tensors[i]
    }

    /// A JSON array of non-negative integers (JSONSerialization gives NSNumber; a float such as 2.5 is refused).
    private static func integers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var out: [Int] = []
        for element in array {
            guard let number = element as? NSNumber, let i = Int(exactly: number.doubleValue), number.doubleValue >= 0 else { return nil }
            out.append(i)
        }
        return out
    }
}
