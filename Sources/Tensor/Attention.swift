// Causal self-attention (Vaswani et al., 2017): softmax(Q·Kᵀ/√d, masked so a position sees only itself and the
// past)·V, built from two matrix products and the fused causal softmax.

extension Tensor {
    /// q (…, T, d), k and v (…, S, d) with S ≥ T (the first S − T keys precede the queries) → (…, T, d).
    public static func causalAttention(query q: Tensor, key k: Tensor, value v: Tensor) -> Tensor {
        let d = q.shape[q.rank - 1]
        let scores = q.matmul(k, transposeB: true)                               // (…, T, S)
        let weights = scores.causalSoftmax(scale: 1 / Float(d).squareRoot())    // (…, T, S)
        return weights.matmul(v)                                                 // (…, T, d)
    }

    /// Repeats each of the H heads on `axis` `times` times, adjacent (GQA: KV heads shared by groups of queries).
    public func repeatHeads(axis: Int, times: Int) -> Tensor {
        if times == 1 { return self }
        let a = self.axis(axis)
        let parts = (0..<shape[a]).flatMap { h in Array(repeating: slice(axis: a, h..<(h + 1)), count: times) }
        return Tensor.concat(parts, axis: a)
    }
}
