// AdamW (Loshchilov & Hutter, 2019): Adam with weight decay decoupled from the gradient, as PyTorch implements it:
//   p ← p − lr·λ·p
//   m ← β₁m + (1−β₁)g,   v ← β₂v + (1−β₂)g²
//   p ← p − lr · (m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε)
// Parameters are split into a decay group and a no-decay group (norms, biases, and embeddings where configured).

public struct AdamWConfig: Sendable, Codable, Equatable {
    /// Peak step size (a schedule may scale it each step through `step(learningRate:)`).
    public var learningRate: Float = 1e-3
    /// β₁: decay of the first-moment (mean) estimate.
    public var beta1: Float = 0.9
    /// β₂: decay of the second-moment estimate; 0.95 as in GPT-style training (PyTorch's default is 0.999).
    public var beta2: Float = 0.95
    /// ε added to √v̂ for numerical safety.
    public var eps: Float = 1e-8
    /// λ: decoupled weight decay applied to the decay group only.
    public var weightDecay: Float = 0.1
    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.95, eps: Float = 1e-8,
                weightDecay: Float = 0.1) {
        self.learningRate = learningRate; self.beta1 = beta1; self.beta2 = beta2; self.eps = eps
        self.weightDecay = weightDecay
    }
}

public final class AdamW {
    public var config: AdamWConfig
    public let parameters: [Tensor]
    /// Whether each parameter is in the weight-decay group.
    public let decays: [Bool]
    /// First and second moments, one per parameter (saved by checkpoints for an exact resume).
    public internal(set) var m: [Tensor], v: [Tensor]
    /// Number of steps taken (t in the bias corrections).
    public var stepCount: Int = 0

    /// `decay` decides each parameter's group; the default decays matrices only (rank ≥ 2), like nanoGPT.
    public init(parameters: [(name: String, tensor: Tensor)], config: AdamWConfig = AdamWConfig(),
                decay: (String, Tensor) -> Bool = { _, t in t.rank >= 2 }) {
        self.parameters = parameters.map(\.tensor)
        self.decays = parameters.map { decay($0.name, $0.tensor) }
        self.config = config
        m = self.parameters.map { Tensor(zeros: $0.shape) }
        v = self.parameters.map { Tensor(zeros: $0.shape) }
    }

    /// One update from the current gradients, with `learningRate` overriding the config's (for schedules).
    public func step(learningRate: Float? = nil) {
        stepCount += 1
        let lr = learningRate ?? config.learningRate
        let b1 = config.beta1, b2 = config.beta2, eps = config.eps
        let c1 = 1 - Float(Double(b1).power(stepCount)), c2 = 1 - Float(Double(b2).power(stepCount))
        for (index, p) in parameters.enumerated() {
            guard let g = p.grad else { continue }
            let decay = decays[index] ? 1 - lr * config.weightDecay : 1
            let pp = p.pointer, gp = g.pointer, mp = m[index].pointer, vp = v[index].pointer
            Parallel.chunks(p.count) { r in
                for i in r {
                    let gi = gp[i]
                    mp[i] = b1 * mp[i] + (1 - b1) * gi
                    vp[i] = b2 * vp[i] + (1 - b2) * gi * gi
                    let mhat = mp[i] / c1, vhat = vp[i] / c2
                    pp[i] = pp[i] * decay - lr * mhat / (vhat.squareRoot() + eps)
                }
            }
        }
    }

    public func zeroGrad() { parameters.zeroGrad() }
}

extension Double {
    /// self^n for a step count n, by repeated squaring (exact enough and independent of libm's pow).
    func power(_ n: Int) -> Double {
        var result = 1.0, base = self, e = n
        while e > 0 {
            if e & 1 == 1 { result *= base }
            base *= base
            e >>= 1
        }
        return result
    }
}
