// The options of commands that run a model with TransformerRuntime (generate, chat, compare, bench decode): how it
// computes. The default is exact; q8 is llama.cpp's trade of accuracy for speed, opt-in.
import ArgumentParser
import Tensor
import Models

extension ActivationPrecision: ExpressibleByArgument {}

struct RuntimeOptionGroup: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Activations of the quantized matrix–vector products: float (exact: the float reference's tokens, the default) or q8 (8-bit blocks and integer kernels, like llama.cpp: its numerics, log-probs move by up to ~0.4 nats; on AVX2 CPUs the faster one).",
        valueName: "float|q8"))
    var activations: ActivationPrecision = .float

    var options: RuntimeOptions { RuntimeOptions(activations: activations) }
}
