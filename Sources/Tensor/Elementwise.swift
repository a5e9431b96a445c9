// Elementwise ops: + − × ÷ with broadcasting, and the unary functions of a transformer (exp, log, sqrt, tanh,
// ReLU, GELU, SiLU). Each function is a small type holding its value and its derivative side by side; the kernels
// are generic over it, so the compiler specializes each loop and inlines the function (no call per element).
// Large tensors are split over both cores.
import Foundation

/// A binary function applied elementwise.
public protocol BinaryFunction { static func apply(_ x: Float, _ y: Float) -> Float }

/// A unary function y = f(x) with its derivative, which may use x or y (whichever is cheaper). The scalar
/// versions are the readable definitions; kernels call the 16-lane versions, which default to the scalar ones
/// lane by lane and are overridden where a vector formula is much faster (exp, GELU, SiLU…).
public protocol UnaryFunction {
    func value(_ x: Float) -> Float
    func derivative(x: Float, y: Float) -> Float
    func value(_ x: VectorMath.Vector) -> VectorMath.Vector
    func derivative(x: VectorMath.Vector, y: VectorMath.Vector) -> VectorMath.Vector
    /// Both at once, for functions whose value and derivative share expensive parts (GELU's exp, SiLU's σ).
    func valueAndDerivative(_ x: VectorMath.Vector) -> (value: VectorMath.Vector, derivative: VectorMath.Vector)
}

extension UnaryFunction {
    @inline(__always) public func value(_ x: VectorMath.Vector) -> VectorMath.Vector {
        var y = VectorMath.Vector()
        for i in 0..<16 { y[i] = value(x[i]) }
        return y
    }
    @inline(__always) public func derivative(x: VectorMath.Vector, y: VectorMath.Vector) -> VectorMath.Vector {
        var d = VectorMath.Vector()
        for i in 0..<16 { d[i] = derivative(x: x[i], y: y[i]) }
        return d
    }
    @inline(__always) public func valueAndDerivative(_ x: VectorMath.Vector) -> (value: VectorMath.Vector, derivative: VectorMath.Vector) {
        let y = value(x)
        return (y, derivative(x: x, y: y))
    }
}

public enum Add: BinaryFunction { @inline(__always) public static func apply(_ x: Float, _ y: Float) -> Float { x + y } }
public enum Subtract: BinaryFunction { @inline(__always) public static func apply(_ x: Float, _ y: Float) -> Float { x - y } }
public enum Multiply: BinaryFunction { @inline(__always) public static func apply(_ x: Float, _ y: Float) -> Float { x * y } }
public enum Divide: BinaryFunction { @inline(__always) public static func apply(_ x: Float, _ y: Float) -> Float { x / y } }
/// −x/y², the derivative of a/b with respect to b (times the incoming gradient, pre-multiplied into x).
enum NegativeOverSquare: BinaryFunction { @inline(__always) static func apply(_ x: Float, _ y: Float) -> Float { -x / (y * y) } }

extension Tensor {
    // MARK: kernels (no autograd)

    /// out = Op(a, b) with broadcasting.
    static func broadcastKernel<Op: BinaryFunction>(_ a: Tensor, _ b: Tensor, _: Op.Type) -> Tensor {
        let pa = a.pointer, pb = b.pointer
        if a.shape == b.shape {
            let out = Tensor(uninitialized: a.shape)
            let o = out.pointer
            Parallel.chunks(a.count) { r in for i in r { o[i] = Op.apply(pa[i], pb[i]) } }
            return out
        }
        let plan = BroadcastPlan(a.shape, b.shape)
        let out = Tensor(uninitialized: plan.outShape)
        let o = out.pointer, n = plan.inner
        let (sa, sb) = plan.innerStrides
        Parallel.chunks(plan.rows, grain: Swift.max(1, (1 << 15) / Swift.max(n, 1))) { rows in
            for row in rows {
                let (oa, ob) = plan.offsets(row: row)
                let x = pa + oa, y = pb + ob, z = o + row * n
                switch (sa, sb) {
                case (1, 1): for j in 0..<n { z[j] = Op.apply(x[j], y[j]) }
                case (1, 0): let v = y[0]; for j in 0..<n { z[j] = Op.apply(x[j], v) }
                case (0, 1): let u = x[0]; for j in 0..<n { z[j] = Op.apply(u, y[j]) }
                default: let u = x[0], v = y[0]; for j in 0..<n { z[j] = Op.apply(u, v) }
                }
            }
        }
        return out
    }

    /// out = f(x), elementwise, 16 lanes at a time (a partial vector at the end of each chunk).
    func mapKernel<F: UnaryFunction>(_ f: F) -> Tensor {
        let out = Tensor(uninitialized: shape)
        let x = pointer, y = out.pointer
        Parallel.chunks(count) { r in
            // Whole vectors, then one partial vector: a partial one inside the loop (min(16, rest) lanes) makes
            // the compiler split every vector operation into scalar ones, ~7× slower.
            var i = r.lowerBound
            while i + 16 <= r.upperBound {
                VectorMath.store(f.value(VectorMath.load(x + i)), y + i)
                i += 16
            }
            if i < r.upperBound {
                let n = r.upperBound - i
                VectorMath.store(f.value(VectorMath.load(x + i, n)), y + i, n)
            }
        }
        return out
    }

    /// y = f(x), whose backward is ∂L/∂x = ∂L/∂y · f′(x).
    public func apply<F: UnaryFunction>(_ f: F) -> Tensor {
        let out = mapKernel(f)
        return Tensor.record(out, inputs: [self]) { [self, unowned out] g in
            let gx = Tensor(uninitialized: shape)
            let x = pointer, y = out.pointer, gp = g.pointer, d = gx.pointer
            Parallel.chunks(count) { r in
                var i = r.lowerBound
                while i + 16 <= r.upperBound {  // whole vectors, then the rest (see mapKernel)
                    let dy = f.derivative(x: VectorMath.load(x + i), y: VectorMath.load(y + i))
                    VectorMath.store(VectorMath.load(gp + i) * dy, d + i)
                    i += 16
                }
                if i < r.upperBound {
                    let n = r.upperBound - i
                    let dy = f.derivative(x: VectorMath.load(x + i, n), y: VectorMath.load(y + i, n))
                    VectorMath.store(VectorMath.load(gp + i, n) * dy, d + i, n)
                }
            }
            accumulateGrad(gx, owned: true)
        }
    }

    /// y = f(x) computing f′(x) in the same pass and keeping it for the backward (∂L/∂x = ∂L/∂y · f′), for
    /// functions where recomputing f′ later would repeat their most expensive part.
    public func applyCachingDerivative<F: UnaryFunction>(_ f: F) -> Tensor {
        let out = Tensor(uninitialized: shape)
        let derivative = Tensor(uninitialized: shape)
        let x = pointer, y = out.pointer, d = derivative.pointer
        Parallel.chunks(count) { r in
            var i = r.lowerBound
            while i + 16 <= r.upperBound {  // whole vectors, then the rest (see mapKernel)
                let (v, dv) = f.valueAndDerivative(VectorMath.load(x + i))
                VectorMath.store(v, y + i)
                VectorMath.store(dv, d + i)
                i += 16
            }
            if i < r.upperBound {
                let n = r.upperBound - i
                let (v, dv) = f.valueAndDerivative(VectorMath.load(x + i, n))
                VectorMath.store(v, y + i, n)
                VectorMath.store(dv, d + i, n)
            }
        }
        return Tensor.record(out, inputs: [self]) { [self] g in
            // The cached f′ is used once, so it becomes the gradient in place: ∂L/∂x = g ⊙ f′.
            let gp = g.pointer
            Parallel.chunks(count) { r in for i in r { d[i] *= gp[i] } }
            accumulateGrad(derivative, owned: true)
        }
    }

    // MARK: binary ops

    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastKernel(a, b, Add.self)
        return record(out, inputs: [a, b]) { g in
            // g is this op's own gradient, dropped once this returns: the first input of its shape adopts it
            // (a residual stream passes its gradient on without a copy); the other one then gets a copy.
            let ga = g.sumToShape(a.shape)
            a.accumulateGrad(ga, owned: true)
            if b.requiresGrad {
                let gb = g.sumToShape(b.shape)
                b.accumulateGrad(gb, owned: gb !== ga || !a.requiresGrad)
            }
        }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastKernel(a, b, Subtract.self)
        return record(out, inputs: [a, b]) { g in
            a.accumulateGrad(g.sumToShape(a.shape))
            if b.requiresGrad { b.accumulateGrad(g.mapKernel(Scale(factor: -1)).sumToShape(b.shape), owned: true) }
        }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastKernel(a, b, Multiply.self)
        return record(out, inputs: [a, b]) { g in
            if a.requiresGrad { a.accumulateGrad(broadcastKernel(g, b, Multiply.self).sumToShape(a.shape), owned: true) }
            if b.requiresGrad { b.accumulateGrad(broadcastKernel(g, a, Multiply.self).sumToShape(b.shape), owned: true) }
        }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastKernel(a, b, Divide.self)
        return record(out, inputs: [a, b]) { g in
            // ∂(a/b)/∂a = 1/b,  ∂(a/b)/∂b = −a/b²
            if a.requiresGrad { a.accumulateGrad(broadcastKernel(g, b, Divide.self).sumToShape(a.shape)) }
            if b.requiresGrad {
                let ga = broadcastKernel(g, a, Multiply.self)
                b.accumulateGrad(broadcastKernel(ga, b, NegativeOverSquare.self).sumToShape(b.shape))
            }
        }
    }

    // MARK: with a scalar

    public static func + (a: Tensor, s: Float) -> Tensor { a.apply(Shift(offset: s)) }
    public static func - (a: Tensor, s: Float) -> Tensor { a.apply(Shift(offset: -s)) }
    public static func * (a: Tensor, s: Float) -> Tensor { a.apply(Scale(factor: s)) }
    public static func / (a: Tensor, s: Float) -> Tensor { a.apply(Scale(factor: 1 / s)) }
    public static func * (s: Float, a: Tensor) -> Tensor { a.apply(Scale(factor: s)) }
    public static func + (s: Float, a: Tensor) -> Tensor { a.apply(Shift(offset: s)) }
    public static func - (s: Float, a: Tensor) -> Tensor { a.apply(Scale(factor: -1)).apply(Shift(offset: s)) }
    public static prefix func - (a: Tensor) -> Tensor { a.apply(Scale(factor: -1)) }

    // MARK: unary functions

    public func exp() -> Tensor { apply(Exp()) }
    public func log() -> Tensor { apply(Log()) }
    public func sqrt() -> Tensor { apply(Sqrt()) }
    public func tanh() -> Tensor { apply(Tanh()) }
    public func relu() -> Tensor { apply(ReLU()) }
    public func square() -> Tensor { apply(Square()) }
    public func sigmoid() -> Tensor { apply(Sigmoid()) }
    /// SiLU (swish), x·σ(x): the gate of Llama's SwiGLU MLP.
    public func silu() -> Tensor { applyCachingDerivative(SiLU()) }
    /// GELU, exact or with GPT-2's tanh approximation.
    public func gelu(approximate: Bool = false) -> Tensor {
        approximate ? applyCachingDerivative(GELUTanh()) : applyCachingDerivative(GELU())
    }
}

// MARK: the functions and their derivatives

public struct Shift: UnaryFunction {
    public var offset: Float
    @inline(__always) public func value(_ x: Float) -> Float { x + offset }
    @inline(__always) public func derivative(x: Float, y: Float) -> Float { 1 }
    @inline(__always) public func value(_ x: VectorMath.Vector) -> VectorMath.Vector { x + offset }
    @inline(__always) public func derivative(x: VectorMath.Vector, y: VectorMath.Vector) -> VectorMath.Vector { .one }
}

public struct Scale: UnaryFunction {
    public var factor: Float
    @inline(__always) public func value(_ x: Float) -> Float { x * factor }
    @inline(__always) public func derivative(x: Float, y: Float) -> Float { factor }
    @inline(__always) public func value(_ x: VectorMath.Vector) -> VectorMath.Vector { x * factor }
    @inline(__always) public func derivative(x: VectorMath.Vector, y: VectorMath.Vector) -> VectorMath.Vector { .init(repeating: factor) }
}

public struct Exp: UnaryFunction {
    @inline(__always) public func value(_ x: Float) -> Float { Foundation.exp(x) }
    @inline(__always) public func derivative(x: Float, y: Float) -> Float { y }
    @inline(__always) public func value(_ x: VectorMath.Vector) -> VectorMath.Vector { VectorMath.exp(x) }
    @inline(__always) public func derivative(x: VectorMath.Vector, y: VectorMath.Vector) -> VectorMath.Vector { y }
}

public struct Log: UnaryFunction {
    @inline(__always) public func value(_ x: Float) -> Float { Foundation.log(x) }
    @inline(__always) public func derivative(x: Float, y: Float) -> Float { 1 / x }
}

public struct Sqrt: UnaryFunction {
    @inline(__always) public func value(_ x: Float) -> Float { x.squareRoot() }
    @inline(__always) public func derivative(x: Float, y: Float) -> Float { 0.5 / y }
    @inline(__always) public func value(_ x: VectorMath.Vector) -> VectorMath.Vector { x.squareRoot() }
    @inline(__always) public func derivative(x: VectorMath.Vector, y: VectorMath.Vector) -> VectorMath.Vector { 0.5 / y }
}

public struct Tanh: UnaryFunction {
    @inline(__always) public func value(_ x: Float) -> Float { Foundation.tanh(x) }
    @inline(__always) public func derivative(x: Float, y: Float) -> Float { 1 - y * y }
}

public struct ReLU: UnaryFunction {
    @inline(__always) public func value(_ x: Float) -> Float { Swift.max(x, 0) }
    @inline(__always) public func derivative(x: Float, y: Float) -> Float { x > 0 ? 1 : 0 }
    @inline(__always) public func value(_ x: VectorMath.Vector) -> VectorMath.Vector { x.replacing(with: 0, where: x .< 0) }
    @inline(__always) public func derivative(x: VectorMath.Vector, y: VectorMath.Vector) -> VectorMath.Vector {
        VectorMath.Vector.zero.replacing(with: 1, where: x .> 0)
    }
}

public struct Square: UnaryFunction {
    @inline(__always) public func value(_ x: Float) -> Float { x * x }
    @inline(__always) public func derivative(x: Float, y: Float) -> Float { 2 * x }
    @inline(__always) public func value(_ x: VectorMath.Vector) -> VectorMath.Vector { x * x }
    @inline(__always) public func derivative(x: VectorMath.Vector, y: VectorMath.Vector) -> VectorMath.Vector { 2 * x }
}

public struct Sigmoid: UnaryFunction {
    @inline(__always) public func value(_ x: Float) -> Float { Activation.sigmoid(x) }
    @inline(__always) public func derivative(x: Float, y: Float) -> Float { y * (1 - y) }
    @inline(__always) public func value(_ x: VectorMath.Vector) -> VectorMath.Vector { VectorMath.sigmoid(x) }
    @inline(__always) public func derivative(x: VectorMath.Vector, y: VectorMath.Vector) -> VectorMath.Vector { y * (1 - y) }
}

/// x·σ(x); d/dx = σ(x)·(1 + x·(1 − σ(x))).
public struct SiLU: UnaryFunction {
    public init() {}
    @inline(__always) public func value(_ x: Float) -> Float { x * Activation.sigmoid(x) }
    @inline(__always) public func derivative(x: Float, y: Float) -> Float {
        let s = Activation.sigmoid(x)
        return s * (1 + x * (1 - s))
    }
    @inline(__always) public func value(_ x: VectorMath.Vector) -> VectorMath.Vector { x * VectorMath.sigmoid(x) }
    @inline(__always) public func derivative(x: VectorMath.Vector, y: VectorMath.Vector) -> VectorMath.Vector {
        let s = VectorMath.sigmoid(x)
        return s * (1 + x * (1 - s))
    }
    @inline(__always) public func valueAndDerivative(_ x: VectorMath.Vector) -> (value: VectorMath.Vector, derivative: VectorMath.Vector) {
        let s = VectorMath.sigmoid(x)
        return (x * s, s * (1 + x * (1 - s)))
    }
}

/// GELU (Hendrycks & Gimpel, 2016), exact: x·Φ(x); d/dx = Φ(x) + x·φ(x).
public struct GELU: UnaryFunction {
    public init() {}
    @inline(__always) public func value(_ x: Float) -> Float { Activation.gelu(x) }
    @inline(__always) public func derivative(x: Float, y: Float) -> Float { Activation.geluDerivative(x) }
    @inline(__always) public func value(_ x: VectorMath.Vector) -> VectorMath.Vector {
        0.5 * x * (1 + VectorMath.erf(x * 0.70710678118654752))
    }
    @inline(__always) public func derivative(x: VectorMath.Vector, y: VectorMath.Vector) -> VectorMath.Vector {
        let cdf: VectorMath.Vector = 0.5 * (1 + VectorMath.erf(x * 0.70710678118654752))
        let pdf: VectorMath.Vector = VectorMath.exp(-0.5 * x * x) * 0.39894228040143268
        return cdf + x * pdf
    }
    /// Φ(x) = ½(1 + erf(x/√2)) and φ(x) = e^(−x²/2)/√(2π) share one exponential: the erf approximation needs
    /// e^(−u²) with u = x/√2, which is e^(−x²/2).
    @inline(__always) public func valueAndDerivative(_ x: VectorMath.Vector) -> (value: VectorMath.Vector, derivative: VectorMath.Vector) {
        let (erf, e) = VectorMath.erfAndGaussian(x * 0.70710678118654752)
        let cdf: VectorMath.Vector = 0.5 * (1 + erf)
        let pdf: VectorMath.Vector = e * 0.39894228040143268
        return (x * cdf, cdf + x * pdf)
    }
}

/// GPT-2's GELU: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
public struct GELUTanh: UnaryFunction {
    public init() {}
    @inline(__always) public func value(_ x: Float) -> Float { Activation.geluTanh(x) }
    @inline(__always) public func derivative(x: Float, y: Float) -> Float { Activation.geluTanhDerivative(x) }
    /// tanh(u) = 1 − 2/(e^(2u) + 1), which the vector exp makes cheap.
    @inline(__always) static func tanh(_ u: VectorMath.Vector) -> VectorMath.Vector { 1 - 2 / (VectorMath.exp(2 * u) + 1) }
    @inline(__always) public func value(_ x: VectorMath.Vector) -> VectorMath.Vector {
        let u: VectorMath.Vector = Activation.sqrt2OverPi * (x + 0.044715 * x * x * x)
        return 0.5 * x * (1 + Self.tanh(u))
    }
    @inline(__always) public func derivative(x: VectorMath.Vector, y: VectorMath.Vector) -> VectorMath.Vector {
        let x2: VectorMath.Vector = x * x
        let t: VectorMath.Vector = Self.tanh(Activation.sqrt2OverPi * (x + 0.044715 * x2 * x))
        let inner: VectorMath.Vector = Activation.sqrt2OverPi * (1 + 0.134145 * x2)  // d/dx of the tanh argument
        let left: VectorMath.Vector = 0.5 * (1 + t)
        return left + 0.5 * x * (1 - t * t) * inner
    }
}

/// Scalar activation functions and their derivatives, shared by the autograd ops and the inference runtime.
public enum Activation {
    @inline(__always) public static func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }

    @inline(__always) public static func gelu(_ x: Float) -> Float { 0.5 * x * (1 + erf(x * 0.70710678118654752)) }
    @inline(__always) public static func geluDerivative(_ x: Float) -> Float {
        0.5 * (1 + erf(x * 0.70710678118654752)) + x * Foundation.exp(-0.5 * x * x) * 0.39894228040143268
    }

    public static let sqrt2OverPi: Float = 0.79788456080286536
    @inline(__always) public static func geluTanh(_ x: Float) -> Float {
        0.5 * x * (1 + Foundation.tanh(sqrt2OverPi * (x + 0.044715 * x * x * x)))
    }
    @inline(__always) public static func geluTanhDerivative(_ x: Float) -> Float {
        let t = Foundation.tanh(sqrt2OverPi * (x + 0.044715 * x * x * x))
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * sqrt2OverPi * (1 + 3 * 0.044715 * x * x)
    }
}
