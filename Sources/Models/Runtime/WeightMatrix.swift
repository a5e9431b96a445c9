// WeightMatrix: one (out, in) weight matrix of the inference runtime, either still in a GGUF file's quantized blocks
// (a view into the mmap, nothing copied) or float32 values (our own trained models). Both offer the two products a
// decoder needs:
//   matVec — y = W·x for one token. Generation is this product, over every matrix, once per token: by far the most
//            time of decoding, so quantized weights use the block kernels of Tensor/Kernels/MatVec.swift directly.
//   matMul — Y = X·Wᵀ for a whole prompt at once. Here the weights are dequantized a tile of rows at a time into a
//            small buffer and multiplied with sgemm, so each weight byte is decoded once per prompt instead of once
//            per token: prompt processing runs at matrix–matrix (BLAS) speed.
import COpenBLAS
import GGUF
import Tensor

public enum WeightMatrix: @unchecked Sendable {
    // @unchecked: both cases are read-only after loading.

    /// Blocks of a GGUF tensor of ggml shape [cols, rows]; the tensor keeps the file mapping alive.
    case quantized(GGUFTensor)
    /// Row-major (rows, cols) float32 values.
    case float32(values: [Float], rows: Int, cols: Int)

    /// Output features.
    public var rows: Int {
        switch self {
        case .quantized(let t): return t.rows
        case .float32(_, let rows, _): return rows
        }
    }

    /// Input features.
    public var cols: Int {
        switch self {
        case .quantized(let t): return t.columns
        case .float32(_, _, let cols): return cols
        }
    }

    /// Rows dequantized per tile in `matMul`: about 576 KiB of floats (256 rows of SmolLM2's 576 columns, 96 of
    /// its MLP's 1536), within 64…256 rows. Each sgemm call re-packs X, so tiles must not be too thin; each thread
    /// holds one tile, so they must not be too large either (a fixed 256 rows made 1.5 MiB per thread of the peak
    /// memory). Threads get at least `minimumRowsPerThread` rows.
    static func tileRows(cols: Int) -> Int { Swift.min(256, Swift.max(64, 147_456 / Swift.max(cols, 1))) }
    static let minimumRowsPerThread = 64

    /// Row `r` as float32 into `out` (`cols` floats): the token-embedding lookup.
    public func row(_ r: Int, into out: UnsafeMutablePointer<Float>) throws {
        switch self {
        case .quantized(let t):
            try t.dequantizeRow(r, into: UnsafeMutableBufferPointer(start: out, count: t.columns))
        case .float32(let values, _, let cols):
            values.withUnsafeBufferPointer { out.update(from: $0.baseAddress! + r * cols, count: cols) }
        }
    }

    /// y (rows) = W · x (cols), rows spread over the threads; with `batch` > 1, x is (batch, cols) and y
    /// (batch, rows), each vector's result exactly what it gets alone. `activations` picks float or 8-bit
    /// activations for quantized weights (RuntimeOptions.activations).
    public func matVec(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int = 1,
                       activations: ActivationPrecision = .float, kernels: KernelSet = .best) throws {
        try WeightMatrix.matVec([self], x, [y], batch: batch, activations: activations, kernels: kernels)
    }

    /// y_i = W_i · x for matrices that multiply the same x (a layer's q, k, v; gate and up), for each of `batch`
    /// vectors. Quantized ones run as one parallel loop over all their rows (Tensor's batched matVec: each row
    /// read once for the whole batch); anything else, one matrix and one vector after the other.
    public static func matVec(_ ws: [WeightMatrix], _ x: UnsafePointer<Float>, _ ys: [UnsafeMutablePointer<Float>],
                              batch: Int = 1, activations: ActivationPrecision = .float,
                              kernels: KernelSet = .best) throws {
        let tensors = ws.compactMap { w -> GGUFTensor? in if case .quantized(let t) = w { return t } else { return nil } }
        if tensors.count == ws.count, let cols = tensors.first?.columns {
            let outputs = zip(tensors, ys).map { UnsafeMutableBufferPointer(start: $1, count: batch * $0.rows) }
            // The block kernels spread rows over all cores; `--threads 1` keeps them on one. (`Tensor::` names
            // the module's function: plain `matVec` is the method above, `Tensor.` the type Tensor.)
            if Tensor::matVec(tensors.map(\.matrix), batch: UnsafeBufferPointer(start: x, count: batch * cols), outputs,
                              parallel: Parallel.threads > 1, activations: activations, kernels: kernels) { return }
        }
        guard ws.count == 1 else {  // one matrix at a time: those with a kernel still use it
            for (w, y) in zip(ws, ys) { try matVec([w], x, [y], batch: batch, activations: activations, kernels: kernels) }
            return
        }
        for b in 0..<batch { try ws[0].vectorProduct(x + b * ws[0].cols, ys[0] + b * ws[0].rows) }
    }

    /// y = W · x for one vector without a block kernel: float32 weights one dot product per row; a quantized type
    /// without kernel (e.g. Q2_K) through the tiled dequantize-and-sgemm path, one row of X.
    private func vectorProduct(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) throws {
        switch self {
        case .quantized: try matMul(x, y, tokens: 1)
        case .float32(let values, let rows, let cols):
            values.withUnsafeBufferPointer { w in
                let wp = w.baseAddress!
                Parallel.chunks(rows, grain: Swift.max(1, 16384 / Swift.max(cols, 1))) { range in
                    for r in range { y[r] = Kernels.dot(wp + r * cols, x, cols) }
                }
            }
        }
    }

    /// Y (tokens, rows) = X (tokens, cols) · Wᵀ. The rows of W are split over the threads; each thread multiplies
    /// X by one tile of rows at a time (dequantized into its own buffer for quantized weights).
    public func matMul(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, tokens: Int) throws {
        let (rows, cols) = (self.rows, self.cols)
        switch self {
        case .float32(let values, _, _):
            values.withUnsafeBufferPointer { w in
                let wp = w.baseAddress!
                Parallel.chunks(rows, grain: Self.minimumRowsPerThread) { range in
                    Self.sgemmTile(x, wp + range.lowerBound * cols, y + range.lowerBound,
                                   tokens: tokens, tileRows: range.count, cols: cols, ldy: rows)
                }
            }
        case .quantized(let t):
            guard GGMLType.dequantizable.contains(t.type) else {
                throw GGUFError.unsupportedTensorType(file: t.file, tensor: t.name, type: "\(t.type) (cannot dequantize)")
            }
            let tileRows = Self.tileRows(cols: cols)
            Parallel.chunks(rows, grain: Self.minimumRowsPerThread) { range in
                var tile = [Float](repeating: 0, count: tileRows * cols)
                tile.withUnsafeMutableBufferPointer { buffer in
                    for start in stride(from: range.lowerBound, to: range.upperBound, by: tileRows) {
                        let n = Swift.min(tileRows, range.upperBound - start)
                        let bytes = UnsafeRawBufferPointer(rebasing: t.data[(start * t.rowBytes)..<((start + n) * t.rowBytes)])
                        // The type was checked above, so this cannot throw.
                        try? dequantize(t.type, bytes, into: UnsafeMutableBufferPointer(rebasing: buffer[0..<(n * cols)]))
                        Self.sgemmTile(x, buffer.baseAddress!, y + start, tokens: tokens, tileRows: n, cols: cols, ldy: rows)
                    }
                }
            }
        }
    }

    /// Y[:, tile] = X · Tileᵀ with X (tokens, cols), Tile (tileRows, cols), Y's rows `ldy` apart.
    /// OpenBLAS runs single-threaded (see `Parallel`); the callers split the work.
    @inline(__always)
    static func sgemmTile(_ x: UnsafePointer<Float>, _ tile: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                          tokens: Int, tileRows: Int, cols: Int, ldy: Int) {
        guard tokens > 0, tileRows > 0 else { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(tokens), Int32(tileRows), Int32(cols),
                    1, x, Int32(cols), tile, Int32(cols), 0, y, Int32(ldy))
    }
}
