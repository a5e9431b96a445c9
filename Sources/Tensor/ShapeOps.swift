// Ops that move values without changing them: reshape (a view), permute/transpose, concat, slice and split.
// The backward of each moves the gradient back the same way.

extension Tensor {
    /// The same values with a new shape (one extent may be -1 and is inferred). Shares storage: no copy.
    public func reshape(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let infer = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != infer }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "reshape: cannot infer -1 in \(newShape) for \(shape)")
            s[infer] = count / known
        }
        precondition(Tensor.elementCount(s) == count, "reshape: \(shape) (\(count) values) into \(newShape)")
        let out = Tensor(shape: s, storage: storage)
        // g is the view's own gradient, dropped once the backward returns, so the input adopts it (no copy).
        return Tensor.record(out, inputs: [self]) { [self] g in accumulateGrad(g, owned: true) }
    }

    /// Axes reordered: output axis i is input axis `dims[i]`.
    public func permute(_ dims: [Int]) -> Tensor {
        precondition(dims.sorted() == Array(0..<rank), "permute: \(dims) is not a permutation of 0..<\(rank)")
        let out = permuteKernel(dims)
        var inverse = dims
        for (i, d) in dims.enumerated() { inverse[d] = i }
        return Tensor.record(out, inputs: [self]) { [self] g in accumulateGrad(g.permuteKernel(inverse), owned: true) }
    }

    /// Swaps two axes (a copy; for matrix products use the transpose flags of `matmul` instead).
    public func transpose(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var dims = Array(0..<rank)
        dims.swapAt(axis(a), axis(b))
        return permute(dims)
    }

    func permuteKernel(_ dims: [Int]) -> Tensor {
        let outShape = dims.map { shape[$0] }
        let out = Tensor(uninitialized: outShape)
        guard count > 0 else { return out }
        var inStrides = [Int](repeating: 1, count: rank)
        for d in stride(from: rank - 2, through: 0, by: -1) { inStrides[d] = inStrides[d + 1] * shape[d + 1] }
        let srcStrides = dims.map { inStrides[$0] }  // stride in the input of each output axis
        let inner = outShape.last ?? 1, innerStride = srcStrides.last ?? 1
        let rows = count / inner
        let x = pointer, y = out.pointer
        Parallel.chunks(rows, grain: Swift.max(1, (1 << 14) / inner)) { r in
            for row in r {
                var rest = row, src = 0
                var d = outShape.count - 2
                while d >= 0 { src += (rest % outShape[d]) * srcStrides[d]; rest /= outShape[d]; d -= 1 }
                let dst = y + row * inner, s = x + src
                for j in 0..<inner { dst[j] = s[j * innerStride] }
            }
        }
        return out
    }

    /// Joins tensors along `axis`; all other extents must match.
    public static func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concat: no tensors")
        let first = tensors[0], a = first.axis(axis)
        for t in tensors {
            precondition(t.rank == first.rank && t.shape.enumerated().allSatisfy { $0.offset == a || $0.element == first.shape[$0.offset] },
                         "concat: shapes \(tensors.map(\.shape)) differ outside axis \(axis)")
        }
        var outShape = first.shape
        outShape[a] = tensors.map { $0.shape[a] }.reduce(0, +)
        let out = Tensor(zeros: outShape)
        let outer = Tensor.elementCount(Array(first.shape[..<a]))
        let rowWidths = tensors.map { $0.count / Swift.max(outer, 1) }
        let outWidth = rowWidths.reduce(0, +)
        var offset = 0
        for (t, w) in zip(tensors, rowWidths) {
            for o in 0..<outer { (out.pointer + o * outWidth + offset).update(from: t.pointer + o * w, count: w) }
            offset += w
        }
        return record(out, inputs: tensors) { g in
            var start = 0
            for t in tensors {
                let n = t.shape[a]
                if t.requiresGrad { t.accumulateGrad(g.sliceKernel(axis: a, start..<(start + n)), owned: true) }
                start += n
            }
        }
    }

    /// The part of the tensor with `range` along `axis` (a copy).
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let a = self.axis(axis)
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[a],
                     "slice: \(range) out of 0..<\(shape[a]) on axis \(axis) of \(shape)")
        let out = sliceKernel(axis: a, range)
        return Tensor.record(out, inputs: [self]) { [self] g in
            let gx = Tensor(zeros: shape)
            let (outer, n, inner) = split(around: a)
            let w = range.count * inner
            for o in 0..<outer { (gx.pointer + (o * n + range.lowerBound) * inner).update(from: g.pointer + o * w, count: w) }
            accumulateGrad(gx, owned: true)
        }
    }

    func sliceKernel(axis a: Int, _ range: Range<Int>) -> Tensor {
        var outShape = shape
        outShape[a] = range.count
        let out = Tensor(zeros: outShape)
        let (outer, n, inner) = split(around: a)
        let w = range.count * inner
        for o in 0..<outer { (out.pointer + o * w).update(from: pointer + (o * n + range.lowerBound) * inner, count: w) }
        return out
    }

    /// Cuts the tensor along `axis` into parts of the given sizes (which must add up to the extent).
    public func split(sizes: [Int], axis: Int) -> [Tensor] {
        precondition(sizes.reduce(0, +) == shape[self.axis(axis)], "split: sizes \(sizes) do not add up to \(shape[self.axis(axis)])")
        var start = 0
        return sizes.map { n in
            defer { start += n }
            return slice(axis: axis, start..<(start + n))
        }
    }
}
