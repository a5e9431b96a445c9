// Half-precision floats as stored in GGUF blocks: IEEE binary16 (F16, the scale of every quant block) and
// bfloat16 (BF16, the top 16 bits of a float32). Both widen to Float exactly, so no rounding question arises.

/// Loads a little-endian IEEE half at `offset` and widens it to Float.
@inline(__always)
func loadF16(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
    Float(Float16(bitPattern: UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))))
}

/// Loads a little-endian bfloat16 at `offset`: its 16 bits are the high half of a float32.
@inline(__always)
func loadBF16(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
    let bits = UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    return Float(bitPattern: UInt32(bits) << 16)
}

/// Loads a little-endian float32 at `offset`.
@inline(__always)
func loadF32(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
    Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
}
