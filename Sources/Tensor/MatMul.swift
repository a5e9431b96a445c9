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
                a.accumulateGrad(ga.sumToShape(a.shape), owned: true)
            }
            if b.requiresGrad {
                if b.rank == 2 && a.rank > 2 && !transposeA {
                    // Shared weight: fold the batch into rows so one product sums over it.
                    let a2 = a.flattenedToMatrix(), g2 = g.flattenedToMatrix()
                    b.accumulateGrad(transposeB ? Tensor.matmulKernel(g2, a2, true, false) : Tensor.matmulKernel(a2, g2, true, false), owned: true)
                } else {
                    let gb = transposeB ? Tensor.matmulKernel(g, a, true, transposeA) : Tensor.matmulKernel(a, g, !transposeA, false)
                    b.accumulateGrad(gb.sumToShape(b.shape), owned: true)
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
        let pa = a.pointer, pb = b.pointer, pc = out.pointer
        let lda = tA ? m : ka, ldb = tB ? ka : n
        if bBatch.isEmpty && !tA {
            // (batch·M, K)·op(B): one product for the whole batch.
            product(pa, pb, pc, m: batches * m, n: n, k: ka, tA: false, tB: tB, lda: lda, ldb: ldb)
        } else if batches == 1 {
            product(pa, pb, pc, m: m, n: n, k: ka, tA: tA, tB: tB, lda: lda, ldb: ldb)
        } else {
            // Independent products (attention heads): one per task.
            let strideA = aBatch.isEmpty ? 0 : m * ka, strideB = bBatch.isEmpty ? 0 : ka * n
            Parallel.chunks(batches, grain: Swift.max(1, (1 << 16) / Swift.max(1, m * n * ka / 64))) { r in
                for i in r {
                    sgemm(pa + i * strideA, pb + i * strideB, pc + i * m * n, m: m, n: n, k: ka,
                          tA: tA, tB: tB, lda: lda, ldb: ldb, ldc: n)
                }
            }
        }
        return out
    }

    /// One product C (m×n, row-major) = op(A)·op(B), plus `bias` (n) in every row when given, split over the
    /// threads. Each thread packs (copies into BLAS's blocked layout) its own part of one operand and all of the
    /// other, so split the way that copies least: rows of C duplicate op(B) (k×n), columns of C duplicate op(A)
    /// (m×k), and slices of the inner extent k duplicate nothing but leave partial products (m×n) to add up.
    /// E.g. the output head (2048×128·128×4096) splits its 4096 columns, a weight gradient (128×2048·2048×128)
    /// its 2048 inner rows.
    static func product(_ pa: UnsafePointer<Float>, _ pb: UnsafePointer<Float>, _ pc: UnsafeMutablePointer<Float>,
                        m: Int, n: Int, k: Int, tA: Bool, tB: Bool, lda: Int, ldb: Int,
                        bias: UnsafePointer<Float>? = nil) {
        // With a bias, C starts as the bias and sgemm adds the product to it (β = 1): no extra pass over C.
        let beta: Float = bias == nil ? 0 : 1
        let innerParts = Swift.min(Parallel.threads, k / Swift.max(1, (1 << 20) / Swift.max(1, m * n)))
        if innerParts > 1 && m * n < k * Swift.min(m, n) {
            let step = (k + innerParts - 1) / innerParts
            let partials = UnsafeMutablePointer<Float>.allocate(capacity: (innerParts - 1) * m * n)
            defer { partials.deallocate() }
            Parallel.chunks(innerParts, grain: 1) { parts in
                for part in parts {
                    let k0 = part * step, c = part == 0 ? pc : partials + (part - 1) * m * n
                    if part == 0, let bias { for i in 0..<m { (c + i * n).update(from: bias, count: n) } }
                    sgemm(pa + (tA ? k0 * lda : k0), pb + (tB ? k0 : k0 * ldb), c, m: m, n: n, k: Swift.min(k, k0 + step) - k0,
                          tA: tA, tB: tB, lda: lda, ldb: ldb, ldc: n, beta: part == 0 ? beta : 0)
                }
            }
            Parallel.chunks(m * n) { r in
                for part in 1..<innerParts {
                    let p = partials + (part - 1) * m * n
                    for i in r { pc[i] += p[i] }
                }
            }
        } else if n > m {
            Parallel.chunks(n, grain: rowGrain(n: m, k: k)) { c in
                if let bias { for i in 0..<m { (pc + i * n + c.lowerBound).update(from: bias + c.lowerBound, count: c.count) } }
                sgemm(pa, pb + (tB ? c.lowerBound * ldb : c.lowerBound), pc + c.lowerBound, m: m, n: c.count, k: k,
                      tA: tA, tB: tB, lda: lda, ldb: ldb, ldc: n, beta: beta)
            }
        } else {
            Parallel.chunks(m, grain: rowGrain(n: n, k: k)) { r in
                if let bias { for i in r { (pc + i * n).update(from: bias, count: n) } }
                sgemm(pa + (tA ? r.lowerBound : r.lowerBound * lda), pb, pc + r.lowerBound * n, m: r.count, n: n, k: k,
                      tA: tA, tB: tB, lda: lda, ldb: ldb, ldc: n, beta: beta)
            }
        }
    }

    /// Rows of C per task so that each task does at least ~2 MFLOP (below that a hand-off costs more).
    static func rowGrain(n: Int, k: Int) -> Int { Swift.max(1, (1 << 20) / Swift.max(1, n * k)) }

    /// C (m×n) = op(A)·op(B), row-major, with explicit leading dimensions (so a block of rows can be multiplied).
    /// lmlab splits products over its own threads and runs OpenBLAS single-threaded (see `Parallel.setThreads`).
    @inline(__always)
    static func sgemm(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                      m: Int, n: Int, k: Int, tA: Bool, tB: Bool, lda: Int, ldb: Int, ldc: Int, beta: Float = 0) {
        guard m > 0 && n > 0 && k > 0 else { return }  // k = 0: C is already zero (or the bias)
        cblas_sgemm(CblasRowMajor, tA ? CblasTrans : CblasNoTrans, tB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
