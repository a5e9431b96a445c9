// Matrix products through OpenBLAS's cblas_sgemm — by far the most time of training and inference is spent here.
// C = op(A)·op(B), where op(X) is X or its transpose; a transpose is a BLAS flag, never a copy.
// Shapes: A (…, M, K), B (…, K, N) → C (…, M, N). The batch axes (…) are equal, or one side is a plain matrix
// that every batch shares (a linear layer: x (B, T, C) · W).
import COpenBLAS

extension Tensor {
    public func matmul(_ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        let a = self
        let out = Tensor.matmulKernel(a, b, transposeA, transposeB)
        return Tensor.record(out, inputs: [a, b]) { g in
            // dA = G·op(B)ᵀ (or op(B)·Gᵀ when A is transposed); dB = op(A)ᵀ·G (or Gᵀ·op(A) when B is transposed).
            if a.requiresGrad {
                let ga = transposeA ? Tensor.matmulKernel(b, g, transposeB, true) : Tensor.matmulKernel(g, b, false, !transposeB)
                a.accumulateGrad(ga.sumToShape(a.shape))
            }
            if b.requiresGrad {
                if b.rank == 2 && a.rank > 2 && !transposeA {
                    // Shared weight: fold the batch into rows so one product sums over it.
                    let a2 = a.flattenedToMatrix(), g2 = g.flattenedToMatrix()
                    b.accumulateGrad(transposeB ? Tensor.matmulKernel(g2, a2, true, false) : Tensor.matmulKernel(a2, g2, true, false))
                } else {
                    let gb = transposeB ? Tensor.matmulKernel(g, a, true, transposeA) : Tensor.matmulKernel(a, g, !transposeA, false)
                    b.accumulateGrad(gb.sumToShape(b.shape))
                }
            }
        }
    }

    /// The tensor seen as a matrix (rows, last extent), sharing storage.
    func flattenedToMatrix() -> Tensor {
        Tensor(shape: [count / shape[rank - 1], shape[rank - 1]], storage: storage)
    }

    static func matmulKernel(_ a: Tensor, _ b: Tensor, _ tA: Bool, _ tB: Bool) -> Tensor {
        precondition(a.rank >= 2 && b.rank >= 2, "matmul: needs matrices, got \(a.shape) and \(b.shape)")
        let (m, ka) = tA ? (a.shape[a.rank - 1], a.shape[a.rank - 2]) : (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (kb, n) = tB ? (b.shape[b.rank - 1], b.shape[b.rank - 2]) : (b.shape[b.rank - 2], b.shape[b.rank - 1])
        precondition(ka == kb, "matmul: inner extents differ: \(a.shape)\(tA ? "ᵀ" : "") · \(b.shape)\(tB ? "ᵀ" : "")")
        let aBatch = Array(a.shape.dropLast(2)), bBatch = Array(b.shape.dropLast(2))
        precondition(aBatch == bBatch || aBatch.isEmpty || bBatch.isEmpty,
                     "matmul: batch shapes \(aBatch) and \(bBatch) must match (or one side be a matrix)")
        let batchShape = aBatch.isEmpty ? bBatch : aBatch
        // sgemm with β = 0 overwrites C, so it needs no zeroing unless the inner extent is empty.
        let out = ka == 0 ? Tensor(zeros: batchShape + [m, n]) : Tensor(uninitialized: batchShape + [m, n])
        let batches = Tensor.elementCount(batchShape)
        if bBatch.isEmpty && !tA {
            // (batch·M, K)·op(B): one product for the whole batch.
            sgemm(a.pointer, b.pointer, out.pointer, m: batches * m, n: n, k: ka, tA: false, tB: tB)
        } else {
            let strideA = aBatch.isEmpty ? 0 : m * ka, strideB = bBatch.isEmpty ? 0 : ka * n
            for i in 0..<batches {
                sgemm(a.pointer + i * strideA, b.pointer + i * strideB, out.pointer + i * m * n,
                      m: m, n: n, k: ka, tA: tA, tB: tB)
            }
        }
        return out
    }

    /// C (m×n) = op(A)·op(B), row-major; A is m×k (stored k×m when transposed), B is k×n (stored n×k).
    @inline(__always)
    static func sgemm(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                      m: Int, n: Int, k: Int, tA: Bool, tB: Bool, beta: Float = 0) {
        guard m > 0 && n > 0 else { return }
        cblas_sgemm(CblasRowMajor, tA ? CblasTrans : CblasNoTrans, tB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(tA ? m : k), b, Int32(tB ? k : n),
                    beta, c, Int32(n))
    }
}
