// Dequantization of the K-quants (ggml-common.h block_q2_K … block_q6_K; ggml-quants.c dequantize_row_q*_K;
// introduced in llama.cpp PR #1684). A K-quant super-block holds 256 elements in 8 sub-blocks of 32 or 16
// sub-blocks of 16; each sub-block has its own small integer scale (and minimum), which is multiplied by the
// super-block's f16 `d` (and `dmin`). Products and sums are separate, in the reference's order, for bit-exactness.

enum DequantizeKQuants {
    /// Q2_K, 84 bytes: scales[16] · qs[64] · d f16 · dmin f16. 16 sub-blocks of 16. Scale byte j: low nibble the
    /// scale, high nibble the minimum. Element e = 128h + 32s + l (h half, s shift, l < 32) is 2 bits
    /// `(qs[32h + l] >> 2s) & 3`; y = (d·sc) · q − (dmin·mn) for sub-block e/16.
    static func q2_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = loadF16(b, 80), dmin = loadF16(b, 82)
        for e in 0..<256 {
            let (h, s, l) = (e / 128, (e / 32) % 4, e % 32)
            let sc = b.load(fromByteOffset: e / 16, as: UInt8.self)
            let q = (b.load(fromByteOffset: 16 + 32 * h + l, as: UInt8.self) >> UInt8(2 * s)) & 3
            let dl = d * Float(sc & 0x0F), ml = dmin * Float(sc >> 4)
            y[e] = dl * Float(q) - ml
        }
    }

    /// Q3_K, 110 bytes: hmask[32] · qs[64] · scales[12] · d f16. 16 sub-blocks of 16 with 6-bit signed scales
    /// (stored +32): low 4 bits of scale j are nibble j%8 of bytes 0–7 (low nibbles first), high 2 bits come from
    /// byte 8 + j%4 at shift 2·(j/4). Element e = 128h + 32s + l: 2 low bits `(qs[32h + l] >> 2s) & 3`, and the
    /// third bit `(hmask[e % 32] >> (e/32)) & 1` — when that bit is *clear*, 4 is subtracted. y = (d·scale) · q.
    static func q3_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = loadF16(b, 108)
        for e in 0..<256 {
            let (h, s, l, j) = (e / 128, (e / 32) % 4, e % 32, e / 16)
            let scaleLow = (b.load(fromByteOffset: 96 + j % 8, as: UInt8.self) >> UInt8(4 * (j / 8))) & 0x0F
            let scaleHigh = (b.load(fromByteOffset: 104 + j % 4, as: UInt8.self) >> UInt8(2 * (j / 4))) & 0x03
            let dl = d * Float(Int(scaleLow | scaleHigh << 4) - 32)
            let low = Int((b.load(fromByteOffset: 32 + 32 * h + l, as: UInt8.self) >> UInt8(2 * s)) & 3)
            let bit = Int((b.load(fromByteOffset: e % 32, as: UInt8.self) >> UInt8(e / 32)) & 1)
            y[e] = dl * Float(low - (bit == 0 ? 4 : 0))
        }
    }

    /// The 8 six-bit scales and minimums of Q4_K/Q5_K, packed in 12 bytes (ggml `get_scale_min_k4`):
    /// for j < 4, scale = bytes[j] & 63 and min = bytes[j+4] & 63; for j ≥ 4, the low 4 bits come from
    /// bytes[j+4] (scale: low nibble, min: high nibble) and the top 2 bits from the spare top bits of bytes[j−4]
    /// (scale) and bytes[j] (min).
    @inline(__always)
    static func scaleMin(_ s: UnsafeRawPointer, _ j: Int) -> (scale: UInt8, min: UInt8) {
        let byte = { (i: Int) in s.load(fromByteOffset: i, as: UInt8.self) }
        if j < 4 { return (byte(j) & 63, byte(j + 4) & 63) }
        return ((byte(j + 4) & 0x0F) | ((byte(j - 4) >> 6) << 4),
                (byte(j + 4) >> 4) | ((byte(j) >> 6) << 4))
    }

    /// Q4_K, 144 bytes: d f16 · dmin f16 · scales[12] · qs[128]. 8 sub-blocks of 32. Element e = 64c + 32s + l is
    /// nibble s of qs[32c + l]; y = (d·scale) · q − (dmin·min) for sub-block e/32.
    static func q4_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = loadF16(b, 0), dmin = loadF16(b, 2)
        for j in 0..<8 {
            let (sc, mn) = scaleMin(b + 4, j)
            let dl = d * Float(sc), ml = dmin * Float(mn)
            let (c, s) = (j / 2, j % 2)
            for l in 0..<32 {
                let q = (b.load(fromByteOffset: 16 + 32 * c + l, as: UInt8.self) >> UInt8(4 * s)) & 0x0F
                y[32 * j + l] = dl * Float(q) - ml
            }
        }
    }

    /// Q5_K, 176 bytes: d f16 · dmin f16 · scales[12] · qh[32] · qs[128]. As Q4_K, plus a fifth bit
    /// `(qh[l] >> j) & 1` for element 32j + l.
    static func q5_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = loadF16(b, 0), dmin = loadF16(b, 2)
        for j in 0..<8 {
            let (sc, mn) = scaleMin(b + 4, j)
            let dl = d * Float(sc), ml = dmin * Float(mn)
            let (c, s) = (j / 2, j % 2)
            for l in 0..<32 {
                let low = (b.load(fromByteOffset: 48 + 32 * c + l, as: UInt8.self) >> UInt8(4 * s)) & 0x0F
                let high = (b.load(fromByteOffset: 16 + l, as: UInt8.self) >> UInt8(j)) & 1
                y[32 * j + l] = dl * Float(low | high << 4) - ml
            }
        }
    }

    /// Q6_K, 210 bytes: ql[128] · qh[64] · scales[16] int8 · d f16. 16 sub-blocks of 16. Element
    /// e = 128h + 32s + l (s < 4, l < 32): low 4 bits are nibble (s / 2) of ql[64h + 32(s % 2) + l], high 2 bits
    /// `(qh[32h + l] >> 2s) & 3`; q = 6-bit value − 32, y = (d·scale) · q for sub-block e/16.
    static func q6_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = loadF16(b, 208)
        for e in 0..<256 {
            let (h, s, l) = (e / 128, (e / 32) % 4, e % 32)
            let low = (b.load(fromByteOffset: 64 * h + 32 * (s % 2) + l, as: UInt8.self) >> UInt8(4 * (s / 2))) & 0x0F
            let high = (b.load(fromByteOffset: 128 + 32 * h + l, as: UInt8.self) >> UInt8(2 * s)) & 0x03
            let scale = d * Float(b.load(fromByteOffset: 192 + e / 16, as: Int8.self))
            y[e] = scale * Float(Int(low | high << 4) - 32)
        }
    }
}
