// Reductions over one axis: sum, mean and max. The tensor is seen as (outer, n, inner) around the axis, so one
// loop serves every axis; the innermost axis gets a SIMD row sum.

extension Tensor {
    /// Extents before, at and after `axis`.
    func split(around axis: Int) -> (outer: Int, n: Int, inner: Int) {
        let a = self.axis(axis)
        return (Tensor.elementCount(Array(shape[..<a])), shape[a], Tensor.elementCount(Array(shape[(a + 1)...])))
    }

    func reducedShape(_ axis: Int, keepDims: Bool) -> [Int] {
        var s = shape
        if keepDims { s[self.axis(axis)] = 1 } else { s.remove(at: self.axis(axis)) }
        return s
    }

    /// Σ over `axis`.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor {
        let (outer, n, inner) = split(around: axis)
        let out = Tensor(zeros: reducedShape(axis, keepDims: keepDims))
        let x = pointer, y = out.pointer
        Parallel.chunks(outer, grain: Swift.max(1, (1 << 15) / Swift.max(n * inner, 1))) { r in
            for o in r {
                if inner == 1 { y[o] = Kernels.sum(x + o * n, n); continue }
                let dst = y + o * inner
                for k in 0..<n {
                    let src = x + (o * n + k) * inner
                    for i in 0..<inner { dst[i] += src[i] }
                }
            }
        }
        return Tensor.record(out, inputs: [self]) { [self] g in
            accumulateGrad(g.expanded(along: axis, n: n, scale: 1, like: self))
        }
    }

    /// Mean over `axis`.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor {
        let n = shape[self.axis(axis)]
        return sum(axis: axis, keepDims: keepDims) * (1 / Float(n))
    }

    /// Σ of every element, as a scalar.
    public func sum() -> Tensor { reshape([count]).sum(axis: 0) }

    /// Mean of every element, as a scalar.
    public func mean() -> Tensor { sum() * (1 / Float(Swift.max(count, 1))) }

    /// Maximum over `axis`; the gradient flows to the first position holding the maximum.
    public func max(axis: Int, keepDims: Bool = false) -> Tensor {
        let (outer, n, inner) = split(around: axis)
        precondition(n > 0, "max: empty axis \(axis) in shape \(shape)")
        let out = Tensor(zeros: reducedShape(axis, keepDims: keepDims))
        var argmax = [Int32](repeating: 0, count: outer * inner)
        let x = pointer, y = out.pointer
        argmax.withUnsafeMutableBufferPointer { am in
            for o in 0..<outer {
                for i in 0..<inner {
                    var best = x[o * n * inner + i], at: Int32 = 0
                    for k in 1..<Swift.max(n, 1) where x[(o * n + k) * inner + i] > best {
                        best = x[(o * n + k) * inner + i]; at = Int32(k)
                    }
                    y[o * inner + i] = best
                    am[o * inner + i] = at
                }
            }
        }
        return Tensor.record(out, inputs: [self]) { [self] g in
            let gx = Tensor(zeros: shape)
            let d = gx.pointer, gp = g.pointer
            for o in 0..<outer {
                for i in 0..<inner { d[(o * n + Int(argmax[o * inner + i])) * inner + i] = gp[o * inner + i] }
            }
            accumulateGrad(gx)
        }
    }

    /// Repeats this reduced gradient `n` times along `axis` (times `scale`), giving `like`'s shape.
    func expanded(along axis: Int, n: Int, scale: Float, like: Tensor) -> Tensor {
        let (outer, _, inner) = like.split(around: axis)
        let out = Tensor(zeros: like.shape)
        let g = pointer, d = out.pointer
        Parallel.chunks(outer, grain: Swift.max(1, (1 << 15) / Swift.max(n * inner, 1))) { r in
            for o in r {
                for k in 0..<n {
                    let dst = d + (o * n + k) * inner, src = g + o * inner
                    for i in 0..<inner { dst[i] = src[i] * scale }
                }
            }
        }
        return out
    }
}

/// Small SIMD kernels over raw rows, shared by ops and the inference runtime.
public enum Kernels {
    /// Σ x[i] with 16 lanes of partial sums (a plain loop would not vectorize: float addition is not associative).
    @inline(__always)
    public static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD16<Float>()
        var i = 0
        while i + 16 <= n {
            acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
            i += 16
        }
        var s = acc.sum()
        while i < n { s += x[i]; i += 1 }
        return s
    }

    /// Σ x[i]·y[i] with 16 lanes. Inlinable: attention calls it once per (head, position), 70 000 times a token.
    @inlinable @inline(__always)
    public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD16<Float>()
        var i = 0
        while i + 16 <= n {
            acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
                * UnsafeRawPointer(y + i).loadUnaligned(as: SIMD16<Float>.self)
            i += 16
        }
        var s = acc.sum()
        while i < n { s += x[i] * y[i]; i += 1 }
        return s
    }

    /// max x[i], 16 lanes at a time.
    @inline(__always)
    public static func max(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD16<Float>(repeating: -.infinity)
        var i = 0
        while i + 16 <= n {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
            acc = acc.replacing(with: v, where: v .> acc)  // a vector select (pointwiseMax compiles to a scalar loop)
            i += 16
        }
        var m = acc.max()
        while i < n { m = Swift.max(m, x[i]); i += 1 }
        return m
    }
}
