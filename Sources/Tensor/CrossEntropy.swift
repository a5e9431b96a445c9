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
