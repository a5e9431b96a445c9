// QuantizedActivations: an activation vector rounded to 8-bit blocks of 32, so a matrix–vector product can run on
// small integers end to end, as llama.cpp does on CPUs (its Q8_0 / Q8_1 "vec_dot_type" blocks, ggml-quants.c).
//
// Each block of 32 floats x_i becomes a scale d = max|x_i| / 127 and integers q_i = round(x_i / d) ∈ −127…127,
// so x_i ≈ d·q_i with an error of at most d/2. A weight block (d_w, m_w, w_i) then gives
//     Σ_i (d_w·w_i + m_w)·x_i  ≈  d_w·d · Σ_i w_i·q_i  +  m_w · (d·Σ_i q_i)
// — an integer dot product (widening Int8 → Int16/Int32 multiply–adds, pmaddwd/vpdpwssd on x86) and one float
// multiply per block. `sums` holds d·Σq per block, llama.cpp's Q8_1 `s`, for the m_w term.
//
// This changes the numbers (the activations carry ~7 bits instead of 24), so it is a mode: `ActivationPrecision`.

/// x (n floats, n a multiple of 32) as 8-bit blocks of 32 — one vector, or several of `columns` each (a batch).
public struct QuantizedActivations {
    public static let blockSize = 32

    /// (n) q_i = round(x_i / d_block), −127…127.
    public var values: [Int8]
    /// (n / 32) d = max|x| / 127 of each block (0 for an all-zero block).
    public var scales: [Float]
    /// (n / 32) d·Σq of each block: the block's sum as the integers represent it.
    public var sums: [Float]
    /// Elements of one vector.
    public let columns: Int

    /// Elements of all vectors.
    public var count: Int { values.count }
    /// Vectors held (count / columns).
    public var vectors: Int { columns == 0 ? 0 : count / columns }

    /// `x` as `x.count / columns` vectors (default: one). Blocks never straddle vectors (columns is a multiple of
    /// 32), so each vector is quantized exactly as it would be alone. `parallel`: a batch's blocks are split over
    /// the threads (Parallel.forEachChunk — the caller's forward pass; every block is computed alone, so the same
    /// numbers either way).
    public init(_ x: UnsafeBufferPointer<Float>, columns: Int? = nil, parallel: Bool = false) {
        precondition(x.count % Self.blockSize == 0, "QuantizedActivations: \(x.count) is not a multiple of 32")
        self.columns = columns ?? x.count
        precondition(self.columns % Self.blockSize == 0 && (self.columns == 0 || x.count % self.columns == 0),
                     "QuantizedActivations: \(x.count) values are not vectors of \(self.columns), a multiple of 32")
        let blocks = x.count / Self.blockSize
        var values = [Int8](repeating: 0, count: x.count)
        var scales = [Float](repeating: 0, count: blocks), sums = scales
        values.withUnsafeMutableBufferPointer { q in
            scales.withUnsafeMutableBufferPointer { d in
                sums.withUnsafeMutableBufferPointer { s in
                    guard blocks > 0 else { return }
                    let (xp, qp, dp, sp) = (x.baseAddress!, q.baseAddress!, d.baseAddress!, s.baseAddress!)
                    let quantize = { (range: Range<Int>) in
                        for b in range {
                            let (scale, total) = Self.quantizeBlock(xp + 32 * b, into: qp + 32 * b)
                            dp[b] = scale
                            sp[b] = scale * Float(total)
                        }
                    }
                    // ~64 blocks (2048 numbers) is where a hand-off to the spinning pool starts to pay
                    if parallel && blocks >= 64 && Parallel.threads > 1 {
                        let chunks = Parallel.threads
                        Parallel.forEachChunk(chunks) { c in quantize((c * blocks / chunks)..<((c + 1) * blocks / chunks)) }
                    } else {
                        quantize(0..<blocks)
                    }
                }
            }
        }
        (self.values, self.scales, self.sums) = (values, scales, sums)
    }

    /// One block: returns (d, Σq). Ties round to even (what vector round instructions do). Written on SIMD16
    /// halves without branches or library calls, the same arithmetic lane by lane as the scalar definition
    /// `q_i = Int8((x_i · (1/d)).rounded(.toNearestOrEven))` that `quantizeBlockReference` keeps for the tests:
    /// adding 1.5·2²³ to x_i·(1/d) (|·| ≤ 127.5) rounds it to the nearest integer, ties to even, which then sits in
    /// the float's low mantissa bits (the trick of VectorMath.exp).
    @inline(__always)
    static func quantizeBlock(_ x: UnsafePointer<Float>, into q: UnsafeMutablePointer<Int8>) -> (Float, Int32) {
        typealias V = SIMD16<Float>
        let lo = UnsafeRawPointer(x).loadUnaligned(as: V.self), hi = UnsafeRawPointer(x + 16).loadUnaligned(as: V.self)
        // |x| by clearing the sign bit (exactly Swift.abs, −0 included), then the largest lane by halving.
        let absLo = unsafeBitCast(unsafeBitCast(lo, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF, to: V.self)
        let absHi = unsafeBitCast(unsafeBitCast(hi, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF, to: V.self)
        let m16 = absLo.replacing(with: absHi, where: absHi .> absLo)
        let m8 = m16.lowHalf.replacing(with: m16.highHalf, where: m16.highHalf .> m16.lowHalf)
        let m4 = m8.lowHalf.replacing(with: m8.highHalf, where: m8.highHalf .> m8.lowHalf)
        let m2 = m4.lowHalf.replacing(with: m4.highHalf, where: m4.highHalf .> m4.lowHalf)
        let amax = m2[1] > m2[0] ? m2[1] : m2[0]
        let d = amax / 127
        let inverse: Float = d == 0 ? 0 : 1 / d
        let ilo = unsafeBitCast(lo * inverse + 12582912.0, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let ihi = unsafeBitCast(hi * inverse + 12582912.0, to: SIMD16<Int32>.self) &- 0x4B40_0000
        for i in 0..<16 { q[i] = Int8(truncatingIfNeeded: ilo[i]); q[i + 16] = Int8(truncatingIfNeeded: ihi[i]) }
        return (d, (ilo &+ ihi).wrappedSum())
    }

    /// The scalar definition of `quantizeBlock`, for the tests.
    static func quantizeBlockReference(_ x: UnsafePointer<Float>, into q: UnsafeMutablePointer<Int8>) -> (Float, Int32) {
        var amax: Float = 0
        for i in 0..<32 { amax = Swift.max(amax, Swift.abs(x[i])) }
        let d = amax / 127
        let inverse: Float = d == 0 ? 0 : 1 / d
        var sum: Int32 = 0
        for i in 0..<32 {
            let v = Int8((x[i] * inverse).rounded(.toNearestOrEven))
            q[i] = v
            sum &+= Int32(v)
        }
        return (d, sum)
    }

    /// x̂_i = d·q_i: the values the integer kernels effectively multiply with (for references and tests).
    public func dequantized() -> [Float] {
        (0..<count).map { scales[$0 / 32] * Float(values[$0]) }
    }
}
