// Finite-difference gradient check.
//
// Method: for an op f and fixed random weights R (same shape as f's output), the scalar L = Σ f(x) ⊙ R has
// ∂L/∂x = the op's backward applied to R. Autograd computes that; we compare each element with the central
// difference (L(x + ε) − L(x − ε)) / 2ε, where L is accumulated in float64. With Float32 values, ε = 10⁻² keeps
// truncation error (~ε²·f‴/6 ≈ 10⁻⁵) and rounding error (~10⁻⁶/ε ≈ 10⁻⁴) both far below the tolerance
// |analytic − numeric| ≤ 2·10⁻³ + 2·10⁻²·max(|analytic|, |numeric|), while a wrong sign or a missing term
// (an error of the gradient's own size) fails it. The weights R make every output element matter separately.
import XCTest
import Tensor

struct GradientCheckFailure: CustomStringConvertible {
    let input: Int, index: Int, analytic: Float, numeric: Float
    var description: String { "input \(input)[\(index)]: analytic \(analytic) vs numeric \(numeric)" }
}

/// Returns the elements where autograd and central differences disagree (empty when the gradient is right).
func gradientMismatches(_ inputs: [Tensor], eps: Float = 1e-2, rtol: Float = 2e-2, atol: Float = 2e-3,
                        seed: UInt64 = 7, _ f: ([Tensor]) -> Tensor) -> [GradientCheckFailure] {
    for x in inputs { x.requiresGrad = true; x.grad = nil }
    let y = f(inputs)
    var rng = RandomGenerator(seed: seed)
    let weights = Tensor(randomNormal: y.shape, rng: &rng)
    (y * weights).sum().backward()
    let analytic = inputs.map { $0.grad?.scalars ?? [Float](repeating: 0, count: $0.count) }

    func loss() -> Double {
        Tensor.noGrad {
            let out = f(inputs)
            return zip(out.scalars, weights.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
    }
    var failures: [GradientCheckFailure] = []
    for (k, x) in inputs.enumerated() {
        for i in 0..<x.count {
            let saved = x.pointer[i]
            x.pointer[i] = saved + eps
            let plus = loss()
            x.pointer[i] = saved - eps
            let minus = loss()
            x.pointer[i] = saved
            let numeric = Float((plus - minus) / Double(2 * eps))
            let a = analytic[k][i]
            if abs(a - numeric) > atol + rtol * max(abs(a), abs(numeric)) {
                failures.append(GradientCheckFailure(input: k, index: i, analytic: a, numeric: numeric))
            }
        }
    }
    return failures
}

func assertGradients(_ inputs: [Tensor], _ label: String, eps: Float = 1e-2, file: StaticString = #filePath,
                     line: UInt = #line, _ f: ([Tensor]) -> Tensor) {
    let failures = gradientMismatches(inputs, eps: eps, f)
    XCTAssertTrue(failures.isEmpty, "\(label): \(failures.count) gradient mismatches, first: "
                  + failures.prefix(3).map(\.description).joined(separator: "; "), file: file, line: line)
}

func randn(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return Tensor(randomNormal: shape, std: scale, rng: &rng)
}

func uniform(_ shape: [Int], _ low: Float, _ high: Float, seed: UInt64) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return Tensor(randomUniform: shape, low: low, high: high, rng: &rng)
}
