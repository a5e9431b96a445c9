// MatVecKernelTable: which matrix–vector kernels each weight type has — the one table the products consult.
// Every type with a float kernel (MatVecKernels) may also have integer kernels over 8-bit activations
// (MatVecKernelsQ8), and either may have a four-row variant that shares each load of x between four rows.

/// The kernels of one weight type.
struct MatVecKernelTable {
    /// One row against float x (with Σx per 32 elements).
    var float: MatVecKernels.RowDot
    /// Four rows against float x, where the type has it.
    var floatRows4: MatVecKernels.FourRowDot?
    /// One row against 8-bit x (QuantizedActivations), where the type has an integer kernel.
    var q8: MatVecKernelsQ8.RowDot?
    /// Four rows against 8-bit x.
    var q8Rows4: MatVecKernelsQ8.FourRowDot?

    /// The kernels of `type`, or nil if it has none (then `matVec` returns false).
    static func kernels(for type: GGMLType) -> MatVecKernelTable? {
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
        default: return nil
        }
    }
}
