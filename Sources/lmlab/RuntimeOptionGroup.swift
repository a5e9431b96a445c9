// The options of commands that run a model with TransformerRuntime (generate, chat, compare, bench decode, serve):
// how it computes. The default is exact; q8 activations and an f16 KV cache are llama.cpp's trades of accuracy for
// speed, opt-in.
import ArgumentParser
import Tensor
import Models

extension ActivationPrecision: ExpressibleByArgument {}
extension KVCachePrecision: ExpressibleByArgument {}

struct RuntimeOptionGroup: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Activations of the quantized matrix–vector products: float (exact: the float reference's tokens, the default) or q8 (8-bit blocks and integer kernels, like llama.cpp: its numerics, log-probs move by up to ~0.4 nats; on AVX2 CPUs the faster one).",
        valueName: "float|q8"))
    var activations: ActivationPrecision = .float

    // Not `--kv-cache`: `bench decode --kv-cache` already names its with/without-cache timing (lesson 5).
    @Option(name: .customLong("kv-cache-type"), help: ArgumentHelp(
        "What the KV cache stores keys and values as: f32 (exact, the default) or f16 (half the memory and the bytes attention reads, logits move by ~0.01; llama.cpp's default cache type).",
        valueName: "f32|f16"))
    var kvCache: KVCachePrecision = .float32

    var options: RuntimeOptions { RuntimeOptions(activations: activations, kvCache: kvCache) }
}
