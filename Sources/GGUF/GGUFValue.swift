// GGUFValue: one metadata value of a GGUF file, of any of the spec's 13 value types (docs/gguf.md,
// `gguf_metadata_value_type`), arrays included — and arrays of arrays.
//
// Typed accessors (`.int`, `.float`, `.string`, `.strings`…) return nil for the wrong type instead of trapping,
// so callers can write `metadata["llama.block_count"]?.int`.

/// The value-type tags of the spec, as stored in the file.
public enum GGUFValueType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, bool = 7, string = 8
    case array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// The spec's name ("UINT32"), as gguf-dump prints it.
    public var description: String {
        ["UINT8", "INT8", "UINT16", "INT16", "UINT32", "INT32", "FLOAT32", "BOOL", "STRING", "ARRAY", "UINT64",
         "INT64", "FLOAT64"][Int(rawValue)]
    }

    /// The fewest bytes one value of this type takes in the file: bounds an array's count before allocating.
    var minimumEncodedSize: Int {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64, .string: return 8  // a string is at least its u64 length
        case .array: return 12  // u32 element type + u64 count
        }
    }
}

/// One metadata value. Not `indirect`: an array's elements already live in its own buffer, and boxing every element
/// would cost a heap allocation per token of a 50k-token vocabulary (~7 MiB of small blocks at load, left behind
/// in the heap when freed).
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
    /// An array keeps its element type, so an empty array still says what it would hold.
    case array(GGUFValueType, [GGUFValue])

    /// The type tag this value has in the file.
    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .uint64: return .uint64
        case .int64: return .int64
        case .float32: return .float32
        case .float64: return .float64
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        }
    }

    /// Any integer type, if its value fits in `Int`.
    public var int: Int? {
        switch self {
        case let .uint8(v): return Int(v)
        case let .int8(v): return Int(v)
        case let .uint16(v): return Int(v)
        case let .int16(v): return Int(v)
        case let .uint32(v): return Int(v)
        case let .int32(v): return Int(v)
        case let .uint64(v): return Int(exactly: v)
        case let .int64(v): return Int(v)
        default: return nil
        }
    }

    /// A float32 or float64 (float64 rounded to Float).
    public var float: Float? {
        switch self {
        case let .float32(v): return v
        case let .float64(v): return Float(v)
        default: return nil
        }
    }

    /// A float32 or float64 as Double.
    public var double: Double? {
        switch self {
        case let .float32(v): return Double(v)
        case let .float64(v): return v
        default: return nil
        }
    }

    public var bool: Bool? { if case let .bool(v) = self { return v } else { return nil } }
    public var string: String? { if case let .string(v) = self { return v } else { return nil } }
    public var array: [GGUFValue]? { if case let .array(_, v) = self { return v } else { return nil } }

    /// An array whose every element is a string (e.g. `tokenizer.ggml.tokens`).
    public var strings: [String]? { array.flatMap { a in Self.all(a.map(\.string)) } }
    /// An array whose every element is an integer that fits in Int (e.g. `tokenizer.ggml.token_type`).
    public var ints: [Int]? { array.flatMap { a in Self.all(a.map(\.int)) } }
    /// An array whose every element is a float.
    public var floats: [Float]? { array.flatMap { a in Self.all(a.map(\.float)) } }

    private static func all<T>(_ xs: [T?]) -> [T]? {
        var out: [T] = []
        out.reserveCapacity(xs.count)
        for x in xs {
            guard let x else { return nil }
            out.append(x)
        }
        return out
    }

    /// A short human description: the value, or for long arrays the element type and count.
    public var summary: String {
        switch self {
        case let .string(s):
            let oneLine = s.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\\n")
            return oneLine.count > 60 ? "\"\(oneLine.prefix(57))...\"" : "\"\(oneLine)\""
        case let .array(t, a):
            if a.count <= 8 { return "[" + a.map(\.summary).joined(separator: ", ") + "]" }
            return "[\(t); \(a.count)]"
        case let .bool(v): return String(v)
        case let .float32(v): return String(v)
        case let .float64(v): return String(v)
        case let .uint64(v): return String(v)  // may exceed Int.max, so not through `int`
        default: return int.map(String.init) ?? ""
        }
    }
}
