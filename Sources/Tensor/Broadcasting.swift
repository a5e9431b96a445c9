// NumPy broadcasting: shapes are aligned on the right; an axis of extent 1 (or a missing one) repeats to match.
// Forward ops walk the output in rows of the innermost axis; backward sums a gradient back down to the shape of
// the input it belongs to (`sumToShape`), the adjoint of repeating.

/// How two broadcast operands map onto their output, row by row along the innermost axis.
struct BroadcastPlan {
    let outShape: [Int]
    /// Element strides of each operand in the output's index space (0 where the operand repeats).
    let aStrides: [Int], bStrides: [Int]
    /// Length of the innermost axis (1 for scalars) and the number of such rows.
    let inner: Int, rows: Int

    init(_ a: [Int], _ b: [Int]) {
        let rank = Swift.max(a.count, b.count)
        let pa = Array(repeating: 1, count: rank - a.count) + a
        let pb = Array(repeating: 1, count: rank - b.count) + b
        var out = [Int](repeating: 1, count: rank)
        for d in 0..<rank {
            precondition(pa[d] == pb[d] || pa[d] == 1 || pb[d] == 1,
                         "broadcast: shapes \(a) and \(b) do not broadcast (axis \(d): \(pa[d]) vs \(pb[d]))")
            out[d] = pa[d] == 1 ? pb[d] : pa[d]
        }
        outShape = out
        aStrides = BroadcastPlan.strides(pa, out)
        bStrides = BroadcastPlan.strides(pb, out)
        inner = out.last ?? 1
        rows = inner == 0 ? 0 : Tensor.elementCount(out) / inner
    }

    /// Row-major strides of `shape`, with 0 on axes where it is broadcast to `out`.
    static func strides(_ shape: [Int], _ out: [Int]) -> [Int] {
        var strides = [Int](repeating: 0, count: shape.count)
        var s = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[d] = shape[d] == 1 && out[d] != 1 ? 0 : s
            s *= shape[d]
        }
        return strides
    }

    /// Offsets of row `row`'s first element in a and b.
    @inline(__always)
    func offsets(row: Int) -> (a: Int, b: Int) {
        var rest = row, oa = 0, ob = 0
        var d = outShape.count - 2
        while d >= 0 {
            let i = rest % outShape[d]
            rest /= outShape[d]
            oa += i * aStrides[d]
            ob += i * bStrides[d]
            d -= 1
        }
        return (oa, ob)
    }

    var innerStrides: (a: Int, b: Int) { (aStrides.last ?? 0, bStrides.last ?? 0) }
}

extension Tensor {
    /// Sums this tensor down to `target`, which it was broadcast from (the backward of broadcasting).
    public func sumToShape(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        precondition(Tensor.elementCount(target) > 0 || count == 0, "sumToShape: empty target \(target)")
        let out = Tensor(zeros: target)
        let plan = BroadcastPlan(shape, target)
        precondition(plan.outShape == shape, "sumToShape: \(target) does not broadcast to \(shape)")
        let src = pointer, dst = out.pointer
        let (_, sb) = plan.innerStrides
        // Serial on purpose: different rows add into the same target elements.
        for row in 0..<plan.rows {
            let (oa, ob) = plan.offsets(row: row)
            let s = src + oa, d = dst + ob
            if sb == 1 {
                for j in 0..<plan.inner { d[j] += s[j] }
            } else {
                var acc: Float = 0
                for j in 0..<plan.inner { acc += s[j] }
                d[0] += acc
            }
        }
        return out
    }
}
