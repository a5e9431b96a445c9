// A fully connected layer y = x·Wᵀ + b. W is stored (out, in), as in PyTorch and GGUF, and the transpose is a
// BLAS flag.

public final class Linear: Module {
    public let weight: Tensor  // (out, in)
    public let bias: Tensor?   // (out)

    /// Weights ~ U(−1/√in, 1/√in) as PyTorch's default (Kaiming-uniform with a = √5), or Normal(0, std²) if given.
    public init(inputs: Int, outputs: Int, bias: Bool = true, std: Float? = nil, rng: inout RandomGenerator) {
        if let std {
            weight = Tensor(randomNormal: [outputs, inputs], std: std, rng: &rng, requiresGrad: true)
        } else {
            let bound = 1 / Float(inputs).squareRoot()
            weight = Tensor(randomUniform: [outputs, inputs], low: -bound, high: bound, rng: &rng, requiresGrad: true)
        }
        if bias {
            let bound = std == nil ? 1 / Float(inputs).squareRoot() : 0
            self.bias = Tensor(randomUniform: [outputs], low: -bound, high: bound, rng: &rng, requiresGrad: true)
        } else {
            self.bias = nil
        }
    }

    /// x (…, in) → (…, out)
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let y = x.matmul(weight, transposeB: true)
        return bias.map { y + $0 } ?? y
    }
}
