// FinishReason: why a sequence ended — one answer for sampling, greedy and beam search alike (GenerationOutput
// decides it, token by token, for all of them).

public enum FinishReason: String, Sendable, Codable {
    /// EOS/EOT or a stop string.
    case stop
    /// `maxTokens` reached.
    case length
    /// The context (or the cache) is full.
    case contextFull = "context_full"

    /// The value OpenAI's API uses (it knows only "stop" and "length").
    public var openAI: String { self == .stop ? "stop" : "length" }
}
