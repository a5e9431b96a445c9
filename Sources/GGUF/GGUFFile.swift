// GGUFFile: a loaded GGUF file — header, metadata, tensor table, and the mapped bytes the tensors view.
//
// Loading parses only the header, metadata and tensor infos (a few MB at most for a 50k-token vocabulary); tensor
// data stays in the mapping until a kernel reads it. See GGUFReader.swift for the byte layout.
import Files

/// A GGUF file (ggml docs/gguf.md, versions 2 and 3).
public struct GGUFFile: Sendable {
    /// The path or name errors mention.
    public let file: String
    /// 2 or 3 (they share a layout; v3 only added big-endian files, which this reader refuses).
    public let version: UInt32
    public let metadata: GGUFMetadata
    /// Tensors in file order.
    public let tensors: [GGUFTensor]
    /// `general.alignment`, or 32: tensor data offsets are multiples of it.
    public let alignment: Int
    /// Where the tensor data section starts.
    public let dataOffset: Int
    /// The whole file's bytes.
    public let storage: MappedBytes
    private let tensorIndex: [String: Int]

    /// Reads and parses the file at `path`: its bytes in 2 MiB pages where the kernel has them (the runtime streams
    /// every weight once per token; see MappedBytes), else memory-mapped.
    public init(path: String) throws(GGUFError) {
        let storage: MappedBytes
        do { storage = try MappedBytes(path: path, inHugePages: true) } catch { throw .cannotOpen(file: path, reason: error.reason) }
        try self.init(storage: storage, file: path)
    }

    /// Parses bytes already in memory; `file` names them in errors.
    public init(bytes: some Collection<UInt8>, file: String = "<memory>") throws(GGUFError) {
        try self.init(storage: MappedBytes(copying: bytes), file: file)
    }

    init(storage: MappedBytes, file: String) throws(GGUFError) {
        var reader = GGUFReader(storage: storage, file: file)
        let parsed = try reader.parse()
        self.file = file
        self.storage = storage
        version = parsed.version
        metadata = parsed.metadata
        tensors = parsed.tensors
        alignment = parsed.alignment
        dataOffset = parsed.dataOffset
        tensorIndex = Dictionary(uniqueKeysWithValues: parsed.tensors.enumerated().map { ($1.name, $0) })
    }

    /// The tensor named `name`, or GGUFError.missingTensor.
    public func tensor(_ name: String) throws(GGUFError) -> GGUFTensor {
        guard let i = tensorIndex[name] else { throw .missingTensor(file: file, tensor: name) }
        return tensors[i]
    }

    /// The metadata value of `key`, or GGUFError.missingKey.
    public func value(_ key: String) throws(GGUFError) -> GGUFValue {
        guard let v = metadata[key] else { throw .missingKey(file: file, key: key) }
        return v
    }

    /// An integer key, or a GGUFError saying it is missing or of another type.
    public func int(_ key: String) throws(GGUFError) -> Int {
        let v = try value(key)
        guard let i = v.int else { throw .wrongKeyType(file: file, key: key, expected: "an integer", found: "\(v.type)") }
        return i
    }

    /// A float key (float32 or float64).
    public func float(_ key: String) throws(GGUFError) -> Float {
        let v = try value(key)
        guard let f = v.float else { throw .wrongKeyType(file: file, key: key, expected: "a float", found: "\(v.type)") }
        return f
    }

    /// A string key.
    public func string(_ key: String) throws(GGUFError) -> String {
        let v = try value(key)
        guard let s = v.string else { throw .wrongKeyType(file: file, key: key, expected: "a string", found: "\(v.type)") }
        return s
    }

    /// A string-array key (e.g. `tokenizer.ggml.tokens`).
    public func strings(_ key: String) throws(GGUFError) -> [String] {
        let v = try value(key)
        guard let s = v.strings else {
            throw .wrongKeyType(file: file, key: key, expected: "an array of strings", found: "\(v.type)")
        }
        return s
    }
}
