// Stochastic gradient descent with momentum, as PyTorch defines it (no dampening):
//   b ← μ·b + g (+ λ·p for L2 weight decay),   p ← p − lr·b

public struct SGDConfig: Sendable, Codable, Equatable {
    /// Step size.
    public var learningRate: Float = 0.1
    /// Momentum μ; 0 is plain SGD.
    public var momentum: Float = 0.9
    /// L2 penalty λ added to the gradient (not decoupled; see AdamW for that).
    public var weightDecay: Float = 0
    public init(learningRate: Float = 0.1, momentum: Float = 0.9, weightDecay: Float = 0) {
        self.learningRate = learningRate; self.momentum = momentum; self.weightDecay = weightDecay
    }
}

public final class SGD {
    public var config: SGDConfig
    public let parameters: [Tensor]
    var velocity: [Tensor]

    public init(parameters: [Tensor], config: SGDConfig = SGDConfig()) {
        self.parameters = parameters
        self.config = config
        velocity = parameters.map { Tensor(zeros: $0.shape) }
    }

    /// Applies one update from the parameters' current gradients (parameters without a gradient are skipped).
    public func step() {
        let lr = config.learningRate, mu = config.momentum, wd = config.weightDecay
        for (p, b) in zip(parameters, velocity) {
            guard let g = p.grad else { continue }
            let pp = p.pointer, gp = g.pointer, bp = b.pointer
            Parallel.chunks(p.count) { r in
                for i in r {
                    bp[i] = mu * bp[i] + gp[i] + wd * pp[i]
                    pp[i] -= lr * bp[i]
                }
            }
        }
    }

    public func zeroGrad() { parameters.zeroGrad() }
}
