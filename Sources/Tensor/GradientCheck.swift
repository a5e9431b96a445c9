// Checking a gradient by hand: compare autograd's ∂L/∂x with the central difference (L(x+ε) − L(x−ε)) / 2ε.
// The tests use the same method on every op; `lmlab demo gradcheck` shows it on one small expression.

public struct GradientComparison: Sendable, Encodable {
    public var name: String, index: Int, value: Float, analytic: Float, numeric: Float
}

public enum GradientCheck {
    /// For each element of each named input: autograd's gradient of `loss` and the central difference with step ε
    /// (the loss accumulated in Double).
    public static func compare(_ inputs: [(String, Tensor)], epsilon: Float = 1e-2,
                               loss: () -> Tensor) -> [GradientComparison] {
        for (_, x) in inputs { x.requiresGrad = true; x.grad = nil }
        loss().backward()
        var rows: [GradientComparison] = []
        for (name, x) in inputs {
            for i in 0..<x.count {
                let saved = x.pointer[i]
                x.pointer[i] = saved + epsilon
                let plus = Tensor.noGrad { Double(loss().item) }
                x.pointer[i] = saved - epsilon
                let minus = Tensor.noGrad { Double(loss().item) }
                x.pointer[i] = saved
                rows.append(GradientComparison(name: name, index: i, value: saved, analytic: x.grad?.pointer[i] ?? 0,
                                               numeric: Float((plus - minus) / Double(2 * epsilon))))
            }
        }
        return rows
    }
}
