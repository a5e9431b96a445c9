// RuntimeOptions: how TransformerRuntime computes, as opposed to what (the weights and config). The default is the
// exact mode the tests check against a float reference; `.llamaCpp` rounds activations the way llama.cpp's CPU
// backend does, to show where its numbers come from.
import Tensor

public struct RuntimeOptions: Sendable, Codable, Equatable {
    /// What the quantized matrix–vector products of generation multiply the weights with: float32 activations
    /// (exact up to rounding), or activations rounded to 8-bit blocks of 32 first (integer kernels; log-probs move by
    /// up to ~0.4 nats on SmolLM2). The float kernels are the faster ones here (MatVecKernels: four rows of blocks
    /// widened to SIMD16 floats with FMA cost no more instructions per weight than the integer path); `.q8` exists to
    /// reproduce llama.cpp's numerics. Prompt processing (matrix–matrix, sgemm) and float32 weights are not affected.
    /// Default `.float`.
    public var activations: ActivationPrecision = .float

    public init(activations: ActivationPrecision = .float) {
        self.activations = activations
    }

    /// Exact: float activations.
    public static let exact = RuntimeOptions()
    /// llama.cpp-like: 8-bit activations in the matrix–vector products.
    public static let llamaCpp = RuntimeOptions(activations: .q8)
}
