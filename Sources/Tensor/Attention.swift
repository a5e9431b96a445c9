// Causal self-attention (Vaswani et al., 2017): softmax(Q·Kᵀ/√d, masked so a position sees only itself and the
// past)·V. `causalAttention(query:key:value:)` is the readable version, built from two matrix products and the
// fused causal softmax on heads split out (…, T, d); the model trains with the fused op below it, which reads the
// heads where the projections leave them, side by side in (B, T, H·d), and skips the masked blocks.

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

/// Query rows per block of the attention products (see `causalAttention(query:key:value:heads:kvHeads:)`).
let attentionBlock = 64

extension Tensor {
    /// Causal self-attention with the heads side by side, as the projections make them: q (B, T, H·d), k and v
    /// (B, T, Hkv·d) → (B, T, H·d). The same as splitting the heads out (reshape to (B, T, H, d), permute to
    /// (B, H, T, d), `repeatHeads` for grouped KV heads), `causalAttention`, and joining them back, without
    /// those copies: each head's (T, d) matrix is used in place, its rows H·d apart, through BLAS's leading
    /// dimension. Query head h reads KV head h / (H / Hkv). One task computes a head's scores, softmax and output
    /// while they are in cache. Backward per head, with W the softmax weights and G the output's gradient:
    ///   dW = G·Vᵀ,  dV += Wᵀ·G,  dS = scale·W ⊙ (dW − Σⱼ dW⊙W),  dQ = dS·K,  dK += dSᵀ·Q.
    public static func causalAttention(query q: Tensor, key k: Tensor, value v: Tensor, heads: Int, kvHeads: Int) -> Tensor {
        precondition(q.rank == 3 && k.rank == 3 && k.shape == v.shape && k.shape[0] == q.shape[0] && k.shape[1] == q.shape[1],
                     "causalAttention: q \(q.shape), k \(k.shape), v \(v.shape) must be (B, T, heads·d) and (B, T, kvHeads·d)")
        let (b, t, c, ckv) = (q.shape[0], q.shape[1], q.shape[2], k.shape[2])
        precondition(heads > 0 && kvHeads > 0 && heads % kvHeads == 0 && c % heads == 0 && ckv == c / heads * kvHeads,
                     "causalAttention: \(heads) heads of q \(q.shape) and \(kvHeads) KV heads of k \(k.shape) do not fit")
        let d = c / heads, group = heads / kvHeads
        let scale = 1 / Float(d).squareRoot()
        let weights = Tensor(uninitialized: [b, heads, t, t])  // softmax(scale·q·kᵀ) per head, kept for the backward
        let out = Tensor(uninitialized: [b, t, c])
        let qp = q.pointer, kp = k.pointer, vp = v.pointer, wp = weights.pointer, op = out.pointer
        // Where head h (or KV head h) of batch item i starts: rows of q and out are c apart, of k and v ckv apart.
        func at(_ p: UnsafeMutablePointer<Float>, _ i: Int, _ h: Int, _ width: Int) -> UnsafeMutablePointer<Float> {
            p + i * t * width + h * d
        }
        let grain = Swift.max(1, (1 << 16) / Swift.max(1, t * t * d / 16))
        // Rows are taken in blocks: the queries of rows i0..<i1 see only keys 0..<i1, so the products skip the
        // masked blocks above the diagonal (with 4 blocks, 10 of 16 are computed).
        let blocks = stride(from: 0, to: t, by: attentionBlock).map { $0..<Swift.min(t, $0 + attentionBlock) }
        Parallel.chunks(b * heads, grain: grain) { r in
            for pair in r {
                let (i, h) = (pair / heads, pair % heads)
                let w = wp + pair * t * t, qh = at(qp, i, h, c), kh = at(kp, i, h / group, ckv)
                let vh = at(vp, i, h / group, ckv), oh = at(op, i, h, c)
                for rows in blocks {
                    let (i0, i1) = (rows.lowerBound, rows.upperBound)
                    sgemm(qh + i0 * c, kh, w + i0 * t, m: rows.count, n: i1, k: d, tA: false, tB: true,
                          lda: c, ldb: ckv, ldc: t)                                                    // q·kᵀ
                    for row in rows { Kernels.causalSoftmaxRow(w + row * t, w + row * t, visible: row + 1, width: t, scale: scale) }
                    sgemm(w + i0 * t, vh, oh + i0 * c, m: rows.count, n: d, k: i1, tA: false, tB: false,
                          lda: t, ldb: ckv, ldc: c)                                                    // W·v
                }
            }
        }
        return record(out, inputs: [q, k, v]) { g in
            let gq = Tensor(uninitialized: q.shape), gk = Tensor(uninitialized: k.shape), gv = Tensor(uninitialized: v.shape)
            let gp = g.pointer, dq = gq.pointer, dk = gk.pointer, dv = gv.pointer
            let wp = weights.pointer  // (and the closure keeps `weights` alive until the backward)
            // One task per KV head: the query heads of its group add into its dK and dV in turn.
            Parallel.chunks(b * kvHeads, grain: Swift.max(1, grain / group)) { r in
                let ds = UnsafeMutablePointer<Float>.allocate(capacity: t * t)  // dW, then dS, of one head
                defer { ds.deallocate() }
                for pair in r {
                    let (i, kvh) = (pair / kvHeads, pair % kvHeads)
                    let kh = at(kp, i, kvh, ckv), vh = at(vp, i, kvh, ckv), dkh = at(dk, i, kvh, ckv), dvh = at(dv, i, kvh, ckv)
                    for h in (kvh * group)..<((kvh + 1) * group) {
                        let beta: Float = h == kvh * group ? 0 : 1  // the group's first head sets dK, dV; the rest add
                        let w = wp + (i * heads + h) * t * t, gh = at(gp, i, h, c), qh = at(qp, i, h, c)
                        let dqh = at(dq, i, h, c)
                        // Rows i0..<i1 of dW, dS and dQ involve keys 0..<i1 only; keys j0..<j1 of dV and dK
                        // get contributions from rows j0..<t only.
                        for rows in blocks {
                            sgemm(gh + rows.lowerBound * c, vh, ds + rows.lowerBound * t, m: rows.count, n: rows.upperBound,
                                  k: d, tA: false, tB: true, lda: c, ldb: ckv, ldc: t)                                // dW
                        }
                        for row in 0..<t {
                            let wr = w + row * t, dr = ds + row * t
                            let s = Kernels.dot(dr, wr, row + 1)  // masked weights are 0
                            for j in 0...row { dr[j] = scale * wr[j] * (dr[j] - s) }
                            (dr + row + 1).update(repeating: 0, count: t - row - 1)
                        }
                        for keys in blocks {
                            let j0 = keys.lowerBound
                            sgemm(w + j0 * t + j0, gh + j0 * c, dvh + j0 * ckv, m: keys.count, n: d, k: t - j0,
                                  tA: true, tB: false, lda: t, ldb: c, ldc: ckv, beta: beta)                          // dV
                            sgemm(ds + j0 * t + j0, qh + j0 * c, dkh + j0 * ckv, m: keys.count, n: d, k: t - j0,
                                  tA: true, tB: false, lda: t, ldb: c, ldc: ckv, beta: beta)                          // dK
                            sgemm(ds + j0 * t, kh, dqh + j0 * c, m: keys.count, n: d, k: keys.upperBound,
                                  tA: false, tB: false, lda: t, ldb: ckv, ldc: c)                                     // dQ
                        }
                    }
                }
            }
            if q.requiresGrad { q.accumulateGrad(gq, owned: true) }
            if k.requiresGrad { k.accumulateGrad(gk, owned: true) }
            if v.requiresGrad { v.accumulateGrad(gv, owned: true) }
        }
    }
}
