// GenerationOutput: what one sequence has produced, and the one rule for when it ends. Tokens come in one at a
// time (drawn by a Sampler, or replayed from a beam hypothesis); each is checked in this order:
//   1. an EOS/EOT id ends it (.stop) and is not part of the text or the tokens;
//   2. its text is decoded (a streaming UTF-8 decoder holds back an unfinished character) and searched for the
//      stop strings, across token boundaries: a stop string ends it (.stop), the text is cut before it;
//   3. `maxTokens` new tokens end it (.length); so does a full context (.contextFull).
// Text is released as soon as it can no longer become part of a stop string, so a stream never shows the first
// half of one.
import Tokenizers

/// Limits and stops of one generation, as a request gives them.
public struct GenerationOptions: Sendable, Equatable {
    /// Most new tokens.
    public var maxTokens = 128
    /// Texts that end the generation when they appear (they are not included in the text).
    public var stop: [String] = []
    /// Reuse keys and values of earlier positions; false recomputes the whole prefix every step (for teaching;
    /// such a sequence is fed on its own, never in a batch).
    public var useKVCache = true
    /// Per token, the log-probabilities of this many best alternatives (llama-cpp-python's `logprobs`); nil = none.
    public var logprobs: Int? = nil
    /// Include the prompt's tokens (and with `logprobs`, their log-probabilities) in the result.
    public var echo = false
    /// End at the model's EOS/EOT tokens.
    public var stopAtEOS = true

    public init() {}
}

public struct GenerationOutput {
    /// New tokens (without the EOS that ended them).
    public private(set) var tokens: [Int32] = []
    /// With `logprobs`: one entry per new token (the prompt's, with `echo`, are kept by the caller).
    public private(set) var logprobs: [TokenLogprob] = []
    /// Set once the sequence has ended.
    public private(set) var finishReason: FinishReason?
    /// Ids that end the sequence (EOS/EOT), or none with `stopAtEOS` false.
    public let stopTokens: Set<Int32>
    /// Most new tokens: min(maxTokens, room left in the context).
    public let maxTokens: Int
    /// New tokens that fit in the context after the prompt.
    public let room: Int
    var text: TextAccumulator
    var decoder: StreamingDecoder

    /// An empty output for a prompt of `promptCount` tokens on a model with `contextLength` positions.
    public init(tokenizer: any Tokenizer, options: GenerationOptions, stopTokens: Set<Int32>, promptCount: Int,
                contextLength: Int) {
        self.stopTokens = options.stopAtEOS ? stopTokens : []
        self.maxTokens = options.maxTokens
        self.room = contextLength - promptCount
        self.text = TextAccumulator(stops: options.stop)
        self.decoder = StreamingDecoder(tokenizer: tokenizer)
    }

    /// The text so far (cut before a stop string once one appeared; complete once finished).
    public var currentText: String { text.text }
    public var isFinished: Bool { finishReason != nil }

    /// Takes the next token. Returns the text that became final (to stream) and, when this token ended the
    /// sequence, why; the remaining text is then released too.
    public mutating func append(_ token: Int32, logprob: TokenLogprob? = nil) -> (ready: String, finish: FinishReason?) {
        precondition(finishReason == nil, "GenerationOutput.append: the sequence already ended (\(finishReason!))")
        if stopTokens.contains(token) { return (finish(.stop), .stop) }
        if let logprob { logprobs.append(logprob) }
        tokens.append(token)
        var (ready, stopped) = text.append(decoder.push(token))
        if stopped { ready += finish(.stop) }
        else if tokens.count >= maxTokens { ready += finish(.length) }
        else if tokens.count >= room { ready += finish(.contextFull) }
        return (ready, finishReason)
    }

    /// Ends the sequence for `reason` (a decoder's held-back bytes may still reveal a stop string); returns the
    /// text released by it.
    @discardableResult
    public mutating func finish(_ reason: FinishReason) -> String {
        guard finishReason == nil else { return "" }
        finishReason = reason
        var ready = ""
        if !text.stopped {
            let (more, stopped) = text.append(decoder.finish())
            ready += more
            if stopped { finishReason = .stop }
        }
        return ready + text.flush()
    }
}

/// Collects generated text, finds stop strings across token boundaries, and releases only text that can no longer
/// turn into a stop string.
struct TextAccumulator {
    let stops: [String]
    private(set) var text = ""
    private(set) var stopped = false
    private var emitted = 0   // characters already released

    init(stops: [String]) { self.stops = stops.filter { !$0.isEmpty } }

    /// Adds a piece; returns the text now safe to print, and whether a stop string appeared (the text is then cut
    /// before it).
    mutating func append(_ piece: String) -> (ready: String, stopped: Bool) {
        guard !stopped else { return ("", true) }
        text += piece
        if let cut = stops.compactMap({ text.range(of: $0)?.lowerBound }).min() {
            text = String(text[..<cut])
            stopped = true
            return (release(upTo: text.count), true)
        }
        // Hold back the longest tail that is a proper prefix of some stop string.
        var hold = 0
        for s in stops {
            for n in stride(from: min(s.count - 1, text.count), to: hold, by: -1) where text.hasSuffix(s.prefix(n)) {
                hold = n
                break
            }
        }
        return (release(upTo: text.count - hold), false)
    }

    /// Everything not yet released (at the end of generation).
    mutating func flush() -> String { release(upTo: text.count) }

    private mutating func release(upTo end: Int) -> String {
        guard end > emitted else { return "" }
        let start = text.index(text.startIndex, offsetBy: emitted), stop = text.index(text.startIndex, offsetBy: end)
        emitted = end
        return String(text[start..<stop])
    }
}
