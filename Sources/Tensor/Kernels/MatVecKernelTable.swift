// MatVecKernelTable: which matrix–vector kernels each weight type has — the one table the products consult.
// Every type with a float kernel (MatVecKernels) may also have integer kernels over 8-bit activations
// (MatVecKernelsQ8), and either may have a four-row variant that shares each load of x between four rows. On CPUs
// with AVX2 the 8-bit kernels are the C ones of CKernels (vpmaddubsw, which Swift cannot express); the Swift ones
// stay the reference the tests compare them with, and run everywhere else.
import CKernels

/// The instruction set a product's kernels are written for.
public enum KernelSet: String, Sendable, Codable, CaseIterable {
    /// Swift SIMD kernels, for every CPU.
    case portable
    /// The AVX2 C kernels (CKernels): the 8-bit-activation ones, and for the 32-element types float-activation ones
    /// that give the Swift kernels' results bit for bit.
    case avx2
    /// The AVX2 set with the eight-row kernels of Q4_0, Q4_1, Q8_0, IQ4_NL and (with AVX512_BITALG) Q5_0, and
    /// Q8_0's four-row one, on AVX-512 VNNI's vpdpbusd (MatVecQ8VNNI.c): the same bits, fewer instructions per
    /// multiply–add (Zen 4, Intel from Ice Lake).
    case avx512vnni

    /// The fastest set this CPU runs (asked once, at first use).
    public static let best: KernelSet =
        lmlab_cpu_has_avx512vnni() != 0 ? .avx512vnni : lmlab_cpu_has_avx2() != 0 ? .avx2 : .portable

    /// Whether this CPU can run the set.
    public var isAvailable: Bool {
        switch self {
        case .portable: true
        case .avx2: KernelSet.best != .portable
        case .avx512vnni: KernelSet.best == .avx512vnni
        }
    }

    /// Whether the CPU also has AVX512_BITALG, which the VNNI set's Q5_0 kernel needs.
    static let hasBitalg = lmlab_cpu_has_avx512bitalg() != 0

    /// Whether the set's kernels include the AVX2 C ones (every set but the portable one).
    public var hasAVX2: Bool { self != .portable }
}

/// The kernels of one weight type.
struct MatVecKernelTable {
    /// One row against float x (with Σx per 32 elements).
    var float: MatVecKernels.RowDot
    /// Four rows against float x, where the type has it.
    var floatRows4: MatVecKernels.FourRowDot?
    /// Four rows against a batch of float vectors in one call (AVX2: the Swift kernels' bits, faster).
    var floatRows4Batch: CFloatRows4?
    /// One row against 8-bit x (QuantizedActivations), where the type has an integer kernel.
    var q8: MatVecKernelsQ8.RowDot?
    /// Four rows against 8-bit x.
    var q8Rows4: MatVecKernelsQ8.FourRowDot?
    /// Four rows against a batch of 8-bit vectors in one call (the AVX2 kernels: each block's weights unpacked
    /// once for all vectors).
    var q8Rows4Batch: CRows4?
    /// Eight rows against a batch of 8-bit vectors (AVX2, Q4_0, Q4_1 and Q8_0: one row per vector lane, no
    /// horizontal sums — faster than two four-row calls, most with several vectors). It gives the four-row kernel's
    /// bits, so a product may use either.
    var q8Rows8Batch: CRows4?
    /// The fewest vectors for which `q8Rows8Batch` is the faster one: Q8_0's transposition costs more than it saves
    /// for one or two vectors (2-core EPYC, its 49152×576 output head: 0.95× for one vector, 1.0× for two, 1.1× for
    /// three, 1.3× for eight); the 4-bit kinds' is faster from one.
    var q8Rows8MinimumBatch = 1

    /// The kernels of `type` in `set`, or nil if it has none (then `matVec` returns false).
    static func kernels(for type: GGMLType, set: KernelSet = .best) -> MatVecKernelTable? {
        guard var table = portable(type) else { return nil }
        if set.hasAVX2, set.isAvailable, let rows4 = avx2Rows4(type) {
            (table.q8, table.q8Rows4, table.q8Rows4Batch) = (Self.oneRow(rows4), nil, rows4)
            table.q8Rows8Batch = avx2Rows8(type)
            table.q8Rows8MinimumBatch = type == .q8_0 ? 3 : 1
            if set == .avx512vnni, type == .q8_0 {
                // one Q8_0 vector (the output head of every model while generating), Zen 4: 31 → 35 G/s
                (table.q8, table.q8Rows4Batch) = (Self.oneRow(lmlab_vnni_q8_0_rows4), lmlab_vnni_q8_0_rows4)
            }
            if set == .avx512vnni, let rows8 = vnniRows8(type) {
                // Zen 4, one thread, in cache (G multiply–adds/s, AVX2 eight-row → VNNI): Q4_1 1536×576 with 8
                // vectors 81 → 118, one vector 39 → 40; Q8_0 8 vectors 57 → 67, two 40 → 47, but one 31 → 28 (its
                // transposition then costs more than it saves: AVX2's four-row kernel, as before); IQ4_NL (most matrices
                // of an IQ4_XS file with 576-wide rows) 1536×576: 8 vectors 49 → 68, two 40 → 47, one 31 → 38.
                (table.q8Rows8Batch, table.q8Rows8MinimumBatch) = (rows8, type == .q8_0 ? 2 : 1)
            }
            if set == .avx512vnni, type == .q5_0, KernelSet.hasBitalg {
                // Q5_0 (most matrices of a Q4_K_M or Q5_K_M file whose rows are not a multiple of 256: llama-quantize
                // falls back to it), Zen 4, 1536×576: 2 vectors 40 → 54 G/s, 8: 51 → 110; one vector 24 → 20 (the
                // fifth bits cost more than they save: the four-row kernel)
                (table.q8Rows8Batch, table.q8Rows8MinimumBatch) = (lmlab_vnni_q5_0_rows8, 2)
            }
        }
        if set.hasAVX2, set.isAvailable, let rows4 = avx2FloatRows4(type) {
            (table.float, table.floatRows4, table.floatRows4Batch) = (Self.oneRow(rows4), nil, rows4)
        }
        return table
    }

    private static func portable(_ type: GGMLType) -> MatVecKernelTable? {
        typealias F = MatVecKernels
        typealias Q = MatVecKernelsQ8
        switch type.id {
        case GGMLType.f32.id: return MatVecKernelTable(float: F.f32)
        case GGMLType.f16.id: return MatVecKernelTable(float: F.f16)
        case GGMLType.q4_0.id: return MatVecKernelTable(float: F.q4_0, floatRows4: F.q4_0Rows4, q8: Q.q4_0, q8Rows4: Q.q4_0Rows4)
        case GGMLType.q4_1.id: return MatVecKernelTable(float: F.q4_1, floatRows4: F.q4_1Rows4, q8: Q.q4_1, q8Rows4: Q.q4_1Rows4)
        case GGMLType.q8_0.id: return MatVecKernelTable(float: F.q8_0, floatRows4: F.q8_0Rows4, q8: Q.q8_0, q8Rows4: Q.q8_0Rows4)
        case GGMLType.q4_K.id: return MatVecKernelTable(float: F.q4_K, floatRows4: F.q4_KRows4, q8: Q.q4_K)
        case GGMLType.q6_K.id: return MatVecKernelTable(float: F.q6_K, floatRows4: F.q6_KRows4, q8: Q.q6_K)
        case GGMLType.q5_0.id: return MatVecKernelTable(float: F.q5_0, floatRows4: F.q5_0Rows4, q8: Q.q5_0)
        case GGMLType.q5_1.id: return MatVecKernelTable(float: F.q5_1, floatRows4: F.q5_1Rows4, q8: Q.q5_1)
        case GGMLType.q5_K.id: return MatVecKernelTable(float: F.q5_K, floatRows4: F.q5_KRows4, q8: Q.q5_K)
        case GGMLType.iq4_nl.id: return MatVecKernelTable(float: F.iq4_nl, floatRows4: F.iq4_nlRows4, q8: Q.iq4_nl)
        case GGMLType.iq4_xs.id: return MatVecKernelTable(float: F.iq4_xs, floatRows4: F.iq4_xsRows4, q8: Q.iq4_xs)
        default: return nil
        }
    }

    /// (row r, bytes per row, q, d, s, cols, vectors, y + r, y's stride per vector): rows r…r+3 (r…r+7 for the
    /// eight-row kernels) for every vector.
    typealias CRows4 = @convention(c) (UnsafeRawPointer?, Int, UnsafePointer<Int8>?, UnsafePointer<Float>?,
                                       UnsafePointer<Float>?, Int, Int, UnsafeMutablePointer<Float>?, Int) -> Void

    private static func avx2Rows4(_ type: GGMLType) -> CRows4? {
        switch type.id {
        case GGMLType.q4_0.id: return lmlab_avx2_q4_0_rows4
        case GGMLType.q4_1.id: return lmlab_avx2_q4_1_rows4
        case GGMLType.q8_0.id: return lmlab_avx2_q8_0_rows4
        case GGMLType.q4_K.id: return lmlab_avx2_q4_K_rows4
        case GGMLType.q6_K.id: return lmlab_avx2_q6_K_rows4
        case GGMLType.q5_0.id: return lmlab_avx2_q5_0_rows4
        case GGMLType.q5_1.id: return lmlab_avx2_q5_1_rows4
        case GGMLType.q5_K.id: return lmlab_avx2_q5_K_rows4
        case GGMLType.iq4_nl.id: return lmlab_avx2_iq4_nl_rows4
        case GGMLType.iq4_xs.id: return lmlab_avx2_iq4_xs_rows4
        default: return nil
        }
    }

    private static func avx2Rows8(_ type: GGMLType) -> CRows4? {
        switch type.id {
        case GGMLType.q4_0.id: return lmlab_avx2_q4_0_rows8
        case GGMLType.q4_1.id: return lmlab_avx2_q4_1_rows8
        case GGMLType.q8_0.id: return lmlab_avx2_q8_0_rows8
        default: return nil
        }
    }

    private static func vnniRows8(_ type: GGMLType) -> CRows4? {
        switch type.id {
        case GGMLType.q4_0.id: return lmlab_vnni_q4_0_rows8
        case GGMLType.q4_1.id: return lmlab_vnni_q4_1_rows8
        case GGMLType.q8_0.id: return lmlab_vnni_q8_0_rows8
        case GGMLType.iq4_nl.id: return lmlab_vnni_iq4_nl_rows8
        default: return nil
        }
    }

    /// (row r, bytes per row, x, Σx per 32, cols, vectors, y + r, y's stride per vector).
    typealias CFloatRows4 = @convention(c) (UnsafeRawPointer?, Int, UnsafePointer<Float>?, UnsafePointer<Float>?, Int,
                                            Int, UnsafeMutablePointer<Float>?, Int) -> Void

    private static func avx2FloatRows4(_ type: GGMLType) -> CFloatRows4? {
        switch type.id {
        case GGMLType.q4_0.id: return lmlab_avx2_f_q4_0_rows4
        case GGMLType.q4_1.id: return lmlab_avx2_f_q4_1_rows4
        case GGMLType.q5_0.id: return lmlab_avx2_f_q5_0_rows4
        case GGMLType.q5_1.id: return lmlab_avx2_f_q5_1_rows4
        case GGMLType.q8_0.id: return lmlab_avx2_f_q8_0_rows4
        case GGMLType.iq4_nl.id: return lmlab_avx2_f_iq4_nl_rows4
        case GGMLType.iq4_xs.id: return lmlab_avx2_f_iq4_xs_rows4
        default: return nil
        }
    }

    /// One row through a C four-row float kernel, as `oneRow` below.
    static func oneRow(_ rows4: @escaping CFloatRows4) -> MatVecKernels.RowDot {
        { w, x, s, n in
            var y = SIMD4<Float>()
            withUnsafeMutableBytes(of: &y) { rows4(w, 0, x, s, n, 1, $0.baseAddress!.assumingMemoryBound(to: Float.self), 4) }
            return y[0]
        }
    }

    /// One row through a C four-row kernel: the same row four times (stride 0). Each row's lane computes alone, so
    /// a row gets the same bits whichever way it is reached.
    static func oneRow(_ rows4: @escaping CRows4) -> MatVecKernelsQ8.RowDot {
        { w, q, d, s, n in
            var y = SIMD4<Float>()
            withUnsafeMutableBytes(of: &y) { rows4(w, 0, q, d, s, n, 1, $0.baseAddress!.assumingMemoryBound(to: Float.self), 4) }
            return y[0]
        }
    }
}
