// CompletionRequest: everything one completion asks for, whoever asks (`lmlab generate`, `chat`, the server's
// /v1/completions and /v1/chat/completions): the prompt, limits, sampling, n choices or beam search, stops,
// log-probabilities, JSON mode. `validate()` checks it without a model and names the field as a request spells it
// (max_tokens, n, logprobs…); ModelHandle.prepare checks the rest against the model (prompt length, ids in the
// vocabulary, JSON mode's end token).
import Decoding

public struct CompletionRequest: Sendable, Equatable {
    public enum Prompt: Sendable, Equatable {
        /// Text, tokenized with the model's tokenizer (BOS per the tokenizer unless `addSpecial` is false).
        case text(String)
        /// Token ids as they are.
        case tokens([Int32])
    }

    /// What the output must be (OpenAI's `response_format`).
    public enum ResponseFormat: Sendable, Equatable {
        /// Free text.
        case text
        /// One JSON object or array (`{"type": "json_object"}`, `--json-mode`).
        case jsonObject
        /// JSON that validates against the schema (`{"type": "json_schema", …}`, `--json-schema FILE`).
        case jsonSchema(JSONSchema)
    }

    public var prompt: Prompt
    /// Most new tokens (per choice). Default 128, `lmlab generate`'s.
    public var maxTokens = 128
    /// The logits chain (temperature ≤ 0: greedy). Default: SamplingParameters' (temperature 1, every cut off).
    public var sampling = SamplingParameters()
    /// Seed of choice 0's RNG (choice i uses seed + i); nil: a random one, reported in the result.
    public var seed: UInt64? = nil
    /// Choices: n samples decoded together, or with beam search the n best hypotheses. Default 1.
    public var n = 1
    /// Beam search instead of sampling when `numBeams` > 1; nil (default) samples.
    public var beams: BeamSearchParameters? = nil
    /// Texts that end a choice (not included in its text).
    public var stop: [String] = []
    /// Per token, the log-probabilities of this many best alternatives (0…`maxLogprobs`); nil = none.
    public var logprobs: Int? = nil
    /// Include the prompt (and with `logprobs` its tokens' log-probabilities, the first one null) in each choice.
    public var echo = false
    /// The caller streams the text: only allowed without beam search (which has no token stream).
    public var stream = false
    public var responseFormat: ResponseFormat = .text
    /// Keep going past EOS/EOT (to max_tokens or a stop string).
    public var ignoreEOS = false
    /// Text prompts: parse special tokens written in the text (`<|im_start|>`) into their ids.
    public var parseSpecial = false
    /// Text prompts: add BOS/EOS as the tokenizer asks. False for an already rendered chat prompt.
    public var addSpecial = true
    /// False recomputes the whole prefix each step (teaching; such a choice is never batched).
    public var useKVCache = true

    /// The largest `logprobs` accepted.
    public static let maxLogprobs = 100

    public init(prompt: Prompt) { self.prompt = prompt }

    /// Whether beam search runs (more than one beam).
    public var usesBeamSearch: Bool { (beams?.numBeams ?? 1) > 1 }

    /// Throws the first problem, naming its field (`ServingError`, or `DecodingError` for a sampling parameter).
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ value: Any, _ valid: String) throws {
            if !ok { throw ServingError.invalidValue(field: field, value: "\(value)", valid: valid) }
        }
        try check(maxTokens >= 1, "max_tokens", maxTokens, "an integer ≥ 1")
        try check(n >= 1, "n", n, "an integer ≥ 1")
        if let beams, beams.numBeams > 1 {
            if n > beams.numBeams { throw ServingError.moreChoicesThanBeams(n: n, beams: beams.numBeams) }
            if logprobs != nil { throw ServingError.notWithBeams(field: "logprobs", beams: beams.numBeams) }
            if stream { throw ServingError.notWithBeams(field: "stream", beams: beams.numBeams) }
        }
        if let logprobs {
            try check((0...Self.maxLogprobs).contains(logprobs), "logprobs", logprobs, "an integer in 0...\(Self.maxLogprobs)")
        }
        if case .tokens(let ids) = prompt {
            try check(!ids.isEmpty, "prompt", "[]", "some text or at least one token id")
        }
        try sampling.validate()
        try beams?.validate()
    }

    /// The generation options this request implies.
    public var generationOptions: GenerationOptions {
        var o = GenerationOptions()
        o.maxTokens = maxTokens
        o.stop = stop
        o.useKVCache = useKVCache
        o.logprobs = logprobs
        o.echo = echo
        o.stopAtEOS = !ignoreEOS
        return o
    }
}
