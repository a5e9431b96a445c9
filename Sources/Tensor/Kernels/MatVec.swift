// MatVec: y = W·x with W still in its ggml blocks — the operation that takes nearly all of a decoder's time, since
// every generated token multiplies each weight matrix by one activation vector.
//
// Two implementations sit side by side:
//   matVecReference — dequantize each row into floats, then a plain dot product. Obviously right, and slow.
//   matVec          — dot products computed straight from the packed blocks with SIMD (MatVecKernels.swift),
//                     rows spread over all cores (Parallel.forEachChunk). Tested against the reference
//                     (MatVecTests.swift).
// Each comes in two modes (ActivationPrecision): float activations, and activations rounded to 8-bit blocks
// (QuantizedActivations) multiplied on integers (MatVecKernelsQ8.swift), llama.cpp's CPU path; its reference
// dots the dequantized rows with the same rounded activations.
// W is `rows × cols`, row-major, each row `cols / blockSize` blocks: a GGUF tensor of shape [cols, rows].

import Foundation

/// Shape of a weight matrix stored as ggml blocks.
public struct BlockMatrix: @unchecked Sendable {
    // @unchecked: `data` is read-only memory that outlives the matrix (a file mapping or a caller's buffer).

    public let type: GGMLType
    public let rows: Int
    /// Elements per row; a multiple of `type.blockSize`.
    public let cols: Int
    /// rows × (cols / blockSize) × typeSize bytes.
    public let data: UnsafeRawBufferPointer

    public init(type: GGMLType, rows: Int, cols: Int, data: UnsafeRawBufferPointer) {
        precondition(cols % type.blockSize == 0, "\(type): cols \(cols) is not a multiple of \(type.blockSize)")
        precondition(data.count == rows * (cols / type.blockSize) * type.typeSize,
                     "\(type) \(rows)×\(cols): expected \(rows * (cols / type.blockSize) * type.typeSize) bytes, got \(data.count)")
        self.type = type
        self.rows = rows
        self.cols = cols
        self.data = data
    }

    public var rowBytes: Int { cols / type.blockSize * type.typeSize }

    func row(_ r: Int) -> UnsafeRawPointer { data.baseAddress! + r * rowBytes }  // non-nil: rows > 0 when called
}

/// Below this many multiply–adds a matrix stays on one thread: waking a second core costs a few microseconds,
/// more than a 64-row × 576-column product takes.
let parallelThreshold = 1 << 16

/// The types `matVec` has fast kernels for (MatVecKernelTable).
public let matVecTypes: [GGMLType] = GGMLType.all.filter { MatVecKernelTable.kernels(for: $0) != nil }

/// y = W·x computed on the packed blocks. `x` has `cols` elements, `y` `rows`. Rows are spread over all cores
/// unless `parallel` is false or the matrix is small. With `activations: .q8` x is first rounded to 8-bit blocks
/// (QuantizedActivations) and the integer kernels run (MatVecKernelsQ8, or their AVX2 twins in CKernels), for the
/// types that have one (others, and F32/F16 weights, keep the float kernels). Returns false (leaving y untouched) if
/// there is no kernel for `w.type` (a file format turns that into its own error, e.g. `GGUFTensor.matVec`).
@discardableResult
public func matVec(_ w: BlockMatrix, _ x: UnsafeBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>,
                   parallel: Bool = true, activations: ActivationPrecision = .float) -> Bool {
    matVec([w], batch: x, [y], parallel: parallel, activations: activations)
}

/// y_i = W_i·x for matrices that all multiply the same x — a layer's q, k and v, or gate and up: x is prepared once
/// (its sums, or its 8-bit blocks) and the rows of all of them form one parallel loop, so the threads meet once
/// instead of once per matrix. Returns false (computing nothing) if some `W_i.type` has no kernel.
@discardableResult
public func matVec(_ ws: [BlockMatrix], _ x: UnsafeBufferPointer<Float>, _ ys: [UnsafeMutableBufferPointer<Float>],
                   parallel: Bool = true, activations: ActivationPrecision = .float) -> Bool {
    matVec(ws, batch: x, ys, parallel: parallel, activations: activations)
}

/// Y_i = X·W_iᵀ for a batch of vectors: X is (B, cols), row-major, each Y_i (B, rows_i) — B sequences decoded in one
/// step. Each weight row is read from memory once for all B vectors (a group of rows stays in cache while every
/// vector passes over it), and vector b's results are bit-identical to `matVec` on that vector alone: every row
/// runs the same kernel on the same inputs, whatever B is. With B = 1 this is the product above.
/// `kernels` picks the kernel set (default: the fastest this CPU runs).
@discardableResult
public func matVec(_ ws: [BlockMatrix], batch x: UnsafeBufferPointer<Float>, _ ys: [UnsafeMutableBufferPointer<Float>],
                   parallel: Bool = true, activations: ActivationPrecision = .float, kernels set: KernelSet = .best) -> Bool {
    precondition(ws.count == ys.count, "matVec: \(ws.count) matrices, \(ys.count) outputs")
    guard let cols = ws.first?.cols, cols > 0, let xp = x.baseAddress else { return true }
    let batch = x.count / cols
    for (w, y) in zip(ws, ys) {
        precondition(w.cols == cols && x.count == batch * cols && y.count == batch * w.rows,
                     "matVec: W is \(w.rows)×\(w.cols), x has \(x.count), y \(y.count)")
    }
    let tables = ws.map { MatVecKernelTable.kernels(for: $0.type, set: set) }
    guard tables.allSatisfy({ $0 != nil }) else { return false }
    if activations == .q8, cols % QuantizedActivations.blockSize == 0, tables.allSatisfy({ $0?.q8 != nil }) {
        return matVec(ws, QuantizedActivations(x, columns: cols, parallel: parallel), ys, parallel: parallel, kernels: set)
    }
    // Σx over each group of 32 of each vector: the minimum/offset terms of Q4_0, Q4_1 and Q4_K only need these.
    let groups = (cols + 31) / 32
    var sums32 = [Float](repeating: 0, count: batch * groups)
    for b in 0..<batch {
        for g in 0..<groups {
            var s: Float = 0
            for i in (32 * g)..<min(32 * g + 32, cols) { s += xp[b * cols + i] }
            sums32[b * groups + g] = s
        }
    }
    sums32.withUnsafeBufferPointer { s in
        let sp = s.baseAddress!
        let jobs = zip(zip(ws, ys), tables).map { wy, table in
            let (w, yp, kernel) = (wy.0, wy.1.baseAddress!, table!.float)
            var job = RowJob(w: w, batch: batch) { r in
                for b in 0..<batch { yp[b * w.rows + r] = kernel(w.row(r), xp + b * cols, sp + b * groups, cols) }
            }
            if let all = table!.floatRows4Batch {
                job.dot4 = { r in all(w.row(r), w.rowBytes, xp, sp, cols, batch, yp + r, w.rows) }
            } else if let fourRows = table!.floatRows4 {
                job.dot4 = { r in
                    for b in 0..<batch { fourRows(w.row(r), w.rowBytes, xp + b * cols, sp + b * groups, cols, yp + b * w.rows + r) }
                }
            }
            return job
        }
        RowJob.run(jobs, parallel: parallel)
    }
    return true
}

/// y = W·x̂ with x̂ already quantized (`x.columns == w.cols`), for a vector that several matrices multiply. Returns
/// false if `w.type` has no integer kernel.
@discardableResult
public func matVec(_ w: BlockMatrix, _ x: QuantizedActivations, _ y: UnsafeMutableBufferPointer<Float>,
                   parallel: Bool = true) -> Bool {
    matVec([w], x, [y], parallel: parallel)
}

/// y_i = W_i·x̂ for several matrices (see the float version above); with x̂ holding several vectors, the batched
/// product (each y_i is (vectors, rows_i)).
@discardableResult
public func matVec(_ ws: [BlockMatrix], _ x: QuantizedActivations, _ ys: [UnsafeMutableBufferPointer<Float>],
                   parallel: Bool = true) -> Bool {
    matVec(ws, x, ys, parallel: parallel, kernels: .best)
}

func matVec(_ ws: [BlockMatrix], _ x: QuantizedActivations, _ ys: [UnsafeMutableBufferPointer<Float>],
            parallel: Bool, kernels set: KernelSet) -> Bool {
    precondition(ws.count == ys.count, "matVec: \(ws.count) matrices, \(ys.count) outputs")
    let (cols, batch) = (x.columns, x.vectors)
    for (w, y) in zip(ws, ys) {
        precondition(cols == w.cols && y.count == batch * w.rows, "matVec: W is \(w.rows)×\(w.cols), x has \(batch)×\(cols), y \(y.count)")
    }
    let tables = ws.map { MatVecKernelTable.kernels(for: $0.type, set: set) }
    guard tables.allSatisfy({ $0?.q8 != nil }) else { return false }
    guard cols > 0 else { return true }
    let blocks = cols / QuantizedActivations.blockSize
    x.values.withUnsafeBufferPointer { q in
        x.scales.withUnsafeBufferPointer { d in
            x.sums.withUnsafeBufferPointer { s in
                let (qp, dp, sp) = (q.baseAddress!, d.baseAddress!, s.baseAddress!)
                let jobs = zip(zip(ws, ys), tables).map { wy, table in
                    let (w, yp, kernel) = (wy.0, wy.1.baseAddress!, table!.q8!)
                    var job = RowJob(w: w, batch: batch) { r in
                        for b in 0..<batch { yp[b * w.rows + r] = kernel(w.row(r), qp + b * cols, dp + b * blocks, sp + b * blocks, cols) }
                    }
                    if let all = table!.q8Rows8Batch, batch >= table!.q8Rows8MinimumBatch {
                        job.dot8 = { r in all(w.row(r), w.rowBytes, qp, dp, sp, cols, batch, yp + r, w.rows) }
                    }
                    if let all = table!.q8Rows4Batch {
                        job.dot4 = { r in all(w.row(r), w.rowBytes, qp, dp, sp, cols, batch, yp + r, w.rows) }
                    } else if let fourRows = table!.q8Rows4 {
                        job.dot4 = { r in
                            for b in 0..<batch {
                                fourRows(w.row(r), w.rowBytes, qp + b * cols, dp + b * blocks, sp + b * blocks, cols, yp + b * w.rows + r)
                            }
                        }
                    }
                    return job
                }
                RowJob.run(jobs, parallel: parallel)
            }
        }
    }
    return true
}

/// One matVec over `batch` vectors: y_b[r] = dot(row r, x_b). The threads share it read-only; each writes only its
/// own rows of every y_b.
private struct RowJob: @unchecked Sendable {
    let w: BlockMatrix
    let batch: Int
    /// Row r against every vector, into y_b[r].
    let dot: (_ row: Int) -> Void
    /// Rows r…r+3 against every vector, where the type has a four-row kernel.
    var dot4: ((_ row: Int) -> Void)? = nil
    /// Rows r…r+7 against every vector, where the type has an eight-row kernel.
    var dot8: ((_ row: Int) -> Void)? = nil

    init(w: BlockMatrix, batch: Int, dot: @escaping (_ row: Int) -> Void) {
        self.w = w; self.batch = batch; self.dot = dot
    }

    /// Rows per group: the widest kernel's.
    var groupRows: Int { dot8 != nil ? 8 : 4 }
    /// Groups of `groupRows` (the last one possibly short).
    var groups: Int { (w.rows + groupRows - 1) / groupRows }

    /// Rows in groups of eight or four, every vector passing over a group while its weights are in cache (chunks
    /// are cut at multiples of `groupRows`; the leftover rows of the last group take the narrower kernels). A type's
    /// one-, four- and eight-row kernels give a row the same bits, so neither the batch nor the thread split changes
    /// a result.
    func run(_ rows: Range<Int>) {
        var r = rows.lowerBound
        if let dot8 {
            while r + 8 <= rows.upperBound {
                dot8(r)
                r += 8
            }
        }
        if let dot4 {
            while r + 4 <= rows.upperBound {
                dot4(r)
                r += 4
            }
        }
        while r < rows.upperBound {
            dot(r)
            r += 1
        }
    }

    /// Runs every job's rows, spread over the threads as one loop unless the total is small. The loop's chunks
    /// are equal slices of all groups laid end to end (several per thread, so a thread that got a slow start can
    /// catch up), so the multi-row kernels see whole groups.
    static func run(_ jobs: [RowJob], parallel: Bool) {
        let work = jobs.reduce(0) { $0 + $1.w.rows * $1.w.cols * $1.batch }
        let groups = jobs.reduce(0) { $0 + $1.groups }
        if !parallel || work < parallelThreshold || groups < 2 || Parallel.threads < 2 {
            for job in jobs { job.run(0..<job.w.rows) }
            return
        }
        // Group g of the concatenation is group g − starts[j] of job j.
        var starts = [0]
        for job in jobs { starts.append(starts.last! + job.groups) }
        let chunks = max(1, min(groups, 4 * Parallel.threads))
        Parallel.forEachChunk(chunks) { c in
            let (lo, hi) = (c * groups / chunks, (c + 1) * groups / chunks)
            for (j, job) in jobs.enumerated() where starts[j] < hi && lo < starts[j + 1] {
                let g = job.groupRows
                let first = g * (max(lo, starts[j]) - starts[j])
                let last = min(job.w.rows, g * (min(hi, starts[j + 1]) - starts[j]))
                job.run(first..<last)
            }
        }
    }
}

/// The reference: each row dequantized to floats, then dotted with x left to right. Single-threaded.
public func matVecReference(_ w: BlockMatrix, _ x: UnsafeBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>)
    throws(QuantizationError)
{
    precondition(x.count == w.cols && y.count == w.rows, "matVecReference: W is \(w.rows)×\(w.cols), x has \(x.count), y \(y.count)")
    var row = [Float](repeating: 0, count: w.cols)
    for r in 0..<w.rows {
        try row.withUnsafeMutableBufferPointer { (buffer: inout UnsafeMutableBufferPointer<Float>) throws(QuantizationError) in
            try dequantize(w.type, UnsafeRawBufferPointer(rebasing: w.data[(r * w.rowBytes)..<((r + 1) * w.rowBytes)]),
                           into: buffer)
        }
        var dot: Float = 0
        for i in 0..<w.cols { dot += row[i] * x[i] }
        y[r] = dot
    }
}

/// The reference of the q8 mode: each row dequantized to floats, dotted left to right with x̂ = d·q, the values
/// the quantized activations stand for. Single-threaded.
public func matVecReference(_ w: BlockMatrix, _ x: QuantizedActivations, _ y: UnsafeMutableBufferPointer<Float>)
    throws(QuantizationError)
{
    precondition(x.vectors == 1, "matVecReference: one quantized vector, got \(x.vectors)")
    let xhat = x.dequantized()
    try xhat.withUnsafeBufferPointer { (xb: UnsafeBufferPointer<Float>) throws(QuantizationError) in try matVecReference(w, xb, y) }
}
