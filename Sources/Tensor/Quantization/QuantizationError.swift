// QuantizationError: what the block formats and kernels can refuse. They know types, not files, so the error names
// the type; a file format that calls them (GGUF) adds the file and tensor (GGUFError.unsupportedTensorType).

/// A ggml block type that lmlab knows the size of but cannot compute with.
public enum QuantizationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// No dequantizer for this type (GGMLType.dequantizable lists the ones there are).
    case unsupportedType(GGMLType)

    public var description: String {
        switch self {
        case .unsupportedType(let type):
            return "type \(type.name) cannot be dequantized; supported: "
                + GGMLType.dequantizable.map(\.name).joined(separator: ", ") + " — use a model quantized to one of these"
        }
    }
}
