// MatVecKernelsQ8: dot products of one packed weight row with 8-bit quantized activations (QuantizedActivations)
// — integers times integers, llama.cpp's CPU path (ggml_vec_dot_q4_1_q8_1 and friends, read for the math only).
//
// Per block of 32 the integer dot product Σ w_i·q_i is exact in Int32 (|w·q| ≤ 127·127, 32 terms); one float
// multiply by the two scales turns it into the block's contribution:
//     Q4_0   d_w·(d_x·Σ n_i·q_i − 8·s_x)            n_i = nibble 0…15, stored weight n_i − 8
//     Q4_1   d_w·d_x·Σ n_i·q_i + m_w·s_x            s_x = d_x·Σ q_i (QuantizedActivations.sums)
//     Q8_0   d_w·d_x·Σ w_i·q_i
//     Q4_K   per sub-block j of 32: (d·sc_j)·d_x·Σ n_i·q_i − (dmin·m_j)·s_x
//     Q6_K   per 32-run: d·d_x·(sc_a·Σ_{first 16} (u_i−32)·q_i + sc_b·Σ_{last 16} (u_i−32)·q_i)
// The inner loops are plain scalar loops over 16 or 32 bytes; with AVX2 LLVM turns their widening multiply–adds
// into vpmovsx/zx + vpmaddwd (vpdpwssd with VNNI), 8–16 products per instruction. Layouts: DequantizeLegacy.swift
// and DequantizeKQuants.swift.

enum MatVecKernelsQ8 {
    /// The f16 scale at `offset` as Float (one instruction with `-target-cpu native`).
    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float { MatVecKernels.half(p, offset) }

    /// (row bytes, q (cols), d per 32, d·Σq per 32, cols) → Σ_i W[row, i]·x̂[i], x̂ = d·q.
    typealias RowDot = (UnsafeRawPointer, UnsafePointer<Int8>, UnsafePointer<Float>, UnsafePointer<Float>, Int) -> Float

    /// Four rows at once: (row r, bytes per row, q, d, s, cols, y + r) writes rows r…r+3. Each activation block is
    /// loaded and widened once for the four rows, which saves about a third of the instructions of single-row calls.
    typealias FourRowDot = (UnsafeRawPointer, Int, UnsafePointer<Int8>, UnsafePointer<Float>, UnsafePointer<Float>, Int,
                            UnsafeMutablePointer<Float>) -> Void

    /// Σ n_i·q_i over 32 nibbles: byte i holds element i (low nibble) and element i + 16 (high nibble).
    @inline(__always)
    static func dotNibbles(_ w: UnsafeRawPointer, _ q: UnsafePointer<Int8>) -> Int32 {
        let n = w.assumingMemoryBound(to: UInt8.self)
        var s: Int32 = 0
        for i in 0..<16 { s &+= Int32(n[i] & 0x0F) &* Int32(q[i]) &+ Int32(n[i] >> 4) &* Int32(q[i + 16]) }
        return s
    }

    /// Σ w_i·q_i over `count` signed bytes.
    @inline(__always)
    static func dotBytes(_ w: UnsafeRawPointer, _ q: UnsafePointer<Int8>, _ count: Int) -> Int32 {
        let v = w.assumingMemoryBound(to: Int8.self)
        var s: Int32 = 0
        for i in 0..<count { s &+= Int32(v[i]) &* Int32(q[i]) }
        return s
    }

    static func q4_0(_ w: UnsafeRawPointer, _ q: UnsafePointer<Int8>, _ d: UnsafePointer<Float>,
                     _ s: UnsafePointer<Float>, _ n: Int) -> Float {
        var sum: Float = 0
        for b in 0..<(n / 32) {
            let block = w + 18 * b
            sum += half(block, 0) * (d[b] * Float(dotNibbles(block + 2, q + 32 * b)) - 8 * s[b])
        }
        return sum
    }

    static func q4_1(_ w: UnsafeRawPointer, _ q: UnsafePointer<Int8>, _ d: UnsafePointer<Float>,
                     _ s: UnsafePointer<Float>, _ n: Int) -> Float {
        var sum: Float = 0
        for b in 0..<(n / 32) {
            let block = w + 20 * b
            sum += half(block, 0) * d[b] * Float(dotNibbles(block + 4, q + 32 * b)) + half(block, 2) * s[b]
        }
        return sum
    }

    static func q8_0(_ w: UnsafeRawPointer, _ q: UnsafePointer<Int8>, _ d: UnsafePointer<Float>,
                     _: UnsafePointer<Float>, _ n: Int) -> Float {
        var sum: Float = 0
        for b in 0..<(n / 32) {
            let block = w + 34 * b
            sum += half(block, 0) * d[b] * Float(dotBytes(block + 2, q + 32 * b, 32))
        }
        return sum
    }

    /// dotNibbles for the blocks at w, w + stride, w + 2·stride, w + 3·stride against the same 32 activations.
    @inline(__always)
    static func dotNibbles4(_ w: UnsafeRawPointer, _ stride: Int, _ q: UnsafePointer<Int8>) -> (Int32, Int32, Int32, Int32) {
        let n0 = w.assumingMemoryBound(to: UInt8.self), n1 = n0 + stride, n2 = n1 + stride, n3 = n2 + stride
        var s0: Int32 = 0, s1: Int32 = 0, s2: Int32 = 0, s3: Int32 = 0
        for i in 0..<16 {
            let (low, high) = (Int32(q[i]), Int32(q[i + 16]))
            s0 &+= Int32(n0[i] & 0x0F) &* low &+ Int32(n0[i] >> 4) &* high
            s1 &+= Int32(n1[i] & 0x0F) &* low &+ Int32(n1[i] >> 4) &* high
            s2 &+= Int32(n2[i] & 0x0F) &* low &+ Int32(n2[i] >> 4) &* high
            s3 &+= Int32(n3[i] & 0x0F) &* low &+ Int32(n3[i] >> 4) &* high
        }
        return (s0, s1, s2, s3)
    }

    /// dotBytes (32 signed bytes) for four weight blocks `stride` apart. Each weight is taken as the unsigned
    /// byte w + 128 (its sign bit flipped) and 128·Σq subtracted after: an unsigned × signed product is what
    /// LLVM turns into vpmaddwd; signed × signed became vpmulld, at half the rate.
    @inline(__always)
    static func dotBytes4(_ w: UnsafeRawPointer, _ stride: Int, _ q: UnsafePointer<Int8>) -> (Int32, Int32, Int32, Int32) {
        let v0 = w.assumingMemoryBound(to: UInt8.self), v1 = v0 + stride, v2 = v1 + stride, v3 = v2 + stride
        var s0: Int32 = 0, s1: Int32 = 0, s2: Int32 = 0, s3: Int32 = 0, sumQ: Int32 = 0
        for i in 0..<32 {
            let x = Int32(q[i])
            sumQ &+= x
            s0 &+= Int32(v0[i] ^ 0x80) &* x
            s1 &+= Int32(v1[i] ^ 0x80) &* x
            s2 &+= Int32(v2[i] ^ 0x80) &* x
            s3 &+= Int32(v3[i] ^ 0x80) &* x
        }
        let offset = 128 &* sumQ
        return (s0 &- offset, s1 &- offset, s2 &- offset, s3 &- offset)
    }

    static func q4_0Rows4(_ w: UnsafeRawPointer, _ stride: Int, _ q: UnsafePointer<Int8>, _ d: UnsafePointer<Float>,
                          _ s: UnsafePointer<Float>, _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        var sum = SIMD4<Float>()
        for b in 0..<(n / 32) {
            let block = w + 18 * b
            let dots = dotNibbles4(block + 2, stride, q + 32 * b)
            let scales = SIMD4(half(block, 0), half(block + stride, 0), half(block + 2 * stride, 0), half(block + 3 * stride, 0))
            let dx = SIMD4(Float(dots.0), Float(dots.1), Float(dots.2), Float(dots.3)) * d[b]
            sum += scales * (dx - 8 * s[b])
        }
        for r in 0..<4 { y[r] = sum[r] }
    }

    static func q4_1Rows4(_ w: UnsafeRawPointer, _ stride: Int, _ q: UnsafePointer<Int8>, _ d: UnsafePointer<Float>,
                          _ s: UnsafePointer<Float>, _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        var sum = SIMD4<Float>()
        for b in 0..<(n / 32) {
            let block = w + 20 * b
            let dots = dotNibbles4(block + 4, stride, q + 32 * b)
            let scales = SIMD4(half(block, 0), half(block + stride, 0), half(block + 2 * stride, 0), half(block + 3 * stride, 0))
            let mins = SIMD4(half(block, 2), half(block + stride, 2), half(block + 2 * stride, 2), half(block + 3 * stride, 2))
            sum += scales * d[b] * SIMD4(Float(dots.0), Float(dots.1), Float(dots.2), Float(dots.3)) + mins * s[b]
        }
        for r in 0..<4 { y[r] = sum[r] }
    }

    static func q8_0Rows4(_ w: UnsafeRawPointer, _ stride: Int, _ q: UnsafePointer<Int8>, _ d: UnsafePointer<Float>,
                          _: UnsafePointer<Float>, _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        var sum = SIMD4<Float>()
        for b in 0..<(n / 32) {
            let block = w + 34 * b
            let dots = dotBytes4(block + 2, stride, q + 32 * b)
            let scales = SIMD4(half(block, 0), half(block + stride, 0), half(block + 2 * stride, 0), half(block + 3 * stride, 0))
            sum += scales * d[b] * SIMD4(Float(dots.0), Float(dots.1), Float(dots.2), Float(dots.3))
        }
        for r in 0..<4 { y[r] = sum[r] }
    }

    static func q4_K(_ w: UnsafeRawPointer, _ q: UnsafePointer<Int8>, _ d: UnsafePointer<Float>,
                     _ s: UnsafePointer<Float>, _ n: Int) -> Float {
        var sum: Float = 0
        for b in 0..<(n / 256) {
            let block = w + 144 * b
            let scale = half(block, 0), minimum = half(block, 2)
            for c in 0..<4 {  // 32 bytes of qs: sub-block 2c in the low nibbles, 2c + 1 in the high ones
                let qs = (block + 16 + 32 * c).assumingMemoryBound(to: UInt8.self)
                let j = 8 * b + 2 * c  // the first of the two activation blocks
                var dot0: Int32 = 0, dot1: Int32 = 0
                for l in 0..<32 {
                    dot0 &+= Int32(qs[l] & 0x0F) &* Int32(q[32 * j + l])
                    dot1 &+= Int32(qs[l] >> 4) &* Int32(q[32 * j + 32 + l])
                }
                let (sc0, m0) = DequantizeKQuants.scaleMin(block + 4, 2 * c)
                let (sc1, m1) = DequantizeKQuants.scaleMin(block + 4, 2 * c + 1)
                sum += scale * (Float(sc0) * d[j] * Float(dot0) + Float(sc1) * d[j + 1] * Float(dot1))
                sum -= minimum * (Float(m0) * s[j] + Float(m1) * s[j + 1])
            }
        }
        return sum
    }

    static func q6_K(_ w: UnsafeRawPointer, _ q: UnsafePointer<Int8>, _ d: UnsafePointer<Float>,
                     _: UnsafePointer<Float>, _ n: Int) -> Float {
        var sum: Float = 0
        for b in 0..<(n / 256) {
            let block = w + 210 * b
            let ql = block.assumingMemoryBound(to: UInt8.self), qh = ql + 128
            let scales = (block + 192).assumingMemoryBound(to: Int8.self)
            let scale = half(block, 208)
            for h in 0..<2 {
                for r in 0..<4 {  // run r: elements 128h + 32r + l, l < 32
                    let low = ql + 64 * h + 32 * (r % 2), shift = UInt8(2 * r), nibble = UInt8(4 * (r / 2))
                    let x = q + 256 * b + 128 * h + 32 * r
                    var dotA: Int32 = 0, dotB: Int32 = 0
                    for l in 0..<16 {
                        let u = ((low[l] >> nibble) & 0x0F) | (((qh[32 * h + l] >> shift) & 3) << 4)
                        dotA &+= (Int32(u) &- 32) &* Int32(x[l])
                    }
                    for l in 16..<32 {
                        let u = ((low[l] >> nibble) & 0x0F) | (((qh[32 * h + l] >> shift) & 3) << 4)
                        dotB &+= (Int32(u) &- 32) &* Int32(x[l])
                    }
                    let j = 8 * h + 2 * r  // sub-block of the first 16
                    let dot = Int32(scales[j]) &* dotA &+ Int32(scales[j + 1]) &* dotB
                    sum += scale * d[8 * b + 4 * h + r] * Float(dot)
                }
            }
        }
        return sum
    }
}
