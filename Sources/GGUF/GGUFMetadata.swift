// GGUFMetadata: the key–value section of a GGUF file, in file order, with lookups by key.

/// The metadata of one GGUF file.
public struct GGUFMetadata: Sendable {
    /// Keys in the order the file lists them (gguf-dump prints them in this order).
    public let keys: [String]
    private let values: [String: GGUFValue]

    init(keys: [String], values: [String: GGUFValue]) {
        self.keys = keys
        self.values = values
    }

    /// The value of `key`, or nil if the file has no such key.
    public subscript(key: String) -> GGUFValue? { values[key] }

    public var count: Int { keys.count }

    /// The model architecture (`general.architecture`, e.g. "llama"), the prefix of its hyper-parameter keys.
    public var architecture: String? { values["general.architecture"]?.string }
}
