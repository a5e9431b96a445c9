// Cross-entropy fused with log-softmax: loss = mean over targets of −log softmax(logits)[target]
// = logsumexp(row) − row[target]. Fusing them never materialises the (rows, vocab) log-probabilities, and the
// gradient is simply (softmax(row) − onehot(target)) / count.
import Foundation

extension Tensor {
    /// Mean cross-entropy of logits (…, vocab) against one target id per row. Rows whose target equals
    /// `ignoreIndex` count for nothing (PyTorch's default, −100).
    public func crossEntropy(targets: [Int32], ignoreIndex: Int32 = -100) -> Tensor {
        let (n, v) = rows
        precondition(targets.count == n, "crossEntropy: \(targets.count) targets for \(n) rows of \(shape)")
        for t in targets where t != ignoreIndex {
            precondition(t >= 0 && Int(t) < v, "crossEntropy: target \(t) outside 0..<\(v)")
        }
        let counted = targets.filter { $0 != ignoreIndex }.count
        var rowLoss = [Float](repeating: 0, count: n)
        var lse = [Float](repeating: 0, count: n)
        let x = pointer
        rowLoss.withUnsafeMutableBufferPointer { lossBuf in
            lse.withUnsafeMutableBufferPointer { lseBuf in
                let lp = lossBuf.baseAddress!, sp = lseBuf.baseAddress!
                Parallel.chunks(n, grain: Swift.max(1, 4096 / Swift.max(v, 1))) { r in
                    for i in r where targets[i] != ignoreIndex {
                        sp[i] = Kernels.logSumExp(x + i * v, v)
                        lp[i] = sp[i] - x[i * v + Int(targets[i])]
                    }
                }
            }
        }
        // Sum in Double so the mean does not depend on summation order beyond float64 rounding.
        let total = rowLoss.reduce(0.0) { $0 + Double($1) }
        let out = Tensor(scalar: counted == 0 ? 0 : Float(total / Double(counted)))
        return Tensor.record(out, inputs: [self]) { [self] g in
            let scale = counted == 0 ? 0 : g.item / Float(counted)
            let gx = Tensor(uninitialized: shape)
            let d = gx.pointer
            Parallel.chunks(n, grain: Swift.max(1, 4096 / Swift.max(v, 1))) { r in
                for i in r {
                    if targets[i] == ignoreIndex { (d + i * v).update(repeating: 0, count: v); continue }
                    let xi = x + i * v, di = d + i * v
                    _ = Kernels.sumExp(xi, v, scale: 1, shift: lse[i], into: di)  // softmax(row)
                    for j in 0..<v { di[j] *= scale }
                    di[Int(targets[i])] -= scale
                }
            }
            accumulateGrad(gx, owned: true)
        }
    }
}

extension Tensor {
    /// Cross-entropy of the logits x·Wᵀ of an output head W (vocab, width) against one target per row of x
    /// (…, width): the value and gradients of `x.matmul(weight, transposeB: true).crossEntropy(targets:)`, fused.
    /// Once a row's loss is known its logits are not needed any more, so they are overwritten in place with
    /// their gradient (softmax − onehot(target)) / count while the row is still in cache: the (rows, vocab)
    /// logits are read once instead of three times, and no second matrix of that size is made.
    public func linearCrossEntropy(weight: Tensor, targets: [Int32], ignoreIndex: Int32 = -100) -> Tensor {
        let x = self
        precondition(x.rank >= 2 && weight.rank == 2 && x.shape[x.rank - 1] == weight.shape[1],
                     "linearCrossEntropy: features \(x.shape) do not fit a head of shape \(weight.shape) (vocab, width)")
        let (v, k) = (weight.shape[0], weight.shape[1])
        let n = Tensor.elementCount(Array(x.shape.dropLast()))
        precondition(targets.count == n, "linearCrossEntropy: \(targets.count) targets for \(n) rows of \(x.shape)")
        for t in targets where t != ignoreIndex {
            precondition(t >= 0 && Int(t) < v, "linearCrossEntropy: target \(t) outside 0..<\(v)")
        }
        let counted = targets.filter { $0 != ignoreIndex }.count
        let invCount: Float = counted == 0 ? 0 : 1 / Float(counted)
        let wantsGradient = GradMode.isEnabled && (x.requiresGrad || weight.requiresGrad)
        let logits = k == 0 ? Tensor(zeros: [n, v]) : Tensor(uninitialized: [n, v])  // the product writes every logit
        Tensor.product(x.pointer, weight.pointer, logits.pointer, m: n, n: v, k: k, tA: false, tB: true, lda: k, ldb: k)
        var rowLoss = [Float](repeating: 0, count: n)
        rowLoss.withUnsafeMutableBufferPointer { lossBuf in
            let lp = lossBuf.baseAddress!, z = logits.pointer
            Parallel.chunks(n, grain: Swift.max(1, 4096 / Swift.max(v, 1))) { r in
                for i in r {
                    let zi = z + i * v
                    guard targets[i] != ignoreIndex else {
                        zi.update(repeating: 0, count: v)
                        continue
                    }
                    let target = Int(targets[i]), zt = zi[target]
                    // loss = log Σ exp(z) − z[target], with the maximum shifted out; exp(z − m) goes into the row.
                    let m = Kernels.max(zi, v)
                    let s = Kernels.sumExp(zi, v, scale: 1, shift: m, into: wantsGradient ? zi : nil)
                    lp[i] = m + Foundation.log(s) - zt
                    guard wantsGradient else { continue }
                    let c = invCount / s  // softmax = exp(z − m) / s, over the count
                    for j in 0..<v { zi[j] *= c }
                    zi[target] -= invCount
                }
            }
        }
        // Sum in Double so the mean does not depend on summation order beyond float64 rounding.
        let total = rowLoss.reduce(0.0) { $0 + Double($1) }
        let out = Tensor(scalar: counted == 0 ? 0 : Float(total / Double(counted)))
        return Tensor.record(out, inputs: [x, weight]) { g in
            // The logits now hold ∂loss/∂logits for a loss gradient of 1; dx = G·W, dW = Gᵀ·x.
            let scale = g.item, gp = logits.pointer
            if scale != 1 { Parallel.chunks(logits.count) { r in for i in r { gp[i] *= scale } } }
            if x.requiresGrad { x.accumulateGrad(Tensor.matmulKernel(logits, weight, false, false), owned: true) }
            if weight.requiresGrad {
                weight.accumulateGrad(Tensor.matmulKernel(logits, x.flattenedToMatrix(), true, false), owned: true)
            }
        }
    }
}
