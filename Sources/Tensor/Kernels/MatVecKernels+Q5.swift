// The 5-bit types' dot products — Q5_0, Q5_1 and Q5_K, what llama.cpp's quantizer falls back to for SmolLM2's
// 576-column matrices when asked for Q4_K_M or the i-quants — with float activations (MatVecKernels) and with
// 8-bit activations (MatVecKernelsQ8, the reference of the AVX2 kernels in CKernels). A 5-bit value is a nibble
// plus one bit from a separate bit field; the same scale tricks as the 4-bit types apply:
//     Q5_0   Σ d·(u − 16)·x = d·Σ u·x − 16d·Σx          Q5_1   Σ (d·u + m)·x = d·Σ u·x + m·Σx
//     Q5_K   per sub-block j of 32: (d·sc_j)·Σ u·x − (dmin·m_j)·Σx
// Layouts: DequantizeLegacy.swift and DequantizeKQuants.swift.

extension MatVecKernels {
    /// Bits first…first+15 of qh as lanes 0…15, each 16 or 0: the fifth bit of 16 consecutive elements.
    @inline(__always) static func fifthBits(_ qh: UInt32, _ first: UInt32) -> SIMD16<Int32> {
        let shifts = SIMD16<UInt32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) &+ first
        return unsafeBitCast(((SIMD16<UInt32>(repeating: qh) &>> shifts) & 1) &<< 4, to: SIMD16<Int32>.self)
    }

    /// The 32 five-bit values of a Q5_0/Q5_1 block: nibbles at `qs`, fifth bits in the u32 at `qh`.
    @inline(__always) static func fiveBits(_ block: UnsafeRawPointer, qh: Int, qs: Int) -> (low: V, high: V) {
        let bits = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: qh, as: UInt32.self))
        let q = widen(load16(block, qs))
        return (float((q & 0x0F) | fifthBits(bits, 0)), float((q &>> 4) | fifthBits(bits, 16)))
    }

    static func q5_0(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ s32: UnsafePointer<Float>, _ n: Int) -> Float {
        oneRow(w, n / 32, 22, q5_0Block(x, s32))
    }
    static func q5_1(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ s32: UnsafePointer<Float>, _ n: Int) -> Float {
        oneRow(w, n / 32, 24, q5_1Block(x, s32))
    }
    static func q5_K(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ s32: UnsafePointer<Float>, _ n: Int) -> Float {
        oneRow(w, n / 256, 176, q5_KBlock(x, s32))
    }
    static func q5_0Rows4(_ w: UnsafeRawPointer, _ stride: Int, _ x: UnsafePointer<Float>, _ s32: UnsafePointer<Float>,
                          _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        fourRows(w, stride, n / 32, 22, y, q5_0Block(x, s32))
    }
    static func q5_1Rows4(_ w: UnsafeRawPointer, _ stride: Int, _ x: UnsafePointer<Float>, _ s32: UnsafePointer<Float>,
                          _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        fourRows(w, stride, n / 32, 24, y, q5_1Block(x, s32))
    }
    static func q5_KRows4(_ w: UnsafeRawPointer, _ stride: Int, _ x: UnsafePointer<Float>, _ s32: UnsafePointer<Float>,
                          _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        fourRows(w, stride, n / 256, 176, y, q5_KBlock(x, s32))
    }

    /// Q5_0, 22 bytes (d · qh · qs): d·Σ u·x − 16d·Σx.
    @inline(__always)
    static func q5_0Block(_ x: UnsafePointer<Float>, _ s32: UnsafePointer<Float>) -> BlockDot {
        { block, b, acc, offset in
            let d = half(block, 0)
            let (low, high) = fiveBits(block, qh: 2, qs: 6)
            acc = acc.addingProduct((low * x16(x, 32 * b)).addingProduct(high, x16(x, 32 * b + 16)), d)
            offset -= 16 * d * s32[b]
        }
    }

    /// Q5_1, 24 bytes (d · m · qh · qs): d·Σ u·x + m·Σx.
    @inline(__always)
    static func q5_1Block(_ x: UnsafePointer<Float>, _ s32: UnsafePointer<Float>) -> BlockDot {
        { block, b, acc, offset in
            let (low, high) = fiveBits(block, qh: 4, qs: 8)
            acc = acc.addingProduct((low * x16(x, 32 * b)).addingProduct(high, x16(x, 32 * b + 16)), half(block, 0))
            offset += half(block, 2) * s32[b]
        }
    }

    /// Q5_K, 176 bytes (d · dmin · scales[12] · qh[32] · qs[128]): Q4_K's sums, the value of element 32j + l
    /// getting bit j of qh[l] as its fifth bit.
    @inline(__always)
    static func q5_KBlock(_ x: UnsafePointer<Float>, _ s32: UnsafePointer<Float>) -> BlockDot {
        { block, b, acc, offset in
            let d = half(block, 0), dmin = half(block, 2)
            let qh0 = widen(load16(block, 16)), qh1 = widen(load16(block, 32))  // bits of elements l < 16, l ≥ 16
            for c in 0..<4 {  // sub-blocks 2c (low nibbles) and 2c + 1 (high nibbles)
                let q0 = widen(load16(block, 48 + 32 * c)), q1 = widen(load16(block, 64 + 32 * c))
                let (j0, j1) = (Int32(2 * c), Int32(2 * c + 1))
                let low0 = float((q0 & 0x0F) | (((qh0 &>> j0) & 1) &<< 4))
                let low1 = float((q1 & 0x0F) | (((qh1 &>> j0) & 1) &<< 4))
                let high0 = float((q0 &>> 4) | (((qh0 &>> j1) & 1) &<< 4))
                let high1 = float((q1 &>> 4) | (((qh1 &>> j1) & 1) &<< 4))
                let e = 256 * b + 64 * c
                let (sc0, m0) = DequantizeKQuants.scaleMin(block + 4, 2 * c)
                let (sc1, m1) = DequantizeKQuants.scaleMin(block + 4, 2 * c + 1)
                acc = acc.addingProduct((low0 * x16(x, e)).addingProduct(low1, x16(x, e + 16)), d * Float(sc0))
                acc = acc.addingProduct((high0 * x16(x, e + 32)).addingProduct(high1, x16(x, e + 48)), d * Float(sc1))
                offset -= dmin * (Float(m0) * s32[e / 32] + Float(m1) * s32[e / 32 + 1])
            }
        }
    }
}

extension MatVecKernelsQ8 {
    /// Σ u_i·q_i over a Q5_0/Q5_1 block's 32 five-bit values (nibbles at `qs`, fifth bits in the u32 at `qh`).
    @inline(__always)
    static func dotFiveBits(_ block: UnsafeRawPointer, qh: Int, qs: Int, _ q: UnsafePointer<Int8>) -> Int32 {
        let bits = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: qh, as: UInt32.self))
        let n = (block + qs).assumingMemoryBound(to: UInt8.self)
        var s: Int32 = 0
        for i in 0..<16 {
            let low = Int32(n[i] & 0x0F) | Int32((bits >> UInt32(i)) & 1) << 4
            let high = Int32(n[i] >> 4) | Int32((bits >> UInt32(i + 16)) & 1) << 4
            s &+= low &* Int32(q[i]) &+ high &* Int32(q[i + 16])
        }
        return s
    }

    static func q5_0(_ w: UnsafeRawPointer, _ q: UnsafePointer<Int8>, _ d: UnsafePointer<Float>,
                     _ s: UnsafePointer<Float>, _ n: Int) -> Float {
        var sum: Float = 0
        for b in 0..<(n / 32) {
            let block = w + 22 * b
            sum += half(block, 0) * (d[b] * Float(dotFiveBits(block, qh: 2, qs: 6, q + 32 * b)) - 16 * s[b])
        }
        return sum
    }

    static func q5_1(_ w: UnsafeRawPointer, _ q: UnsafePointer<Int8>, _ d: UnsafePointer<Float>,
                     _ s: UnsafePointer<Float>, _ n: Int) -> Float {
        var sum: Float = 0
        for b in 0..<(n / 32) {
            let block = w + 24 * b
            sum += half(block, 0) * d[b] * Float(dotFiveBits(block, qh: 4, qs: 8, q + 32 * b)) + half(block, 2) * s[b]
        }
        return sum
    }

    static func q5_K(_ w: UnsafeRawPointer, _ q: UnsafePointer<Int8>, _ d: UnsafePointer<Float>,
                     _ s: UnsafePointer<Float>, _ n: Int) -> Float {
        var sum: Float = 0
        for b in 0..<(n / 256) {
            let block = w + 176 * b
            let scale = half(block, 0), minimum = half(block, 2)
            let qh = (block + 16).assumingMemoryBound(to: UInt8.self)
            for c in 0..<4 {
                let qs = (block + 48 + 32 * c).assumingMemoryBound(to: UInt8.self)
                let j = 8 * b + 2 * c
                var dot0: Int32 = 0, dot1: Int32 = 0
                for l in 0..<32 {
                    let low = Int32(qs[l] & 0x0F) | Int32((qh[l] >> UInt8(2 * c)) & 1) << 4
                    let high = Int32(qs[l] >> 4) | Int32((qh[l] >> UInt8(2 * c + 1)) & 1) << 4
                    dot0 &+= low &* Int32(q[32 * j + l])
                    dot1 &+= high &* Int32(q[32 * j + 32 + l])
                }
                let (sc0, m0) = DequantizeKQuants.scaleMin(block + 4, 2 * c)
                let (sc1, m1) = DequantizeKQuants.scaleMin(block + 4, 2 * c + 1)
                sum += scale * (Float(sc0) * d[j] * Float(dot0) + Float(sc1) * d[j + 1] * Float(dot1))
                sum -= minimum * (Float(m0) * s[j] + Float(m1) * s[j + 1])
            }
        }
        return sum
    }
}
