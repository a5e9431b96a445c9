// LogitProcessor: the stateful role in decoding. Penalties need the tokens seen so far, a grammar needs its parse
// state; each sees the prompt once, rewrites the logits of every step, and hears the token that was drawn.
// Stateless cuts (temperature, top-k, top-p, …) are plain functions in Samplers.swift instead.
//
// Processors are value types: beam search copies them with their beam, so each beam carries its own state.

public protocol LogitProcessor {
    /// The prompt's tokens, before the first step.
    mutating func prompt(_ tokens: [Int32])
    /// Rewrites the logits of one step in place, (vocabSize); −∞ removes a token.
    mutating func process(_ logits: inout [Float])
    /// The token chosen at this step.
    mutating func didSample(_ token: Int32)
    /// Before the first step: at most `tokens` tokens will be drawn (max new tokens, or the room left in the
    /// context). A processor that must finish what it starts — a grammar closing its document — plans with it.
    mutating func setTokenBudget(_ tokens: Int)
}

extension LogitProcessor {
    public mutating func prompt(_ tokens: [Int32]) {}
    public mutating func setTokenBudget(_ tokens: Int) {}
    public mutating func didSample(_ token: Int32) {}
}

/// Adds a fixed bias to chosen ids, as OpenAI's `logit_bias` does (−100 or −∞ bans a token, +100 forces it).
public struct LogitBias: LogitProcessor, Sendable, Equatable {
    public var bias: [Int32: Float]

    public init(_ bias: [Int32: Float]) { self.bias = bias }

    public mutating func process(_ logits: inout [Float]) {
        for (id, b) in bias where Int(id) < logits.count { logits[Int(id)] += b }
    }
}
