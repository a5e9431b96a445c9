// AttentionF16: the two halves of one attention head over a float16 KV cache — scores = scale · q·kₛ, then
// out = Σₛ wₛ·vₛ — and the rounding of new keys and values into it. The math is the float32 cache's
// (TransformerRuntime.dotKeys / mixValues) on keys and values widened to Float first (exactly: every half is a
// float). What changes is the bytes: 2 per number instead of 4, and attention over a long context is mostly reading
// them.
//
// The Swift functions here are the readable reference and the portable fallback. On x86-64 with AVX2 + F16C the
// C twins in CKernels/AttentionF16AVX2.c run instead (a Swift baseline build cannot emit F16C's vcvtph2ps, so each
// widening would be a library call): the same fused multiply-adds on the same lanes in the same order and the same
// final lane sum, so the results are equal to the bit, which the tests check.
import CKernels

public enum AttentionF16 {
    public typealias V = SIMD16<Float>

    /// scores[s] = scale · q·k_s for the `count` float16 keys `stride` numbers apart, hs numbers each.
    @inline(__always)
    public static func dotKeys(_ q: UnsafePointer<Float>, _ keys: UnsafePointer<UInt16>, stride: Int, count: Int,
                               _ hs: Int, scale: Float, into scores: UnsafeMutablePointer<Float>, kernels: KernelSet) {
        if kernels.hasAVX2 && hs % 16 == 0 {
            lmlab_avx2_f16_dot_keys(q, keys, stride, count, hs, scale, scores)
        } else {
            dotKeysSwift(q, keys, stride: stride, count: count, hs, scale: scale, into: scores)
        }
    }

    /// out = Σ_s weights[s] · v_s over the `count` float16 values `stride` numbers apart: v_s at values + s·stride,
    /// or, from position `split` on (a multiple of 4), at tail + s·stride — a cache that shares a prompt's positions
    /// (KVCache.shared) reads them where they are.
    @inline(__always)
    public static func mixValues(_ weights: UnsafePointer<Float>, _ values: UnsafePointer<UInt16>, split: Int = .max,
                                 tail: UnsafePointer<UInt16>? = nil, stride: Int, count: Int, _ hs: Int,
                                 into out: UnsafeMutablePointer<Float>, kernels: KernelSet) {
        let (split, tail) = tail.map { (split, $0) } ?? (count, values)
        if kernels.hasAVX2 && hs % 16 == 0 {
            lmlab_avx2_f16_mix_values(weights, values, split, tail, stride, count, hs, out)
        } else {
            mixValuesSwift(weights, values, split: split, tail: tail, stride: stride, count: count, hs, into: out)
        }
    }

    /// Grouped-query attention: `queries` query heads (hs numbers each, one after another from q) that share these
    /// keys; query g's scores at scores + g·ld. Each query gets exactly `dotKeys`'s numbers: the AVX2 kernel only
    /// widens each key once for all of them.
    @inline(__always)
    public static func dotKeys(_ q: UnsafePointer<Float>, queries: Int, _ keys: UnsafePointer<UInt16>, stride: Int,
                               count: Int, _ hs: Int, scale: Float, into scores: UnsafeMutablePointer<Float>, ld: Int,
                               kernels: KernelSet) {
        if kernels.hasAVX2 && hs % 16 == 0 {
            lmlab_avx2_f16_dot_keys_group(q, queries, keys, stride, count, hs, scale, scores, ld)
        } else {
            for g in 0..<queries {
                dotKeysSwift(q + g * hs, keys, stride: stride, count: count, hs, scale: scale, into: scores + g * ld)
            }
        }
    }

    /// Grouped-query attention: `queries` rows of weights (query g's at weights + g·ld) mixing the same values into
    /// out + g·hs, each exactly `mixValues`'s.
    @inline(__always)
    public static func mixValues(_ weights: UnsafePointer<Float>, queries: Int, ld: Int, _ values: UnsafePointer<UInt16>,
                                 split: Int = .max, tail: UnsafePointer<UInt16>? = nil, stride: Int, count: Int,
                                 _ hs: Int, into out: UnsafeMutablePointer<Float>, kernels: KernelSet) {
        let (split, tail) = tail.map { (split, $0) } ?? (count, values)
        if kernels.hasAVX2 && hs % 16 == 0 {
            lmlab_avx2_f16_mix_values_group(weights, queries, ld, values, split, tail, stride, count, hs, out)
        } else {
            for g in 0..<queries {
                mixValuesSwift(weights + g * ld, values, split: split, tail: tail, stride: stride, count: count, hs,
                               into: out + g * hs)
            }
        }
    }

    /// h[i] = x[i] rounded to float16, to nearest even (IEEE 754's default; overflow gives ±inf).
    @inline(__always)
    public static func toHalf(_ x: UnsafePointer<Float>, _ h: UnsafeMutablePointer<UInt16>, _ n: Int, kernels: KernelSet) {
        if kernels.hasAVX2 {
            lmlab_avx2_f32_to_f16(x, h, n)
        } else {
            for i in 0..<n { h[i] = floatToHalf(x[i]) }
        }
    }

    // MARK: the Swift reference

    /// 16 halves widened to floats, exactly.
    @inline(__always)
    static func widen(_ p: UnsafePointer<UInt16>) -> V {
        #if arch(x86_64) && os(macOS)
        var v = V()  // no Float16 on Intel Macs
        for i in 0..<16 { v[i] = halfToFloat(p[i]) }
        return v
        #else
        return V(UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float16>.self))
        #endif
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }

    /// dotKeys in Swift. For head sizes that are a multiple of 16 (64 in Llamas, 32 in our tiny GPT): SIMD16
    /// vectors, four keys at a time so four independent FMA chains are in flight, each key's sum the halving tree
    /// of VectorMath.laneSum; otherwise a plain loop.
    public static func dotKeysSwift(_ q: UnsafePointer<Float>, _ keys: UnsafePointer<UInt16>, stride: Int, count: Int,
                                    _ hs: Int, scale: Float, into scores: UnsafeMutablePointer<Float>) {
        guard hs % 16 == 0 else {
            for s in 0..<count {
                let k = keys + s * stride
                var dot: Float = 0
                for j in 0..<hs { dot += q[j] * halfToFloat(k[j]) }
                scores[s] = dot * scale
            }
            return
        }
        var s = 0
        while s + 4 <= count {
            let k = keys + s * stride
            var a0 = V(), a1 = V(), a2 = V(), a3 = V()
            for c in Swift.stride(from: 0, to: hs, by: 16) {
                let qc = load(q + c)
                a0 = a0.addingProduct(qc, widen(k + c))
                a1 = a1.addingProduct(qc, widen(k + stride + c))
                a2 = a2.addingProduct(qc, widen(k + 2 * stride + c))
                a3 = a3.addingProduct(qc, widen(k + 3 * stride + c))
            }
            scores[s] = VectorMath.laneSum(a0) * scale; scores[s + 1] = VectorMath.laneSum(a1) * scale
            scores[s + 2] = VectorMath.laneSum(a2) * scale; scores[s + 3] = VectorMath.laneSum(a3) * scale
            s += 4
        }
        for t in s..<count {
            var a = V()
            for c in Swift.stride(from: 0, to: hs, by: 16) { a = a.addingProduct(load(q + c), widen(keys + t * stride + c)) }
            scores[t] = VectorMath.laneSum(a) * scale
        }
    }

    /// mixValues in Swift: for each 16 features, four accumulators over positions s ≡ 0, 1, 2, 3 (mod 4) (the
    /// leftover positions go to the first), summed as (a0 + a1) + (a2 + a3); a plain loop for other head sizes.
    /// v_s is at values + s·stride below `split` (a multiple of 4, so a group of four is on one side) and at
    /// tail + s·stride from there on.
    public static func mixValuesSwift(_ weights: UnsafePointer<Float>, _ values: UnsafePointer<UInt16>, split: Int = .max,
                                      tail: UnsafePointer<UInt16>? = nil, stride: Int, count: Int, _ hs: Int,
                                      into out: UnsafeMutablePointer<Float>) {
        let tail = tail ?? values
        func row(_ s: Int) -> UnsafePointer<UInt16> { (s < split ? values : tail) + s * stride }
        guard hs % 16 == 0 else {
            for j in 0..<hs { out[j] = 0 }
            for s in 0..<count {
                let v = row(s), w = weights[s]
                for j in 0..<hs { out[j] += w * halfToFloat(v[j]) }
            }
            return
        }
        for c in Swift.stride(from: 0, to: hs, by: 16) {
            var a0 = V(), a1 = V(), a2 = V(), a3 = V()
            var s = 0
            while s + 4 <= count {
                let v = row(s) + c
                a0 = a0.addingProduct(widen(v), weights[s])
                a1 = a1.addingProduct(widen(v + stride), weights[s + 1])
                a2 = a2.addingProduct(widen(v + 2 * stride), weights[s + 2])
                a3 = a3.addingProduct(widen(v + 3 * stride), weights[s + 3])
                s += 4
            }
            for t in s..<count { a0 = a0.addingProduct(widen(row(t) + c), weights[t]) }
            UnsafeMutableRawPointer(out + c).storeBytes(of: (a0 + a1) + (a2 + a3), as: V.self)
        }
    }
}
