// KVCachePrecision: what a KV cache stores its keys and values as. float32 keeps the exact mode exact; float16
// halves the bytes attention reads per step (and the cache's memory), as llama.cpp does by default
// (`--cache-type-k f16 --cache-type-v f16`), for a rounding of each cached number to 11 significant bits.

/// The element type of a KVCache's keys and values.
public enum KVCachePrecision: String, Sendable, Codable, CaseIterable {
    /// float32: the projections exactly as computed.
    case float32 = "f32"
    /// IEEE binary16, rounded to nearest even on the way in (relative error ≤ 2⁻¹¹), widened exactly on the way out.
    case float16 = "f16"

    /// Bytes per cached number.
    public var bytes: Int { self == .float32 ? 4 : 2 }
}
