// The element types of safetensors (huggingface/safetensors, `Dtype`), as written in a header's "dtype" field.
// lmlab reads weights stored as F32, F16 or BF16 (what PyTorch and transformers save) and writes F32; every other
// dtype is known by name and size, so an error can say what a file holds.

public enum SafetensorsDType: String, Sendable, CaseIterable {
    case bool = "BOOL", u8 = "U8", i8 = "I8", f8e5m2 = "F8_E5M2", f8e4m3 = "F8_E4M3"
    case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
    case i32 = "I32", u32 = "U32", f32 = "F32"
    case f64 = "F64", i64 = "I64", u64 = "U64"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3: return 1
        case .i16, .u16, .f16, .bf16: return 2
        case .i32, .u32, .f32: return 4
        case .f64, .i64, .u64: return 8
        }
    }

    /// The dtypes `SafetensorsTensor.floats()` converts to float32 (exactly: every F16 and BF16 value is a float).
    public static let floating: [SafetensorsDType] = [.f32, .f16, .bf16]
}
