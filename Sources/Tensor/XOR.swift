// The smallest thing worth training: an MLP learning XOR, the function no single linear layer can represent.
// Used by `lmlab demo xor`, lecture 7 and the tests.

public enum XOR {
    public static let inputs: [Float] = [0, 0, 0, 1, 1, 0, 1, 1]  // (4, 2)
    public static let targets: [Int32] = [0, 1, 1, 0]

    public struct Run {
        /// Cross-entropy after each step.
        public var losses: [Float]
        /// Probability of class 1 for each of the four inputs after training.
        public var probabilities: [Float]
    }

    /// MLP 2 → `hidden` → 2 with tanh, trained with cross-entropy and AdamW (no weight decay).
    public static func train(seed: UInt64 = 1, steps: Int = 300, hidden: Int = 16, learningRate: Float = 0.05,
                             onStep: (Int, Float) -> Void = { _, _ in }) -> Run {
        var rng = RandomGenerator(seed: seed)
        let l1 = Linear(inputs: 2, outputs: hidden, rng: &rng), l2 = Linear(inputs: hidden, outputs: 2, rng: &rng)
        let x = Tensor(inputs, shape: [4, 2])
        let params = [("l1.weight", l1.weight), ("l1.bias", l1.bias!), ("l2.weight", l2.weight), ("l2.bias", l2.bias!)]
        let opt = AdamW(parameters: params, config: AdamWConfig(learningRate: learningRate, beta2: 0.999, weightDecay: 0))
        var losses: [Float] = []
        for step in 0..<steps {
            let loss = l2(l1(x).tanh()).crossEntropy(targets: targets)
            opt.zeroGrad()
            loss.backward()
            opt.step()
            losses.append(loss.item)
            onStep(step, loss.item)
        }
        let p = Tensor.noGrad { l2(l1(x).tanh()).softmax() }
        return Run(losses: losses, probabilities: (0..<4).map { p[$0, 1] })
    }
}
