// MatVecKernels: dot products of one packed row with a float vector, straight from the blocks.
//
// The trick common to all of them: a block's scale is constant across its elements, so
//     Σ_i (d·q_i + m)·x_i  =  d · Σ_i q_i·x_i  +  m · Σ_i x_i
// — the inner sum runs on small integers turned into floats 16 at a time (SIMD16<Float>, one AVX-512 register or
// two AVX2 ones), the scale is applied once per block, and Σx per 32 elements comes precomputed (`sums32`), shared
// by every row. Nothing is written to memory but the output floats. Rows go four at a time where the type allows
// (`…Rows4`), sharing each load of x. Layouts: see DequantizeLegacy.swift and DequantizeKQuants.swift.

enum MatVecKernels {
    /// (row bytes, x, Σx per 32 elements, cols) → Σ_i W[row, i]·x[i].
    typealias RowDot = (UnsafeRawPointer, UnsafePointer<Float>, UnsafePointer<Float>, Int) -> Float

    typealias V = SIMD16<Float>

    @inline(__always) static func load16(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD16<UInt8> {
        p.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self)
    }

    @inline(__always) static func x16(_ x: UnsafePointer<Float>, _ i: Int) -> V {
        UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
    }

    // Widening lane by lane: the stdlib's generic SIMD conversions (`SIMD16<Float>(SIMD16<Int32>(…))`) are not
    // inlined but call into libswiftCore, over twice as slow; LLVM turns these loops into vector converts
    // (vpmovzxbd, vpmovsxbd, vcvtdq2ps). Bit operations then run on 32-bit lanes: x86 has no byte shifts, and
    // `SIMD16<UInt8> &>> 4` becomes a multiply-and-pack sequence.
    @inline(__always) static func widen(_ v: SIMD16<UInt8>) -> SIMD16<Int32> {
        var r = SIMD16<Int32>()
        for i in 0..<16 { r[i] = Int32(v[i]) }
        return r
    }

    @inline(__always) static func widen(_ v: SIMD16<Int8>) -> SIMD16<Int32> {
        var r = SIMD16<Int32>()
        for i in 0..<16 { r[i] = Int32(v[i]) }
        return r
    }

    @inline(__always) static func float(_ v: SIMD16<Int32>) -> V {
        var r = V()
        for i in 0..<16 { r[i] = Float(v[i]) }
        return r
    }

    /// The 16 bytes at `offset` as 32 nibbles: low nibbles (elements 0…15) and high nibbles (elements 16…31).
    @inline(__always) static func nibbles(_ p: UnsafeRawPointer, _ offset: Int) -> (low: V, high: V) {
        let q = widen(load16(p, offset))
        return (float(q & 0x0F), float(q &>> 4))
    }

    /// 16 signed bytes at `offset` as floats.
    @inline(__always) static func signedBytes(_ p: UnsafeRawPointer, _ offset: Int) -> V {
        float(widen(p.loadUnaligned(fromByteOffset: offset, as: SIMD16<Int8>.self)))
    }

    /// The f16 scale at `offset` as Float: with `-target-cpu native` one F16C/AVX-512-FP16 instruction per block;
    /// a baseline x86-64 build makes it a library call.
    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        #if arch(x86_64) && os(macOS)
        return loadF16(p, offset)  // no Float16 on Intel Macs
        #else
        return Float(Float16(bitPattern: UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))))
        #endif
    }

    static func f32(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = V()
        var i = 0
        while i + 16 <= n {
            acc += w.loadUnaligned(fromByteOffset: 4 * i, as: V.self) * x16(x, i)
            i += 16
        }
        var sum = VectorMath.laneSum(acc)
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
        var sum = VectorMath.laneSum(acc)
        while i < n { sum += loadF16(w, 2 * i) * x[i]; i += 1 }
        return sum
    }

    // The quantized types below share one shape. A type's `…Block` function says what one block of one row adds:
    // its vector part into `acc` (16 lanes, summed once per row rather than once per block, which keeps the loop
    // free of a long serial chain) and its scalar part (the minimum/offset terms) into `offset`. Two drivers run it:
    // `oneRow`, and `fourRows`, which walks four rows side by side so each block of x is loaded once for four rows
    // and four independent accumulators keep the FMA units busy — the matrix–vector product of a decode step is
    // bound by instructions per weight, not by memory, on these small models.

    /// (block, block index b, acc, offset): add W[row, block b] · x[b·elements ..<].
    typealias BlockDot = (UnsafeRawPointer, Int, inout V, inout Float) -> Void

    /// (row r's bytes, bytes per row, x, Σx per 32, cols, y + r): rows r…r+3 into y[0…3].
    typealias FourRowDot = (UnsafeRawPointer, Int, UnsafePointer<Float>, UnsafePointer<Float>, Int,
                            UnsafeMutablePointer<Float>) -> Void

    static func q4_0Rows4(_ w: UnsafeRawPointer, _ stride: Int, _ x: UnsafePointer<Float>, _ s32: UnsafePointer<Float>,
                          _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        fourRows(w, stride, n / 32, 18, y, q4_0Block(x, s32))
    }
    static func q4_1Rows4(_ w: UnsafeRawPointer, _ stride: Int, _ x: UnsafePointer<Float>, _ s32: UnsafePointer<Float>,
                          _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        fourRows(w, stride, n / 32, 20, y, q4_1Block(x, s32))
    }
    static func q8_0Rows4(_ w: UnsafeRawPointer, _ stride: Int, _ x: UnsafePointer<Float>, _: UnsafePointer<Float>,
                          _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        fourRows(w, stride, n / 32, 34, y, q8_0Block(x))
    }
    static func q4_KRows4(_ w: UnsafeRawPointer, _ stride: Int, _ x: UnsafePointer<Float>, _ s32: UnsafePointer<Float>,
                          _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        fourRows(w, stride, n / 256, 144, y, q4_KBlock(x, s32))
    }
    static func q6_KRows4(_ w: UnsafeRawPointer, _ stride: Int, _ x: UnsafePointer<Float>, _: UnsafePointer<Float>,
                          _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        fourRows(w, stride, n / 256, 210, y, q6_KBlock(x))
    }

    @inline(__always)
    static func oneRow(_ w: UnsafeRawPointer, _ blocks: Int, _ blockBytes: Int, _ dot: BlockDot) -> Float {
        var acc = V(), offset: Float = 0
        for b in 0..<blocks { dot(w + blockBytes * b, b, &acc, &offset) }
        return VectorMath.laneSum(acc) + offset
    }

    @inline(__always)
    static func fourRows(_ w: UnsafeRawPointer, _ stride: Int, _ blocks: Int, _ blockBytes: Int,
                         _ y: UnsafeMutablePointer<Float>, _ dot: BlockDot) {
        var a0 = V(), a1 = V(), a2 = V(), a3 = V()
        var o0: Float = 0, o1: Float = 0, o2: Float = 0, o3: Float = 0
        for b in 0..<blocks {
            let p = w + blockBytes * b
            dot(p, b, &a0, &o0)
            dot(p + stride, b, &a1, &o1)
            dot(p + 2 * stride, b, &a2, &o2)
            dot(p + 3 * stride, b, &a3, &o3)
        }
        y[0] = VectorMath.laneSum(a0) + o0; y[1] = VectorMath.laneSum(a1) + o1; y[2] = VectorMath.laneSum(a2) + o2; y[3] = VectorMath.laneSum(a3) + o3
    }

    static func q4_0(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ s32: UnsafePointer<Float>, _ n: Int) -> Float {
        oneRow(w, n / 32, 18, q4_0Block(x, s32))
    }
    static func q4_1(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ s32: UnsafePointer<Float>, _ n: Int) -> Float {
        oneRow(w, n / 32, 20, q4_1Block(x, s32))
    }
    static func q8_0(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _: UnsafePointer<Float>, _ n: Int) -> Float {
        oneRow(w, n / 32, 34, q8_0Block(x))
    }
    static func q4_K(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ s32: UnsafePointer<Float>, _ n: Int) -> Float {
        oneRow(w, n / 256, 144, q4_KBlock(x, s32))
    }
    static func q6_K(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _: UnsafePointer<Float>, _ n: Int) -> Float {
        oneRow(w, n / 256, 210, q6_KBlock(x))
    }

    /// Q4_0: Σ d·(q−8)·x = d·Σ q·x − 8d·Σx.
    @inline(__always)
    static func q4_0Block(_ x: UnsafePointer<Float>, _ s32: UnsafePointer<Float>) -> BlockDot {
        { block, b, acc, offset in
            let d = half(block, 0)
            let (low, high) = nibbles(block, 2)
            acc = acc.addingProduct((low * x16(x, 32 * b)).addingProduct(high, x16(x, 32 * b + 16)), d)
            offset -= 8 * d * s32[b]
        }
    }

    /// Q4_1: Σ (d·q + m)·x = d·Σ q·x + m·Σx.
    @inline(__always)
    static func q4_1Block(_ x: UnsafePointer<Float>, _ s32: UnsafePointer<Float>) -> BlockDot {
        { block, b, acc, offset in
            let (low, high) = nibbles(block, 4)
            acc = acc.addingProduct((low * x16(x, 32 * b)).addingProduct(high, x16(x, 32 * b + 16)), half(block, 0))
            offset += half(block, 2) * s32[b]
        }
    }

    /// Q8_0: Σ d·q·x = d·Σ q·x.
    @inline(__always)
    static func q8_0Block(_ x: UnsafePointer<Float>) -> BlockDot {
        { block, b, acc, _ in
            let dot = (signedBytes(block, 2) * x16(x, 32 * b)).addingProduct(signedBytes(block, 18), x16(x, 32 * b + 16))
            acc = acc.addingProduct(dot, half(block, 0))
        }
    }

    /// Q4_K: per 32-element sub-block j, (d·scale_j)·Σ q·x − (dmin·min_j)·Σx.
    @inline(__always)
    static func q4_KBlock(_ x: UnsafePointer<Float>, _ s32: UnsafePointer<Float>) -> BlockDot {
        { block, b, acc, offset in
            let d = half(block, 0), dmin = half(block, 2)
            for c in 0..<4 {  // 32 bytes of qs hold sub-blocks 2c (low nibbles) and 2c+1 (high nibbles)
                let (low0, high0) = nibbles(block, 16 + 32 * c), (low1, high1) = nibbles(block, 32 + 32 * c)
                let e = 256 * b + 64 * c
                let (sc0, m0) = DequantizeKQuants.scaleMin(block + 4, 2 * c)
                let (sc1, m1) = DequantizeKQuants.scaleMin(block + 4, 2 * c + 1)
                acc = acc.addingProduct((low0 * x16(x, e)).addingProduct(low1, x16(x, e + 16)), d * Float(sc0))
                acc = acc.addingProduct((high0 * x16(x, e + 32)).addingProduct(high1, x16(x, e + 48)), d * Float(sc1))
                offset -= dmin * (Float(m0) * s32[e / 32] + Float(m1) * s32[e / 32 + 1])
            }
        }
    }

    /// Q6_K: per 16-element sub-block j, (d·scale_j)·Σ (q−32)·x. The 6-bit q is a nibble of ql plus 2 bits of qh.
    @inline(__always)
    static func q6_KBlock(_ x: UnsafePointer<Float>) -> BlockDot {
        { block, b, acc, _ in
            let d = half(block, 208)
            let scales = (block + 192).assumingMemoryBound(to: Int8.self)
            for h in 0..<2 {
                for part in 0..<2 {  // elements l = 16·part ..< 16·part + 16 of each 32-run
                    let ql0 = widen(load16(block, 64 * h + 16 * part))       // runs s = 0 (low nibble), 2 (high)
                    let ql1 = widen(load16(block, 64 * h + 32 + 16 * part))  // runs s = 1 (low nibble), 3 (high)
                    let qh = widen(load16(block, 128 + 32 * h + 16 * part))
                    // 6-bit values of the four 32-runs s = 0…3 (element 128h + 32s + l), minus 32.
                    let q0 = (ql0 & 0x0F) | ((qh & 0x03) &<< 4)
                    let q1 = (ql1 & 0x0F) | (((qh &>> 2) & 0x03) &<< 4)
                    let q2 = (ql0 &>> 4) | (((qh &>> 4) & 0x03) &<< 4)
                    let q3 = (ql1 &>> 4) | ((qh &>> 6) &<< 4)
                    let e = 128 * h + 16 * part, i = 256 * b + e
                    let j = e / 16  // sub-block of run 0; runs 1, 2, 3 are j + 2, j + 4, j + 6
                    acc = acc.addingProduct(float(q0 &- 32) * x16(x, i), d * Float(scales[j]))
                    acc = acc.addingProduct(float(q1 &- 32) * x16(x, i + 32), d * Float(scales[j + 2]))
                    acc = acc.addingProduct(float(q2 &- 32) * x16(x, i + 64), d * Float(scales[j + 4]))
                    acc = acc.addingProduct(float(q3 &- 32) * x16(x, i + 96), d * Float(scales[j + 6]))
                }
            }
        }
    }
}
