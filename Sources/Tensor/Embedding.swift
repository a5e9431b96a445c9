// Embedding lookup: row `id` of a (vocab, width) table for every token id. The backward scatters each token's
// gradient back into the row it came from (adding, since a token can appear many times).

extension Tensor {
    /// Rows of this (vocab, width) table for `ids` (any shape `idsShape`), giving `idsShape + [width]`.
    public func embedding(_ ids: [Int32], shape idsShape: [Int]) -> Tensor {
        precondition(rank == 2, "embedding: table must be (vocab, width), got \(shape)")
        precondition(ids.count == Tensor.elementCount(idsShape), "embedding: \(ids.count) ids for shape \(idsShape)")
        let vocab = shape[0], w = shape[1]
        for id in ids { precondition(id >= 0 && Int(id) < vocab, "embedding: token id \(id) outside 0..<\(vocab)") }
        let out = Tensor(uninitialized: idsShape + [w])
        for (i, id) in ids.enumerated() { (out.pointer + i * w).update(from: pointer + Int(id) * w, count: w) }
        return Tensor.record(out, inputs: [self]) { [self] g in
            let gw = Tensor(zeros: shape)
            for (i, id) in ids.enumerated() {
                let dst = gw.pointer + Int(id) * w, src = g.pointer + i * w
                for j in 0..<w { dst[j] += src[j] }
            }
            accumulateGrad(gw, owned: true)
        }
    }
}
