// A fully connected layer y = x·Wᵀ + b. W is stored (out, in), as in PyTorch and GGUF, and the transpose is a
// BLAS flag. `linear(weight:bias:)` is the op, fused: it is `x.matmul(weight, transposeB: true) + bias` (the
// readable composition, which the tests compare it with) without the pass that adds the bias: the product is
// accumulated onto rows that start as the bias. Backward: dx = g·W, dW = gᵀ·x, db = Σ_rows g.

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
        x.linear(weight: weight, bias: bias)
    }
}

extension Tensor {
    /// x (…, in) · Wᵀ + b with W (out, in) and b (out) → (…, out).
    public func linear(weight: Tensor, bias: Tensor?) -> Tensor {
        guard let bias else { return matmul(weight, transposeB: true) }
        let x = self
        precondition(x.rank >= 2 && weight.rank == 2 && x.shape[x.rank - 1] == weight.shape[1] && bias.count == weight.shape[0],
                     "linear: x \(x.shape), weight \(weight.shape) and bias \(bias.shape) do not fit (…, in)·(out, in)ᵀ + (out)")
        let (k, n) = (weight.shape[1], weight.shape[0])
        let rows = Tensor.elementCount(Array(x.shape.dropLast()))
        let out = Tensor(uninitialized: Array(x.shape.dropLast()) + [n])
        Tensor.product(x.pointer, weight.pointer, out.pointer, m: rows, n: n, k: k, tA: false, tB: true, lda: k, ldb: k,
                       bias: bias.pointer)
        return Tensor.record(out, inputs: [x, weight, bias]) { g in
            let g2 = g.flattenedToMatrix()
            if x.requiresGrad { x.accumulateGrad(Tensor.matmulKernel(g2, weight, false, false), owned: true) }
            if weight.requiresGrad {
                weight.accumulateGrad(Tensor.matmulKernel(g2, x.flattenedToMatrix(), true, false), owned: true)
            }
            if bias.requiresGrad {
                let gb = Tensor(zeros: bias.shape)
                Kernels.columnSums(g.pointer, rows: rows, columns: n, into: gb.pointer)
                bias.accumulateGrad(gb, owned: true)
            }
        }
    }
}

extension Kernels {
    /// out[j] += Σᵢ x[i, j] over the rows of a (rows, columns) matrix: the gradient of a bias. Split over the
    /// columns, so each column is still summed in row order (the same sum at any thread count).
    public static func columnSums(_ x: UnsafePointer<Float>, rows: Int, columns n: Int, into out: UnsafeMutablePointer<Float>) {
        Parallel.chunks(n, grain: Swift.max(16, (1 << 15) / Swift.max(rows, 1))) { c in
            let d = out + c.lowerBound
            for i in 0..<rows {
                let s = x + i * n + c.lowerBound
                for j in 0..<c.count { d[j] += s[j] }
            }
        }
    }
}
