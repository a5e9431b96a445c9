// Dequantization of the non-linear 4-bit i-quants (ggml-common.h block_iq4_nl, block_iq4_xs; ggml-quants.c
// dequantize_row_iq4_nl/_xs; llama.cpp PR #5590 and #5747). Their 4-bit codes index a fixed grid of 16 values,
// denser near zero where most weights are (`grid`), instead of the evenly spaced 0…15 of Q4_0. The other i-quants
// (IQ1–IQ3) index lattices of hundreds of 8-dimensional points and are not implemented.
// Every product here is exact in float32 (an 11-bit half times an integer of at most 7 bits, or of 6 and 7 bits),
// so the results equal a float64 computation — and gguf-py's, bit for bit.

enum DequantizeIQuants {
    /// The 16 values a 4-bit code stands for (ggml `kvalues_iq4nl`).
    static let grid: [Int8] = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]

    /// IQ4_NL, 18 bytes: d f16 · qs[16]. Byte i holds the code of element i (low nibble) and of element i + 16
    /// (high nibble); y = d·grid[code].
    static func iq4_nl(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = loadF16(b, 0)
        for i in 0..<16 {
            let byte = b.load(fromByteOffset: 2 + i, as: UInt8.self)
            y[i] = d * Float(grid[Int(byte & 0x0F)])
            y[i + 16] = d * Float(grid[Int(byte >> 4)])
        }
    }

    /// The 6-bit scale of IQ4_XS sub-block j (0…63; the scale is this − 32): low 4 bits from nibble j % 2 of
    /// scales_l[j / 2], high 2 bits from bits 2j, 2j+1 of scales_h.
    @inline(__always)
    static func iq4_xsScale(_ b: UnsafeRawPointer, _ j: Int) -> Int {
        let high = UInt16(littleEndian: b.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
        let low = b.load(fromByteOffset: 4 + j / 2, as: UInt8.self) >> UInt8(4 * (j % 2))
        return Int(low & 0x0F) | Int((high >> UInt16(2 * j)) & 3) << 4
    }

    /// IQ4_XS, 136 bytes: d f16 · scales_h u16 · scales_l[4] · qs[128]. 8 sub-blocks of 32, each with a 6-bit scale
    /// (`iq4_xsScale` − 32) and IQ4_NL's layout of codes in its 16 bytes of qs; y = (d·scale) · grid[code].
    static func iq4_xs(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = loadF16(b, 0)
        for j in 0..<8 {
            let dl = d * Float(iq4_xsScale(b, j) - 32)
            for i in 0..<16 {
                let byte = b.load(fromByteOffset: 8 + 16 * j + i, as: UInt8.self)
                y[32 * j + i] = dl * Float(grid[Int(byte & 0x0F)])
                y[32 * j + i + 16] = dl * Float(grid[Int(byte >> 4)])
            }
        }
    }
}
