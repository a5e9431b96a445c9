// LayerNorm (Ba et al., 2016) and RMSNorm (Zhang & Sennrich, 2019) over the last axis, each with a fused forward
// and backward: the per-row statistics are computed once and reused by the gradient.
//   LayerNorm: x̂ = (x − μ)·r, r = 1/√(σ² + ε), y = x̂·w + b;   dx = r·(dŷ − mean(dŷ) − x̂·mean(dŷ⊙x̂)), dŷ = g⊙w
//   RMSNorm:   x̂ = x·r,       r = 1/√(mean(x²) + ε), y = x̂·w;  dx = r·(dŷ − x̂·mean(dŷ⊙x̂))

extension Tensor {
    public func layerNorm(weight: Tensor, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
        normalize(weight: weight, bias: bias, eps: eps, centered: true)
    }

    public func rmsNorm(weight: Tensor, eps: Float = 1e-5) -> Tensor {
        normalize(weight: weight, bias: nil, eps: eps, centered: false)
    }

    private func normalize(weight: Tensor, bias: Tensor?, eps: Float, centered: Bool) -> Tensor {
        let (n, w) = rows
        precondition(weight.count == w && (bias?.count ?? w) == w,
                     "norm: weight \(weight.shape) / bias \(bias?.shape ?? []) do not match the last axis of \(shape)")
        let out = Tensor(uninitialized: shape)
        let xhat = Tensor(uninitialized: shape)  // kept for the backward
        var rstd = [Float](repeating: 0, count: n)
        let x = pointer, y = out.pointer, xh = xhat.pointer, wp = weight.pointer, bp = bias?.pointer
        rstd.withUnsafeMutableBufferPointer { rs in
            let rsp = rs.baseAddress!
            Parallel.chunks(n, grain: Swift.max(1, 8192 / Swift.max(w, 1))) { r in
                for i in r {
                    let xi = x + i * w, xhi = xh + i * w, yi = y + i * w
                    let mean = centered ? Kernels.sum(xi, w) / Float(w) : 0
                    for j in 0..<w { xhi[j] = xi[j] - mean }
                    let ss = Kernels.dot(xhi, xhi, w)  // 16 lanes of partial sums: a plain loop would not vectorize
                    let rr = 1 / (ss / Float(w) + eps).squareRoot()
                    rsp[i] = rr
                    for j in 0..<w { xhi[j] *= rr }
                    if let bp { for j in 0..<w { yi[j] = xhi[j] * wp[j] + bp[j] } }
                    else { for j in 0..<w { yi[j] = xhi[j] * wp[j] } }
                }
            }
        }
        let inputs = [self, weight] + (bias.map { [$0] } ?? [])
        return Tensor.record(out, inputs: inputs) { [self, xhat] g in
            let gp = g.pointer, xh = xhat.pointer
            if requiresGrad {
                let gx = Tensor(uninitialized: shape)
                let d = gx.pointer
                rstd.withUnsafeBufferPointer { rs in
                    let rsp = rs.baseAddress!
                    Parallel.chunks(n, grain: Swift.max(1, 8192 / Swift.max(w, 1))) { r in
                        for i in r {
                            let gi = gp + i * w, xhi = xh + i * w, di = d + i * w
                            for j in 0..<w { di[j] = gi[j] * wp[j] }  // dŷ, in the output row until the last pass
                            let meanDy = centered ? Kernels.sum(di, w) / Float(w) : 0
                            let meanDyX = Kernels.dot(di, xhi, w) / Float(w)
                            for j in 0..<w { di[j] = rsp[i] * (di[j] - meanDy - xhi[j] * meanDyX) }
                        }
                    }
                }
                accumulateGrad(gx, owned: true)
            }
            // dw = Σ_rows g⊙x̂, db = Σ_rows g, in one pass split over the columns (every row adds into the same
            // vector, so each thread takes its own columns and sums them in row order).
            if weight.requiresGrad || bias?.requiresGrad == true {
                let gw = Tensor(zeros: weight.shape), gb = Tensor(zeros: weight.shape)
                let gwp = gw.pointer, gbp = gb.pointer
                Parallel.chunks(w, grain: Swift.max(16, (1 << 15) / Swift.max(n, 1))) { c in
                    for i in 0..<n {
                        let gi = gp + i * w, xhi = xh + i * w
                        for j in c { gwp[j] += gi[j] * xhi[j]; gbp[j] += gi[j] }
                    }
                }
                weight.accumulateGrad(gw, owned: true)
                if let bias { bias.accumulateGrad(gb, owned: true) }
            }
        }
    }
}
