// Dropout (Srivastava et al., 2014): zero each value with probability p and scale the survivors by 1/(1 − p),
// so the expected value is unchanged. The mask comes from the caller's seeded RNG, so runs are reproducible.

extension Tensor {
    public func dropout(probability p: Float, rng: inout RandomGenerator) -> Tensor {
        precondition(p >= 0 && p < 1, "dropout: probability \(p) must be in [0, 1)")
        if p == 0 { return self }
        let mask = Tensor(zeros: shape)
        let keep = 1 / (1 - p)
        for i in 0..<count { mask.pointer[i] = rng.nextFloat() < p ? 0 : keep }
        let out = Tensor.broadcastKernel(self, mask, Multiply.self)
        return Tensor.record(out, inputs: [self]) { [self] g in accumulateGrad(Tensor.broadcastKernel(g, mask, Multiply.self), owned: true) }
    }
}
