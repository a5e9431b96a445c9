// Dequantization of the plain float types and the "legacy" 32-element quants (ggml-common.h, ggml-quants.c
// dequantize_row_q4_0 … q8_0). Each function turns one block into `blockSize` floats, in the reference's order of
// operations — a product, then a separate sum (no fused multiply–add) — so results are bit-exact with ggml and
// gguf-py. Element j of a block is `d · q_j` (symmetric types) or `d · q_j + m` (types with a minimum).

enum DequantizeLegacy {
    /// F32: 4 bytes per element.
    static func f32(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) { y[0] = loadF32(b, 0) }
    /// F16: 2 bytes per element.
    static func f16(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) { y[0] = loadF16(b, 0) }
    /// BF16: 2 bytes per element.
    static func bf16(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) { y[0] = loadBF16(b, 0) }

    /// Q4_0, 18 bytes: d f16 · qs[16]. Byte i holds element i in its low nibble and element i+16 in its high
    /// nibble; q = nibble − 8, so 4 bits span −8…7.
    static func q4_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = loadF16(b, 0)
        for i in 0..<16 {
            let byte = b.load(fromByteOffset: 2 + i, as: UInt8.self)
            y[i] = d * Float(Int(byte & 0x0F) - 8)
            y[i + 16] = d * Float(Int(byte >> 4) - 8)
        }
    }

    /// Q4_1, 20 bytes: d f16 · m f16 · qs[16]. Same nibble order as Q4_0; q = nibble (0…15), y = d·q + m.
    static func q4_1(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = loadF16(b, 0), m = loadF16(b, 2)
        for i in 0..<16 {
            let byte = b.load(fromByteOffset: 4 + i, as: UInt8.self)
            y[i] = d * Float(byte & 0x0F) + m
            y[i + 16] = d * Float(byte >> 4) + m
        }
    }

    /// Q5_0, 22 bytes: d f16 · qh u32 · qs[16]. The nibbles as in Q4_0; bit j of qh is the fifth bit of element j.
    /// q = 5-bit value − 16.
    static func q5_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = loadF16(b, 0)
        let qh = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        for i in 0..<16 {
            let byte = b.load(fromByteOffset: 6 + i, as: UInt8.self)
            let lo = Int(byte & 0x0F) | Int((qh >> UInt32(i)) & 1) << 4
            let hi = Int(byte >> 4) | Int((qh >> UInt32(i + 16)) & 1) << 4
            y[i] = d * Float(lo - 16)
            y[i + 16] = d * Float(hi - 16)
        }
    }

    /// Q5_1, 24 bytes: d f16 · m f16 · qh u32 · qs[16]. As Q5_0 with q = 5-bit value (0…31), y = d·q + m.
    static func q5_1(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = loadF16(b, 0), m = loadF16(b, 2)
        let qh = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        for i in 0..<16 {
            let byte = b.load(fromByteOffset: 8 + i, as: UInt8.self)
            let lo = UInt32(byte & 0x0F) | ((qh >> UInt32(i)) & 1) << 4
            let hi = UInt32(byte >> 4) | ((qh >> UInt32(i + 16)) & 1) << 4
            y[i] = d * Float(lo) + m
            y[i + 16] = d * Float(hi) + m
        }
    }

    /// Q8_0, 34 bytes: d f16 · qs[32] int8; y = q·d.
    static func q8_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = loadF16(b, 0)
        for i in 0..<32 {
            y[i] = Float(b.load(fromByteOffset: 2 + i, as: Int8.self)) * d
        }
    }
}
