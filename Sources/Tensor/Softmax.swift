// Softmax and log-softmax over the last axis, and the causal (masked) softmax at the heart of attention.
// softmax(x)ᵢ = exp(xᵢ − m) / Σⱼ exp(xⱼ − m) with m = maxⱼ xⱼ, so large logits never overflow.
import Foundation

extension Tensor {
    /// Rows of the last axis: (number of rows, row length).
    var rows: (count: Int, width: Int) {
        let w = shape.last ?? 1
        return (w == 0 ? 0 : count / w, w)
    }

    /// softmax over the last axis. Backward: ∂L/∂x = y ⊙ (g − Σ g⊙y).
    public func softmax() -> Tensor {
        let (n, w) = rows
        let out = Tensor(uninitialized: shape)
        let x = pointer, y = out.pointer
        Parallel.chunks(n, grain: Swift.max(1, 4096 / Swift.max(w, 1))) { r in
            for i in r { Kernels.softmax(x + i * w, y + i * w, w) }
        }
        return Tensor.record(out, inputs: [self]) { [self, unowned out] g in
            accumulateGrad(Tensor.softmaxBackward(g, out, scale: 1), owned: true)
        }
    }

    /// log-softmax over the last axis: xᵢ − m − log Σⱼ exp(xⱼ − m). Backward: g − softmax(x)·Σ g.
    public func logSoftmax() -> Tensor {
        let (n, w) = rows
        let out = Tensor(uninitialized: shape)
        let x = pointer, y = out.pointer
        Parallel.chunks(n, grain: Swift.max(1, 4096 / Swift.max(w, 1))) { r in
            for i in r {
                let xi = x + i * w, yi = y + i * w
                let lse = Kernels.logSumExp(xi, w)
                for j in 0..<w { yi[j] = xi[j] - lse }
            }
        }
        return Tensor.record(out, inputs: [self]) { [self, unowned out] g in
            let gx = Tensor(uninitialized: shape)
            let gp = g.pointer, yp = out.pointer, d = gx.pointer
            Parallel.chunks(n, grain: Swift.max(1, 4096 / Swift.max(w, 1))) { r in
                for i in r {
                    let s = Kernels.sum(gp + i * w, w)
                    _ = Kernels.sumExp(yp + i * w, w, scale: 1, shift: 0, into: d + i * w)  // softmax = exp(log-softmax)
                    for j in 0..<w { d[i * w + j] = gp[i * w + j] - d[i * w + j] * s }
                }
            }
            accumulateGrad(gx, owned: true)
        }
    }

    /// Causal softmax of attention scores (…, T, S): row t may attend to keys 0…t + (S − T) (the S − T earlier
    /// keys come from a cache), the rest get probability 0. Computes softmax(scale · x) with the mask fused in.
    public func causalSoftmax(scale: Float = 1) -> Tensor {
        precondition(rank >= 2, "causalSoftmax: needs (…, T, S) scores, got \(shape)")
        let t = shape[rank - 2], s = shape[rank - 1]
        precondition(s >= t, "causalSoftmax: \(t) queries but only \(s) keys")
        let (n, _) = rows
        let out = Tensor(uninitialized: shape)  // every row is written, masked entries as 0
        let x = pointer, y = out.pointer
        Parallel.chunks(n, grain: Swift.max(1, 4096 / Swift.max(s, 1))) { r in
            for i in r { Kernels.causalSoftmaxRow(x + i * s, y + i * s, visible: i % t + 1 + (s - t), width: s, scale: scale) }
        }
        return Tensor.record(out, inputs: [self]) { [self, unowned out] g in
            accumulateGrad(Tensor.softmaxBackward(g, out, scale: scale), owned: true)
        }
    }

    /// scale · y ⊙ (g − Σⱼ gⱼyⱼ), row by row (masked entries have y = 0 and get no gradient).
    static func softmaxBackward(_ g: Tensor, _ y: Tensor, scale: Float) -> Tensor {
        let (n, w) = y.rows
        let gx = Tensor(uninitialized: y.shape)
        let gp = g.pointer, yp = y.pointer, d = gx.pointer
        Parallel.chunks(n, grain: Swift.max(1, 4096 / Swift.max(w, 1))) { r in
            for i in r {
                let gi = gp + i * w, yi = yp + i * w, di = d + i * w
                let s = Kernels.dot(gi, yi, w)
                for j in 0..<w { di[j] = scale * yi[j] * (gi[j] - s) }
            }
        }
        return gx
    }
}

extension Kernels {
    /// y = softmax(scale · x) over the first `visible` of `width` values, 0 for the rest (y may alias x).
    @inline(__always)
    public static func causalSoftmaxRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, visible: Int,
                                        width: Int, scale: Float) {
        let m = scale * max(x, visible)  // scale > 0
        let inv = 1 / sumExp(x, visible, scale: scale, shift: m, into: y)
        for j in 0..<visible { y[j] *= inv }
        (y + visible).update(repeating: 0, count: width - visible)
    }

    /// log Σ exp(x), stable.
    @inline(__always)
    public static func logSumExp(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        let m = max(x, n)
        if m == -.infinity { return m }
        return m + Foundation.log(sumExp(x, n, scale: 1, shift: m))
    }

    /// Σ exp(scale·x[i] − shift), writing each term to `out` when given.
    @inline(__always)
    public static func sumExp(_ x: UnsafePointer<Float>, _ n: Int, scale: Float, shift: Float,
                              into out: UnsafeMutablePointer<Float>? = nil) -> Float {
        var acc = VectorMath.Vector()
        var i = 0
        while i + 16 <= n {  // whole vectors, then the rest (a partial vector in the loop would scalarize it)
            let e = VectorMath.exp(VectorMath.load(x + i) * scale - shift)
            if let out { VectorMath.store(e, out + i) }
            acc += e
            i += 16
        }
        if i < n {
            let k = n - i
            var e = VectorMath.exp(VectorMath.load(x + i, k) * scale - shift)
            for lane in k..<16 { e[lane] = 0 }
            if let out { VectorMath.store(e, out + i, k) }
            acc += e
        }
        return acc.sum()
    }

    /// y = softmax(x) over n values (y may alias x).
    @inline(__always)
    public static func softmax(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let m = max(x, n)
        let inv = 1 / sumExp(x, n, scale: 1, shift: m, into: y)
        for j in 0..<n { y[j] *= inv }
    }
}
