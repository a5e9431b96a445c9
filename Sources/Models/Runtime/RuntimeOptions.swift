// RuntimeOptions: how TransformerRuntime computes, as opposed to what (the weights and config). The default is the
// exact mode the tests check against a float reference; `.llamaCpp` rounds activations the way llama.cpp's CPU
// backend does, to show where its numbers come from.
import Tensor

public struct RuntimeOptions: Sendable, Codable, Equatable {
    /// What the quantized matrix–vector products of generation multiply the weights with: float32 activations
    /// (exact up to rounding), or activations rounded to 8-bit blocks of 32 first (integer kernels; log-probs move by
    /// up to ~0.4 nats on SmolLM2, llama.cpp's numerics). On AVX2 CPUs `.q8` is the fast path: its kernels
    /// (CKernels, vpmaddubsw) take about half the instructions of the float ones, and generation runs about 1.3×
    /// faster; the float kernels stay the exact reference. Prompt processing (matrix–matrix, sgemm) and float32
    /// weights are not affected. Default `.float`.
    public var activations: ActivationPrecision = .float
    /// Which kernels compute the products: the fastest this CPU runs (`.best`: AVX2 where available), or the
    /// portable Swift ones (same float results to the bit; q8 results equal up to float rounding) — for comparing
    /// them on a given machine. Default `.best`.
    public var kernels: KernelSet = .best

    public init(activations: ActivationPrecision = .float, kernels: KernelSet = .best) {
        self.activations = activations
        self.kernels = kernels
    }

    /// Exact: float activations.
    public static let exact = RuntimeOptions()
    /// llama.cpp-like: 8-bit activations in the matrix–vector products.
    public static let llamaCpp = RuntimeOptions(activations: .q8)
}
