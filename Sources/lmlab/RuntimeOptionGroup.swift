// The options of commands that run a model with TransformerRuntime (generate, bench decode): how it computes.
import ArgumentParser
import GGUF
import Models

extension ActivationPrecision: ExpressibleByArgument {}

struct RuntimeOptionGroup: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Activations of the quantized matrix–vector products: q8 (8-bit blocks and integer kernels, like llama.cpp; faster) or float (exact).",
        valueName: "q8|float"))
    var activations: ActivationPrecision = .q8

    var options: RuntimeOptions { RuntimeOptions(activations: activations) }
}
