// MatVecKernels: dot products of one packed row with a float vector, straight from the blocks.
//
// The trick common to all of them: a block's scale is constant across its elements, so
//     Σ_i (d·q_i + m)·x_i  =  d · Σ_i q_i·x_i  +  m · Σ_i x_i
// — the inner sum runs on small integers turned into floats 16 at a time (SIMD16<Float>, one AVX-512 register or
// two AVX2 ones), the scale is applied once per block, and Σx per 32 elements comes precomputed (`sums32`), shared
// by every row. Nothing is written to memory but the one output float. Layouts: see DequantizeLegacy.swift and
// DequantizeKQuants.swift.

enum MatVecKernels {
    /// (row bytes, x, Σx per 32 elements, cols) → Σ_i W[row, i]·x[i].
    typealias RowDot = (UnsafeRawPointer, UnsafePointer<Float>, UnsafePointer<Float>, Int) -> Float

    static func kernel(for type: GGMLType) -> RowDot? {
        switch type.id {
        case GGMLType.f32.id: return f32
        case GGMLType.f16.id: return f16
        case GGMLType.q4_0.id: return q4_0
        case GGMLType.q4_1.id: return q4_1
        case GGMLType.q8_0.id: return q8_0
        case GGMLType.q4_K.id: return q4_K
        case GGMLType.q6_K.id: return q6_K
        default: return nil
        }
    }

    typealias V = SIMD16<Float>

    @inline(__always) static func load16(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD16<UInt8> {
        p.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self)
    }

    @inline(__always) static func x16(_ x: UnsafePointer<Float>, _ i: Int) -> V {
        UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
    }

    // Widening lane by lane: the stdlib's generic SIMD conversions (`SIMD16<Float>(SIMD16<Int32>(…))`) are not
    // inlined but call into libswiftCore, over twice as slow; LLVM turns these loops into vector converts.
    @inline(__always) static func float(_ v: SIMD16<UInt8>) -> V {
        var r = V()
        for i in 0..<16 { r[i] = Float(v[i]) }
        return r
    }

    /// Signed bytes: flip the sign bit (q + 128, now 0…255), widen as unsigned, subtract 128 — exact, and it
    /// avoids the sign-extending widen, which baseline x86-64 (SSE2) lacks.
    @inline(__always) static func float(signed v: SIMD16<UInt8>) -> V {
        float(v ^ 0x80) - V(repeating: 128)
    }

    static func f32(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = V()
        var i = 0
        while i + 16 <= n {
            acc += w.loadUnaligned(fromByteOffset: 4 * i, as: V.self) * x16(x, i)
            i += 16
        }
        var sum = acc.sum()
        while i < n { sum += loadF32(w, 4 * i) * x[i]; i += 1 }
        return sum
    }

    /// 16 IEEE halves widened to float with integer ops (see `halfToFloat`): x86-64's baseline has no half
    /// conversion instruction, and `Float(Float16)` becomes a library call per element.
    @inline(__always) static func halves(_ p: UnsafeRawPointer, _ offset: Int) -> V {
        let raw = p.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt16>.self)
        var h = SIMD16<UInt32>()
        for i in 0..<16 { h[i] = UInt32(raw[i]) }
        let magnitude = (h & 0x7FFF) &<< 13
        let scaled = unsafeBitCast(unsafeBitCast(magnitude, to: V.self) * V(repeating: 0x1p112), to: SIMD16<UInt32>.self)
        let special = SIMD16<UInt32>(repeating: 0) &- ((((h & 0x7C00) &+ 0x0400) &>> 15) & 1)  // all ones for inf/NaN
        let bits = (scaled & ~special) | ((magnitude | 0x7F80_0000) & special) | ((h & 0x8000) &<< 16)
        return unsafeBitCast(bits, to: V.self)
    }

    static func f16(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = V()
        var i = 0
        while i + 16 <= n {
            acc += halves(w, 2 * i) * x16(x, i)
            i += 16
        }
        var sum = acc.sum()
        while i < n { sum += loadF16(w, 2 * i) * x[i]; i += 1 }
        return sum
    }

    /// Q4_0: Σ d·(q−8)·x = d·Σ q·x − 8d·Σx. The products stay in a vector accumulator; summing the 16 lanes
    /// once per row rather than once per block keeps the loop free of a long serial chain.
    static func q4_0(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ s32: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = V()
        var offsets: Float = 0
        for b in 0..<(n / 32) {
            let block = w + 18 * b
            let d = loadF16(block, 0)
            let q = load16(block, 2)
            let dot = float(q & 0x0F) * x16(x, 32 * b) + float(q &>> 4) * x16(x, 32 * b + 16)
            acc += V(repeating: d) * dot
            offsets += 8 * d * s32[b]
        }
        return acc.sum() - offsets
    }

    /// Q4_1: Σ (d·q + m)·x = d·Σ q·x + m·Σx.
    static func q4_1(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ s32: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = V()
        var offsets: Float = 0
        for b in 0..<(n / 32) {
            let block = w + 20 * b
            let q = load16(block, 4)
            let dot = float(q & 0x0F) * x16(x, 32 * b) + float(q &>> 4) * x16(x, 32 * b + 16)
            acc += V(repeating: loadF16(block, 0)) * dot
            offsets += loadF16(block, 2) * s32[b]
        }
        return acc.sum() + offsets
    }

    /// Q8_0: Σ d·q·x = d·Σ q·x.
    static func q8_0(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = V()
        for b in 0..<(n / 32) {
            let block = w + 34 * b
            let q0 = load16(block, 2), q1 = load16(block, 18)
            acc += V(repeating: loadF16(block, 0)) * (float(signed: q0) * x16(x, 32 * b) + float(signed: q1) * x16(x, 32 * b + 16))
        }
        return acc.sum()
    }

    /// Q4_K: per 32-element sub-block j, (d·scale_j)·Σ q·x − (dmin·min_j)·Σx.
    static func q4_K(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ s32: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = V()
        var mins: Float = 0
        for b in 0..<(n / 256) {
            let block = w + 144 * b
            let d = loadF16(block, 0), dmin = loadF16(block, 2)
            for c in 0..<4 {  // 32 bytes of qs hold sub-blocks 2c (low nibbles) and 2c+1 (high nibbles)
                let lo = load16(block, 16 + 32 * c), hi = load16(block, 32 + 32 * c)
                let e = 256 * b + 64 * c
                let (sc0, m0) = DequantizeKQuants.scaleMin(block + 4, 2 * c)
                let (sc1, m1) = DequantizeKQuants.scaleMin(block + 4, 2 * c + 1)
                let dot0 = float(lo & 0x0F) * x16(x, e) + float(hi & 0x0F) * x16(x, e + 16)
                let dot1 = float(lo &>> 4) * x16(x, e + 32) + float(hi &>> 4) * x16(x, e + 48)
                acc += V(repeating: d * Float(sc0)) * dot0 + V(repeating: d * Float(sc1)) * dot1
                mins += dmin * (Float(m0) * s32[e / 32] + Float(m1) * s32[e / 32 + 1])
            }
        }
        return acc.sum() - mins
    }

    /// Q6_K: per 16-element sub-block j, (d·scale_j)·Σ (q−32)·x. The 6-bit q is a nibble of ql plus 2 bits of qh.
    static func q6_K(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = V()
        for b in 0..<(n / 256) {
            let block = w + 210 * b
            // All 16 sub-block scales of the block at once: d · scale_j, lane j.
            let scales = V(repeating: loadF16(block, 208)) * float(signed: load16(block, 192))
            for h in 0..<2 {
                for half in 0..<2 {  // elements l = 16·half ..< 16·half + 16 of each 32-run
                    let ql0 = load16(block, 64 * h + 16 * half)       // runs s = 0 (low nibble), 2 (high)
                    let ql1 = load16(block, 64 * h + 32 + 16 * half)  // runs s = 1 (low nibble), 3 (high)
                    let qh = load16(block, 128 + 32 * h + 16 * half)
                    // 6-bit values of the four 32-runs s = 0…3 (element 128h + 32s + l).
                    let q0 = (ql0 & 0x0F) | ((qh & 0x03) &<< 4)
                    let q1 = (ql1 & 0x0F) | (((qh &>> 2) & 0x03) &<< 4)
                    let q2 = (ql0 &>> 4) | (((qh &>> 4) & 0x03) &<< 4)
                    let q3 = (ql1 &>> 4) | ((qh &>> 6) &<< 4)
                    let e = 128 * h + 16 * half
                    acc += q6Run(q0, scales[e / 16], x, 256 * b + e)
                    acc += q6Run(q1, scales[e / 16 + 2], x, 256 * b + e + 32)
                    acc += q6Run(q2, scales[e / 16 + 4], x, 256 * b + e + 64)
                    acc += q6Run(q3, scales[e / 16 + 6], x, 256 * b + e + 96)
                }
            }
        }
        return acc.sum()
    }

    /// scale · (q − 32) · x for the 16 elements of x starting at `i`.
    @inline(__always)
    static func q6Run(_ q: SIMD16<UInt8>, _ scale: Float, _ x: UnsafePointer<Float>, _ i: Int) -> V {
        V(repeating: scale) * ((float(q) - V(repeating: 32)) * x16(x, i))
    }
}
