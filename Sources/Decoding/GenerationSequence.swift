// GenerationSequence: the state of one sequence being generated — its prompt, its own KV cache, its own Sampler
// (seed, penalties, JSON constraint), the logits of its next token, and its output (tokens, text, stops, log-probs,
// finish reason). The Generator makes one by feeding the prompt (`prefill`) and advances any set of them together
// (`step`); they do not know about each other, so a sequence gives the same tokens alone or in any batch.
import Foundation
import Models
import Tokenizers

public final class GenerationSequence<Model: LanguageModel> {
    /// The caller's tag (a choice index, a request id); events carry it.
    public let id: Int
    public let prompt: [Int32]
    public let options: GenerationOptions
    /// Draws this sequence's tokens; its seed is `sampler.seed`.
    public private(set) var sampler: Sampler
    /// Tokens, text, log-probabilities and finish reason so far.
    public private(set) var output: GenerationOutput
    /// With `echo` and `logprobs`: the prompt's entries (the first has no log-probability).
    public let promptLogprobs: [TokenLogprob]
    /// Seconds spent feeding the prompt, and in steps since.
    public internal(set) var promptSeconds: Double
    public internal(set) var generationSeconds = 0.0

    let cache: Model.Cache
    /// Logits of the next token, (vocabSize): after the prompt, then after each token.
    var logits: [Float]
    /// Character offset of the next token in prompt + completion text (the legacy logprobs' `text_offset`).
    var textOffset: Int

    init(id: Int, prompt: [Int32], options: GenerationOptions, sampler: Sampler, output: GenerationOutput,
         promptLogprobs: [TokenLogprob], promptSeconds: Double, cache: Model.Cache, logits: [Float], textOffset: Int) {
        self.id = id; self.prompt = prompt; self.options = options; self.sampler = sampler; self.output = output
        self.promptLogprobs = promptLogprobs; self.promptSeconds = promptSeconds; self.cache = cache
        self.logits = logits; self.textOffset = textOffset
    }

    public var tokens: [Int32] { output.tokens }
    public var text: String { output.currentText }
    public var finishReason: FinishReason? { output.finishReason }
    public var isFinished: Bool { output.isFinished }

    /// What this sequence has produced, as one `Generation`.
    public var generation: Generation {
        Generation(promptTokens: prompt, tokens: output.tokens, text: output.currentText,
                   finishReason: output.finishReason ?? .length, logprobs: promptLogprobs + output.logprobs,
                   promptSeconds: promptSeconds, generationSeconds: generationSeconds, seed: sampler.seed)
    }

    /// Draws the next token from `logits` and records it; the event says what changed.
    func advance(_ tokenizer: any Tokenizer) -> GenerationEvent {
        let next = sampler.sample(logits)
        let kept = !output.stopTokens.contains(next)   // an EOS/EOT ends the sequence and is not part of it
        var entry: TokenLogprob? = nil
        if kept, let n = options.logprobs {
            entry = TokenLogprob(id: next, logits: logits, top: n, textOffset: textOffset) { Self.piece(tokenizer, $0) }
        }
        let (ready, finish) = output.append(next, logprob: entry)
        if kept { textOffset += Self.piece(tokenizer, next).count }
        return GenerationEvent(id: id, token: kept ? next : nil, logprob: entry, text: ready, finishReason: finish)
    }

    static func piece(_ tokenizer: any Tokenizer, _ id: Int32) -> String {
        String(decoding: tokenizer.bytes(for: id), as: UTF8.self)
    }
}

/// What one step did to one sequence.
public struct GenerationEvent: Sendable, Equatable {
    /// The sequence's `id`.
    public var id: Int
    /// The new token (nil when the step drew EOS/EOT, which is not part of the output).
    public var token: Int32?
    /// Its log-probability entry, with `logprobs`.
    public var logprob: TokenLogprob?
    /// Text that became final at this step (may be empty: an unfinished character, a possible stop string).
    public var text: String
    /// Set when the sequence ended at this step.
    public var finishReason: FinishReason?

    public init(id: Int, token: Int32?, logprob: TokenLogprob?, text: String, finishReason: FinishReason?) {
        self.id = id; self.token = token; self.logprob = logprob; self.text = text; self.finishReason = finishReason
    }
}

/// The result of one whole generation.
public struct Generation: Sendable {
    public var promptTokens: [Int32]
    /// New tokens (without the EOS that ended them).
    public var tokens: [Int32]
    /// The new text, cut before a stop string.
    public var text: String
    public var finishReason: FinishReason
    /// With `logprobs`: the prompt's tokens first when `echo`, then the generated ones.
    public var logprobs: [TokenLogprob]
    /// Seconds for the prompt pass and for the rest.
    public var promptSeconds: Double
    public var generationSeconds: Double
    /// The seed of the sampler that drew it (nil for beam search).
    public var seed: UInt64? = nil
    /// Beam search: Σ log p / length^lengthPenalty of the hypothesis.
    public var score: Double? = nil
}
