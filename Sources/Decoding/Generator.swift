// Generator: the decoding loop every strategy but beam search shares — prompt in one batched pass, then one token
// at a time through the KV cache (or, for teaching, the whole prefix again each step), a Sampler choosing each
// token, and the stop conditions: max new tokens, EOS/EOT, stop strings (matched in text, across token
// boundaries), and a full context. Text streams out as it is generated, holding back what could still become a
// stop string or an unfinished UTF-8 character.
import Foundation
import Models
import Tokenizers

public struct GenerationOptions: Sendable, Equatable {
    /// Most new tokens.
    public var maxTokens = 128
    /// Texts that end the generation when they appear (they are not included in the text).
    public var stop: [String] = []
    /// Reuse keys and values of earlier positions; false recomputes the whole prefix every step.
    public var useKVCache = true
    /// Per token, the log-probabilities of this many best alternatives (llama-cpp-python's `logprobs`); nil = none.
    public var logprobs: Int? = nil
    /// Include the prompt's tokens (and with `logprobs`, their log-probabilities) in the result.
    public var echo = false
    /// End at the model's EOS/EOT tokens.
    public var stopAtEOS = true

    public init() {}
}

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

/// One token with its log-probability and the best alternatives (ids, printable pieces, natural-log probabilities
/// under the model's own distribution, before any sampler).
public struct TokenLogprob: Sendable, Equatable {
    public var id: Int32
    public var text: String
    /// nil for the very first prompt token (nothing predicts it).
    public var logprob: Double?
    public var top: [(id: Int32, text: String, logprob: Double)]
    /// 1 + the number of tokens the model found more likely (GLTR's rank); nil for the first prompt token.
    public var rank: Int?
    /// Character offset of this token in prompt + completion text.
    public var textOffset: Int

    public init(id: Int32, text: String, logprob: Double?, top: [(id: Int32, text: String, logprob: Double)], rank: Int?,
                textOffset: Int) {
        self.id = id; self.text = text; self.logprob = logprob; self.top = top; self.rank = rank
        self.textOffset = textOffset
    }

    public static func == (a: TokenLogprob, b: TokenLogprob) -> Bool {
        a.id == b.id && a.text == b.text && a.logprob == b.logprob && a.textOffset == b.textOffset
            && a.top.map(\.id) == b.top.map(\.id) && a.top.map(\.logprob) == b.top.map(\.logprob)
    }
}

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
}

public struct Generator<Model: LanguageModel> {
    public let model: Model
    public let tokenizer: any Tokenizer

    public init(model: Model, tokenizer: any Tokenizer) {
        self.model = model
        self.tokenizer = tokenizer
    }

    /// Continues `prompt`. `onText` receives the text as it becomes final (for streaming).
    public func run(prompt: [Int32], sampler: inout Sampler, options: GenerationOptions,
                    onText: (String) -> Void = { _ in }) throws -> Generation {
        precondition(!prompt.isEmpty, "Generator.run: empty prompt")
        guard prompt.count <= model.contextLength else {
            throw DecodingError.promptTooLong(tokens: prompt.count, context: model.contextLength)
        }
        let stopIDs = options.stopAtEOS ? model.stopTokens : []
        let capacity = min(model.contextLength, prompt.count + options.maxTokens)
        let cache = model.makeCache(capacity: capacity)
        var result = Generation(promptTokens: prompt, tokens: [], text: "", finishReason: .length, logprobs: [],
                                promptSeconds: 0, generationSeconds: 0)
        var text = TextAccumulator(stops: options.stop)
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        var offset = tokenizer.decode(prompt).count   // text_offset of the first new token

        sampler.prompt(prompt)
        // The loop below draws at most this many tokens: a JSON constraint closes its document inside them.
        sampler.setTokenBudget(min(options.maxTokens, max(1, model.contextLength - prompt.count)))
        let start = Date()
        var logits: [Float]
        if options.echo, let n = options.logprobs {
            let all = try model.feed(prompt, cache: cache, allPositions: true)
            result.logprobs = promptLogprobs(prompt, all, top: n)
            logits = Array(all[((prompt.count - 1) * model.vocabSize)...])
        } else {
            logits = try model.feed(prompt, cache: cache)
        }
        result.promptSeconds = Date().timeIntervalSince(start)

        while true {
            let next = sampler.sample(logits)
            if stopIDs.contains(next) { result.finishReason = .stop; break }
            if let n = options.logprobs { result.logprobs.append(logprob(of: next, logits, top: n, offset: offset)) }
            result.tokens.append(next)
            let piece = decoder.push(next)
            offset += String(decoding: tokenizer.bytes(for: next), as: UTF8.self).count
            let (ready, stopped) = text.append(piece)
            if !ready.isEmpty { onText(ready) }
            if stopped { result.finishReason = .stop; break }
            if result.tokens.count == options.maxTokens { break }
            if prompt.count + result.tokens.count >= model.contextLength { result.finishReason = .contextFull; break }
            if options.useKVCache {
                logits = try model.feed([next], cache: cache)
            } else {
                cache.truncate(to: 0)
                logits = try model.feed(prompt + result.tokens, cache: cache)
            }
        }
        if !text.stopped {
            let (ready, stopped) = text.append(decoder.finish())
            if !ready.isEmpty { onText(ready) }
            if stopped { result.finishReason = .stop }
        }
        let rest = text.flush()
        if !rest.isEmpty { onText(rest) }
        result.text = text.text
        result.generationSeconds = Date().timeIntervalSince(start) - result.promptSeconds
        return result
    }

    /// Log-probabilities of each prompt token given the ones before it (the first has none).
    func promptLogprobs(_ prompt: [Int32], _ all: [Float], top: Int) -> [TokenLogprob] {
        let v = model.vocabSize
        var out: [TokenLogprob] = [], offset = 0
        for (i, id) in prompt.enumerated() {
            var entry: TokenLogprob
            if i == 0 {
                entry = TokenLogprob(id: id, text: piece(id), logprob: nil, top: [], rank: nil, textOffset: offset)
            } else {
                entry = logprob(of: id, Array(all[((i - 1) * v)..<(i * v)]), top: top, offset: offset)
            }
            out.append(entry)
            offset += entry.text.count
        }
        return out
    }

    func logprob(of id: Int32, _ logits: [Float], top n: Int, offset: Int) -> TokenLogprob {
        let lp = Samplers.logSoftmax(logits)
        let best = n == 0 ? [] : lp.indices.sorted { lp[$0] != lp[$1] ? lp[$0] > lp[$1] : $0 < $1 }.prefix(n)
        let score = Scoring.score(logProbabilities: lp, id)
        return TokenLogprob(id: id, text: piece(id), logprob: score.logprob,
                            top: best.map { (Int32($0), piece(Int32($0)), lp[$0]) }, rank: score.rank, textOffset: offset)
    }

    func piece(_ id: Int32) -> String { String(decoding: tokenizer.bytes(for: id), as: UTF8.self) }
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
