// exp and erf on 16 floats at once. libm's expf/erff are scalar calls, and they dominated the profile of a
// training step (softmax, cross-entropy, GELU). Both are checked against libm in the tests.
//   exp(x) = 2ⁿ·eʳ with n = round(x/ln 2), r = x − n·ln 2 ∈ [−ln2/2, ln2/2]; eʳ by Cephes' degree-6 polynomial
//            (error ≈ 1 ulp); 2ⁿ is built directly in the exponent bits of a float.
//   erf(x) = 1 − t·(a₁ + t(a₂ + t(a₃ + t(a₄ + t·a₅))))·e^(−x²), t = 1/(1 + p|x|)  (Abramowitz & Stegun 7.1.26,
//            |error| ≤ 1.5·10⁻⁷), odd in x.

public enum VectorMath {
    public typealias Vector = SIMD16<Float>

    @inline(__always)
    public static func exp(_ x: Vector) -> Vector {
        // Below −87.3 the result is under the smallest normal float; above 88.7 it overflows. (A compare-and-
        // select, because the standard library's clamped/pointwiseMax compile to scalar loops with NaN checks.)
        let lo = Vector(repeating: -87.33654), hi = Vector(repeating: 88.72283)
        let x = x.replacing(with: lo, where: x .< lo).replacing(with: hi, where: x .> hi)
        // Round x/ln2 to an integer with the 1.5·2²³ trick: the integer lands in the low mantissa bits.
        let shifted = x * 1.44269504088896341 + 12582912.0
        let n = shifted - 12582912.0
        let r = x - n * 0.693359375 - n * -2.12194440e-4  // ln 2 split in two for exactness
        var p = Vector(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let er = p * r * r + r + 1
        // 2ⁿ: (n + 127) in the exponent field.
        let nInt = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let twoToN = unsafeBitCast((nInt &+ 127) &<< 23, to: Vector.self)
        return er * twoToN
    }

    @inline(__always)
    public static func erf(_ x: Vector) -> Vector { erfAndGaussian(x).erf }

    /// erf(x) and the e^(−x²) it is built from (GELU's derivative needs that exponential too).
    @inline(__always)
    public static func erfAndGaussian(_ x: Vector) -> (erf: Vector, gaussian: Vector) {
        let ax = abs(x)
        let t = 1 / (1 + 0.3275911 * ax)
        var poly = Vector(repeating: 1.061405429)
        poly = poly * t - 1.453152027
        poly = poly * t + 1.421413741
        poly = poly * t - 0.284496736
        poly = poly * t + 0.254829592
        let e = exp(-ax * ax)
        let y = 1 - poly * t * e
        return (y.replacing(with: -y, where: x .< 0), e)
    }

    @inline(__always)
    public static func sigmoid(_ x: Vector) -> Vector { 1 / (1 + exp(-x)) }

    @inline(__always)
    static func abs(_ x: Vector) -> Vector { x.replacing(with: -x, where: x .< 0) }

    /// Σ of the 16 lanes as a halving tree (8 + 4 + 2 + 1 adds, 4 deep), inlined: the one lane sum of the
    /// matrix–vector kernels. (`SIMD.sum()` adds the lanes one after the other, a chain 15 adds deep; the tensor ops'
    /// reductions keep it, as their results — and the lessons' printed losses — depend on that order.)
    @inline(__always)
    public static func laneSum(_ v: Vector) -> Float {
        let a = v.lowHalf + v.highHalf, b = a.lowHalf + a.highHalf, c = b.lowHalf + b.highHalf
        return c[0] + c[1]
    }

    /// Loads up to 16 floats (the rest zero).
    @inline(__always)
    public static func load(_ p: UnsafePointer<Float>, _ n: Int = 16) -> Vector {
        if n >= 16 { return UnsafeRawPointer(p).loadUnaligned(as: Vector.self) }
        var v = Vector()
        for i in 0..<n { v[i] = p[i] }
        return v
    }

    /// Stores the first `n` lanes.
    @inline(__always)
    public static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>, _ n: Int = 16) {
        if n >= 16 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self); return }
        for i in 0..<n { p[i] = v[i] }
    }
}
