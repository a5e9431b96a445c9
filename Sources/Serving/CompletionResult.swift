// CompletionResult: what a completion produced — one choice per sample or beam hypothesis, each with its text,
// tokens, finish reason and (when asked) log-probabilities — and the usage figures. The streaming view of the same
// run is the Generator's GenerationEvent (its `id` is the choice index).
import Decoding

public struct CompletionResult: Sendable {
    public struct Choice: Sendable {
        public var index: Int
        /// The new text, cut before a stop string (with `echo`, callers put `promptText` before it).
        public var text: String
        /// The new tokens (without the EOS that ended them, nor anything after a stop string).
        public var tokens: [Int32]
        public var finishReason: FinishReason
        /// With `logprobs`: the prompt's entries first when `echo`, then one per new token.
        public var logprobs: [TokenLogprob]?
        /// Beam search: the hypothesis's score, Σ log p / length^lengthPenalty.
        public var score: Double?
        /// The seed of this choice's RNG (sampling only).
        public var seed: UInt64?
        public var promptSeconds: Double
        public var generationSeconds: Double
    }

    /// The model's name (its file name without extension).
    public var model: String
    public var promptTokens: [Int32]
    /// The prompt as text: the request's text, or the decoded ids.
    public var promptText: String
    public var choices: [Choice]
    /// The seed that repeats the run: choice 0's, when sampling (nil for greedy and beam search, which draw
    /// nothing).
    public var seed: UInt64?

    public var completionTokens: Int { choices.reduce(0) { $0 + $1.tokens.count } }
}

/// A request checked and resolved against a model, ready to run: its prompt ids, the seed, the JSON constraint.
/// Made by `ModelHandle.prepare` (cheap; a server calls it before queueing, so a bad request fails at once).
public struct PreparedCompletion: Sendable {
    public let request: CompletionRequest
    public let promptTokens: [Int32]
    public let promptText: String
    /// Choice 0's seed (choice i uses seed + i): the request's, or one drawn for it.
    public let seed: UInt64
    /// JSON mode's constraint, fresh (each sampler gets its own copy).
    public let constraint: JSONConstraint?
    public let options: GenerationOptions
    /// The model's name.
    public let model: String

    /// One sampler per choice, seeds seed, seed + 1, …
    public func samplers() -> [Sampler] {
        (0..<request.n).map { i in Sampler(parameters: request.sampling, seed: seed &+ UInt64(i), constraint: constraint) }
    }

    /// Beam search's parameters, returning `n` hypotheses.
    public var beamParameters: BeamSearchParameters {
        var p = request.beams ?? BeamSearchParameters()
        p.numReturnSequences = request.n
        return p
    }

    /// The result of finished generations (in choice order).
    public func result(_ generations: [Generation]) -> CompletionResult {
        let choices = generations.enumerated().map { i, g in
            CompletionResult.Choice(index: i, text: g.text, tokens: g.tokens, finishReason: g.finishReason,
                                    logprobs: request.logprobs == nil ? nil : g.logprobs, score: g.score, seed: g.seed,
                                    promptSeconds: g.promptSeconds, generationSeconds: g.generationSeconds)
        }
        let sampled = !request.usesBeamSearch && !request.sampling.isGreedy
        return CompletionResult(model: model, promptTokens: promptTokens, promptText: promptText, choices: choices,
                                seed: sampled ? seed : nil)
    }
}
