// Half-precision floats as stored in GGUF blocks: IEEE binary16 (F16, the scale of every quant block) and
// bfloat16 (BF16, the top 16 bits of a float32). Both widen to Float exactly, so no rounding question arises.

/// Loads a little-endian IEEE half at `offset` and widens it to Float.
@inline(__always)
func loadF16(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
    halfToFloat(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
}

/// IEEE binary16 bits → Float, exactly; the same result as `Float(Float16(bitPattern:))`, which on x86-64 without
/// F16C is a library call. Move exponent and mantissa 13 bits up into float position, which reads as the value
/// times 2^−112 (the exponent bias goes from 15 to 127), multiply by 2^112 — exact, subnormal halves included —
/// and restore the sign. Inf and NaN (exponent all ones) just get the float's all-ones exponent.
@inline(__always)
func halfToFloat(_ h: UInt16) -> Float {
    let magnitude = UInt32(h & 0x7FFF) << 13
    let sign = UInt32(h & 0x8000) << 16
    if h & 0x7C00 == 0x7C00 { return Float(bitPattern: sign | magnitude | 0x7F80_0000) }
    return Float(bitPattern: sign | (Float(bitPattern: magnitude) * 0x1p112).bitPattern)
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
