// The non-linear 4-bit types' dot products — IQ4_NL (blocks of 32, one scale) and IQ4_XS (super-blocks of 256, a
// 6-bit scale per 32) — with float activations (MatVecKernels) and 8-bit activations (MatVecKernelsQ8, the reference
// of the AVX2 kernels in CKernels, which look the 16 grid values up with one vpshufb). A code stands for a value of
// DequantizeIQuants.grid, so per block
//     IQ4_NL   d·Σ grid(code_i)·x_i          IQ4_XS   per sub-block j: d·(ls_j − 32)·Σ grid(code_i)·x_i
// Layouts: DequantizeIQuants.swift.

extension MatVecKernels {
    /// The grid as 16 floats in memory that lives as long as the process (read-only after it is made): a lookup
    /// is one load, where indexing a SIMD vector by a variable spills it first.
    nonisolated(unsafe) static let gridValues: UnsafePointer<Float> = {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: 16)
        for (i, g) in DequantizeIQuants.grid.enumerated() { p[i] = Float(g) }
        return UnsafePointer(p)
    }()

    /// The 16 bytes at `offset` as the grid values of 32 codes: low nibbles (elements 0…15), high (16…31).
    @inline(__always)
    static func gridPair(_ p: UnsafeRawPointer, _ offset: Int, _ grid: UnsafePointer<Float>) -> (low: V, high: V) {
        // Scalar lookups into a small buffer, then two vector loads: assigning the lanes of a SIMD value one by one
        // compiles to a spill and reload of the whole vector per lane.
        let bytes = p.advanced(by: offset).assumingMemoryBound(to: UInt8.self)
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: 32) { buffer in
            let values = buffer.baseAddress!
            for i in 0..<16 {
                values[i] = grid[Int(bytes[i] & 0x0F)]
                values[i + 16] = grid[Int(bytes[i] >> 4)]
            }
            return (UnsafeRawPointer(values).loadUnaligned(as: V.self), UnsafeRawPointer(values + 16).loadUnaligned(as: V.self))
        }
    }

    static func iq4_nl(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _: UnsafePointer<Float>, _ n: Int) -> Float {
        oneRow(w, n / 32, 18, iq4_nlBlock(x))
    }
    static func iq4_xs(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _: UnsafePointer<Float>, _ n: Int) -> Float {
        oneRow(w, n / 256, 136, iq4_xsBlock(x))
    }
    static func iq4_nlRows4(_ w: UnsafeRawPointer, _ stride: Int, _ x: UnsafePointer<Float>, _: UnsafePointer<Float>,
                            _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        fourRows(w, stride, n / 32, 18, y, iq4_nlBlock(x))
    }
    static func iq4_xsRows4(_ w: UnsafeRawPointer, _ stride: Int, _ x: UnsafePointer<Float>, _: UnsafePointer<Float>,
                            _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        fourRows(w, stride, n / 256, 136, y, iq4_xsBlock(x))
    }

    /// IQ4_NL, 18 bytes (d · qs[16]): d·Σ grid(code)·x.
    @inline(__always)
    static func iq4_nlBlock(_ x: UnsafePointer<Float>) -> BlockDot {
        let grid = gridValues
        return { block, b, acc, _ in
            let (low, high) = gridPair(block, 2, grid)
            acc = acc.addingProduct((low * x16(x, 32 * b)).addingProduct(high, x16(x, 32 * b + 16)), half(block, 0))
        }
    }

    /// IQ4_XS, 136 bytes (d · scales_h · scales_l[4] · qs[128]): per sub-block j, d·(ls_j − 32)·Σ grid(code)·x.
    @inline(__always)
    static func iq4_xsBlock(_ x: UnsafePointer<Float>) -> BlockDot {
        let grid = gridValues
        return { block, b, acc, _ in
            let d = half(block, 0)
            for j in 0..<8 {
                let (low, high) = gridPair(block, 8 + 16 * j, grid)
                let e = 256 * b + 32 * j
                acc = acc.addingProduct((low * x16(x, e)).addingProduct(high, x16(x, e + 16)),
                                        d * Float(DequantizeIQuants.iq4_xsScale(block, j) - 32))
            }
        }
    }
}

extension MatVecKernelsQ8 {
    /// Σ grid(code_i)·q_i over the 32 codes in the 16 bytes at `codes` (IQ4_NL's nibble order).
    @inline(__always)
    static func dotGrid(_ codes: UnsafeRawPointer, _ q: UnsafePointer<Int8>) -> Int32 {
        let n = codes.assumingMemoryBound(to: UInt8.self)
        var s: Int32 = 0
        DequantizeIQuants.grid.withUnsafeBufferPointer { grid in
            for i in 0..<16 {
                s &+= Int32(grid[Int(n[i] & 0x0F)]) &* Int32(q[i]) &+ Int32(grid[Int(n[i] >> 4)]) &* Int32(q[i + 16])
            }
        }
        return s
    }

    static func iq4_nl(_ w: UnsafeRawPointer, _ q: UnsafePointer<Int8>, _ d: UnsafePointer<Float>,
                       _: UnsafePointer<Float>, _ n: Int) -> Float {
        var sum: Float = 0
        for b in 0..<(n / 32) {
            let block = w + 18 * b
            sum += half(block, 0) * d[b] * Float(dotGrid(block + 2, q + 32 * b))
        }
        return sum
    }

    static func iq4_xs(_ w: UnsafeRawPointer, _ q: UnsafePointer<Int8>, _ d: UnsafePointer<Float>,
                       _: UnsafePointer<Float>, _ n: Int) -> Float {
        var sum: Float = 0
        for b in 0..<(n / 256) {
            let block = w + 136 * b
            let scale = half(block, 0)
            for j in 0..<8 {
                let dot = dotGrid(block + 8 + 16 * j, q + 256 * b + 32 * j)
                sum += scale * Float(DequantizeIQuants.iq4_xsScale(block, j) - 32) * d[8 * b + j] * Float(dot)
            }
        }
        return sum
    }
}
