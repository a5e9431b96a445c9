// RuntimeOptions: how TransformerRuntime computes, as opposed to what (the weights and config). The default is the
// exact mode the tests check against a float reference; `.llamaCpp` rounds activations and the KV cache the way
// llama.cpp's CPU backend does, to show where its numbers come from.
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
    /// What the KV cache stores keys and values as (set when a cache is made: `makeCache`): float32, exact, or
    /// float16 (rounded to nearest, 11 significant bits; llama.cpp's default cache type). float16 halves the cache's
    /// memory and the bytes attention reads per step — with many sequences in a batch, or long contexts, attention is
    /// mostly that reading; logits move by about 0.01 on SmolLM2. On AVX2 CPUs its kernels are CKernels' F16C ones,
    /// elsewhere the Swift reference. Default `.float32`.
    public var kvCache: KVCachePrecision = .float32

    public init(activations: ActivationPrecision = .float, kernels: KernelSet = .best, kvCache: KVCachePrecision = .float32) {
        self.activations = activations
        self.kernels = kernels
        self.kvCache = kvCache
    }

    /// Exact: float activations, float32 KV cache.
    public static let exact = RuntimeOptions()
    /// llama.cpp-like: 8-bit activations in the matrix–vector products and a float16 KV cache (llama.cpp's CPU
    /// defaults).
    public static let llamaCpp = RuntimeOptions(activations: .q8, kvCache: .float16)
}
