// ActivationPrecision: a runtime mode of the quantized matrix–vector products — what the weights are multiplied
// with. Float activations give the exact product up to rounding; 8-bit activations (QuantizedActivations) are what
// llama.cpp's CPU backend multiplies with, and change the numbers a little.

/// What a quantized matrix–vector product multiplies the weights with.
public enum ActivationPrecision: String, Sendable, Codable, CaseIterable {
    /// float32 activations: the exact product of the (dequantized) weights with x, up to float rounding.
    case float
    /// x rounded to 8-bit blocks of 32 first (llama.cpp's CPU path): log-probs move by up to ~0.4 nats on SmolLM2.
    case q8
}
