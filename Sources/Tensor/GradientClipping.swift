// Gradient-norm clipping (Pascanu et al., 2013): if the global L2 norm of all gradients exceeds `maxNorm`, scale
// them all by maxNorm / norm, keeping their direction. Same rule as torch.nn.utils.clip_grad_norm_.

extension Sequence where Element == Tensor {
    /// Clips in place and returns the norm before clipping (accumulated in Double).
    @discardableResult
    public func clipGradNorm(maxNorm: Float) -> Float {
        let grads = compactMap(\.grad)
        var total = 0.0
        for g in grads {
            let p = g.pointer
            var s = 0.0
            for i in 0..<g.count { s += Double(p[i]) * Double(p[i]) }
            total += s
        }
        let norm = Float(total.squareRoot())
        let scale = maxNorm / (norm + 1e-6)
        if scale < 1 {
            for g in grads {
                let p = g.pointer
                Parallel.chunks(g.count) { r in for i in r { p[i] *= scale } }
            }
        }
        return norm
    }
}
