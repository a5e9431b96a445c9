// Generator: the one decoding loop of every strategy but beam search — the prompt in one batched pass, then one
// token at a time through the KV cache (or, for teaching, the whole prefix again each step), a Sampler choosing
// each token, and the stops of GenerationOutput (EOS/EOT, stop strings across token boundaries, max new tokens, a
// full context). Text streams out as it becomes final.
//
// It steps a *set* of sequences: each step, every unfinished sequence draws a token from its own logits, then the
// ones still running are fed their tokens together, one `feed(batch:caches:)` (a batched model reads each weight
// once for all of them, and gives each row exactly what feeding it alone gives). So
//   - one sequence is `run(prompt:sampler:options:)` (`lmlab generate`, `chat`),
//   - n samples of one prompt are n sequences in lockstep (`run(prompt:samplers:options:)`, `--num-return-sequences`),
//   - a server's continuous batching is a long-lived loop over `step`, sequences joining after their `prefill` and
//     leaving when finished (or when their client goes away: just stop passing them to `step`).
//
//   let generator = Generator(model: lm, tokenizer: tokenizer)
//   var running = try generator.prefill(prompt: ids, samplers: [s0, s1], options: options)
//   while !running.isEmpty {
//       for event in try generator.step(running) { print(event.id, event.text) }
//       running.removeAll { $0.isFinished }
//   }
import Foundation
import Models
import Tokenizers

public struct Generator<Model: LanguageModel> {
    public let model: Model
    public let tokenizer: any Tokenizer

    public init(model: Model, tokenizer: any Tokenizer) {
        self.model = model
        self.tokenizer = tokenizer
    }

    // MARK: The driver

    /// A request waiting for its prompt pass: what `prefill` takes (and `step(_:prefilling:onEvents:)`).
    public struct PrefillRequest {
        public var prompt: [Int32]
        public var samplers: [Sampler]
        public var options: GenerationOptions
        /// Id of the first sequence; the others follow.
        public var firstID: Int
        public init(prompt: [Int32], samplers: [Sampler], options: GenerationOptions, firstID: Int = 0) {
            self.prompt = prompt; self.samplers = samplers; self.options = options; self.firstID = firstID
        }
    }

    /// Feeds `prompt` once and starts one sequence per sampler, with ids firstID, firstID + 1, …; the sequences
    /// after the first start from a copy of the first one's cache. Throws `DecodingError.promptTooLong` when the
    /// prompt is longer than the context, `.emptyPrompt` for no tokens.
    public func prefill(prompt: [Int32], samplers: [Sampler], options: GenerationOptions,
                        firstID: Int = 0) throws -> [GenerationSequence<Model>] {
        let request = PrefillRequest(prompt: prompt, samplers: samplers, options: options, firstID: firstID)
        try check(request)
        guard !samplers.isEmpty else { return [] }
        let feed = promptFeed(request)
        let start = Date()
        let logits = try model.feed(prompt, cache: feed.cache, allPositions: feed.allPositions)
        return sequences(request, cache: feed.cache, logits: logits, seconds: Date().timeIntervalSince(start))
    }

    /// One sequence: `prefill` with one sampler.
    public func prefill(prompt: [Int32], sampler: Sampler, options: GenerationOptions,
                        id: Int = 0) throws -> GenerationSequence<Model> {
        try prefill(prompt: prompt, samplers: [sampler], options: options, firstID: id)[0]
    }

    /// One step of every unfinished sequence in `sequences` (finished ones are skipped): each draws its next token
    /// and reports it; those still running are then fed their token — all in one `feed(batch:caches:)`, except
    /// sequences without the KV cache, which recompute their prefix alone. Events come in the order of
    /// `sequences`. The sequences must be distinct objects.
    public func step(_ sequences: [GenerationSequence<Model>]) throws -> [GenerationEvent] {
        var events: [GenerationEvent] = []
        _ = try step(sequences, prefilling: []) { events = $0 }
        return events
    }

    /// A step of `sequences` and the prompt passes of `requests` together, in one `feed(prompts:batch:caches:)` (a
    /// server's step that admits requests: the new prompts do not stall the running sequences for passes of their
    /// own). `onEvents` hears the step's events as soon as the tokens are drawn, before the pass. Returns each
    /// request's new sequences — exactly what `prefill` gives it — or its error (an empty or too long prompt fails
    /// only its own request; an error of the pass is thrown).
    public func step(_ sequences: [GenerationSequence<Model>], prefilling requests: [PrefillRequest],
                     onEvents: ([GenerationEvent]) -> Void) throws -> [Result<[GenerationSequence<Model>], any Error>] {
        var results = [Result<[GenerationSequence<Model>], any Error>](repeating: .success([]), count: requests.count)
        var started: [(index: Int, prompt: PromptProgress)] = []
        for (i, request) in requests.enumerated() {
            do { started.append((i, try startPrefill(request))) } catch { results[i] = .failure(error) }
        }
        let done = try step(sequences, prefilling: started.map(\.prompt), chunk: .max, onEvents: onEvents)
        for ((i, _), sequences) in zip(started, done) { results[i] = .success(sequences!) }
        return results
    }

    /// A request's prompt on its way into its cache, a chunk per step (chunked prefill): a long prompt joins a
    /// running batch a few hundred tokens at a time instead of stalling every sequence for its whole pass. Made by
    /// `startPrefill`; each `step(_:prefilling:chunk:onEvents:)` it is given feeds its next chunk, and the one that
    /// feeds the last starts its sequences.
    public final class PromptProgress {
        public let request: PrefillRequest
        let feed: PromptFeed<Model.Cache>
        /// The model's `promptChunkFloor` when the request started.
        let floor: Int
        /// Prompt tokens in the cache so far.
        public private(set) var fed = 0
        /// Every fed position's logits (for echoed log-probs), else the last chunk's last position's.
        var logits: [Float] = []
        var seconds = 0.0

        init(_ request: PrefillRequest, _ feed: PromptFeed<Model.Cache>, floor: Int) {
            self.request = request; self.feed = feed; self.floor = floor
        }

        /// Tokens the next step feeds, with chunks of at most `limit`: what is left if it fits, else an even share
        /// of it (so a prompt of 300 goes as 150 + 150 under 256, never 256 + 44). The limit is raised to
        /// 2·floor + 2 if lower, so that every share is longer than `floor`.
        public func nextChunk(limit: Int) -> Int {
            let limit = Swift.max(limit, 2 * floor + 2), left = request.prompt.count - fed
            guard left > limit else { return left }
            let parts = (left + limit - 1) / limit
            return (left + parts - 1) / parts
        }

        func fed(_ n: Int, logits chunk: [Float], seconds: Double) {
            fed += n
            logits = feed.allPositions ? logits + chunk : chunk
            self.seconds += seconds
        }
    }

    /// A request's prompt, checked (`prefill`'s errors) and given its cache, to feed through `step`.
    public func startPrefill(_ request: PrefillRequest) throws -> PromptProgress {
        try check(request)
        return PromptProgress(request, promptFeed(request), floor: model.promptChunkFloor)
    }

    /// A step of `sequences` with the next chunk of each prompt in `prompts` (at most `chunk` tokens each, nearly
    /// equal parts — never fewer than the model's `promptChunkFloor`, so a chunk's products take the path the whole
    /// prompt's would: the same numbers up to the rounding of matrix–matrix products over fewer rows) fed in the same
    /// pass. Returns, for each prompt, its new sequences
    /// once its last chunk is in — exactly what `prefill` gives — or nil while chunks remain.
    public func step(_ sequences: [GenerationSequence<Model>], prefilling prompts: [PromptProgress], chunk: Int,
                     onEvents: ([GenerationEvent]) -> Void) throws -> [[GenerationSequence<Model>]?] {
        let start = Date()
        var events: [GenerationEvent] = []
        var advanced: [GenerationSequence<Model>] = [], running: [GenerationSequence<Model>] = []
        for s in sequences where !s.isFinished {
            events.append(s.advance(tokenizer))
            advanced.append(s)
            if !s.isFinished { running.append(s) }
        }
        onEvents(events)
        var results = [[GenerationSequence<Model>]?](repeating: nil, count: prompts.count)
        var fed: [(index: Int, tokens: Int)] = [], feeds: [PromptFeed<Model.Cache>] = []
        for (i, p) in prompts.enumerated() {
            guard !p.request.samplers.isEmpty else { results[i] = []; continue }
            let n = p.nextChunk(limit: chunk)
            fed.append((i, n))
            var feed = p.feed
            feed.tokens = Array(p.request.prompt[p.fed..<(p.fed + n)])
            feeds.append(feed)
        }
        let batched = running.filter { $0.options.useKVCache }
        if !batched.isEmpty || !feeds.isEmpty {
            let (logits, rows) = try model.feed(prompts: feeds, batch: batched.map { $0.tokens.last! },
                                                caches: batched.map(\.cache))
            let v = model.vocabSize
            for (i, s) in batched.enumerated() { s.logits = Array(rows[(i * v)..<((i + 1) * v)]) }
            let seconds = Date().timeIntervalSince(start)
            for (k, (i, n)) in fed.enumerated() {
                let p = prompts[i]
                p.fed(n, logits: logits[k], seconds: seconds)
                if p.fed == p.request.prompt.count {
                    results[i] = self.sequences(p.request, cache: p.feed.cache, logits: p.logits, seconds: p.seconds)
                }
            }
        }
        for s in running where !s.options.useKVCache {
            s.cache.truncate(to: 0)
            s.logits = try model.feed(s.prompt + s.tokens, cache: s.cache)
        }
        let seconds = Date().timeIntervalSince(start)
        for s in advanced { s.generationSeconds += seconds }
        return results
    }

    /// What `prefill` refuses: no tokens, more than the context.
    func check(_ request: PrefillRequest) throws {
        guard !request.prompt.isEmpty else { throw DecodingError.emptyPrompt }
        guard request.prompt.count <= model.contextLength else {
            throw DecodingError.promptTooLong(tokens: request.prompt.count, context: model.contextLength)
        }
        precondition(request.options.maxTokens >= 1, "Generator.prefill: maxTokens \(request.options.maxTokens)")
    }

    /// The prompt pass a request needs: its tokens into a new cache sized for the prompt and the new tokens (every
    /// position's logits when the prompt's log-probs are echoed).
    func promptFeed(_ request: PrefillRequest) -> PromptFeed<Model.Cache> {
        let capacity = min(model.contextLength, request.prompt.count + request.options.maxTokens)
        return PromptFeed(tokens: request.prompt, cache: model.makeCache(capacity: capacity),
                          allPositions: request.options.echo && request.options.logprobs != nil)
    }

    /// The request's sequences after its prompt pass (`logits`: its last position's, or every position's).
    func sequences(_ request: PrefillRequest, cache first: Model.Cache, logits all: [Float],
                   seconds: Double) -> [GenerationSequence<Model>] {
        let (prompt, options) = (request.prompt, request.options)
        var logits = all, promptLogprobs: [TokenLogprob] = []
        if options.echo, let n = options.logprobs {
            promptLogprobs = self.promptLogprobs(prompt, all, top: n)
            logits = Array(all[((prompt.count - 1) * model.vocabSize)...])
        }
        let offset = tokenizer.decode(prompt).count   // text_offset of the first new token
        // n sequences of one prompt: caches that share its positions (or copies of it, for a model that cannot).
        let n = request.samplers.count
        let caches = n > 1 ? model.fork(first, into: n) : [first]
        return request.samplers.enumerated().map { i, s in
            var sampler = s
            sampler.prompt(prompt)
            // The loop draws at most this many tokens: a JSON constraint closes its document inside them.
            sampler.setTokenBudget(min(options.maxTokens, max(1, model.contextLength - prompt.count)))
            let cache = caches[i]
            let output = GenerationOutput(tokenizer: tokenizer, options: options, stopTokens: model.stopTokens,
                                          promptCount: prompt.count, contextLength: model.contextLength)
            return GenerationSequence(id: request.firstID + i, prompt: prompt, options: options, sampler: sampler,
                                      output: output, promptLogprobs: promptLogprobs, promptSeconds: seconds,
                                      cache: cache, logits: logits, textOffset: offset)
        }
    }

    // MARK: Whole generations

    /// Continues `prompt` with one sampler. `onText` receives the text as it becomes final (for streaming).
    public func run(prompt: [Int32], sampler: inout Sampler, options: GenerationOptions,
                    onText: (String) -> Void = { _ in }) throws -> Generation {
        let s = try prefill(prompt: prompt, sampler: sampler, options: options)
        while !s.isFinished {
            for event in try step([s]) where !event.text.isEmpty { onText(event.text) }
        }
        sampler = s.sampler
        return s.generation
    }

    /// n continuations of `prompt`, one per sampler, decoded together in lockstep (each gives exactly the tokens it
    /// gives alone). `onEvent` sees every step's events (ids 0..<n, the samplers' order).
    public func run(prompt: [Int32], samplers: [Sampler], options: GenerationOptions,
                    onEvent: (GenerationEvent) -> Void = { _ in }) throws -> [Generation] {
        let all = try prefill(prompt: prompt, samplers: samplers, options: options)
        var running = all
        while !running.isEmpty {
            for event in try step(running) { onEvent(event) }
            running.removeAll { $0.isFinished }
        }
        return all.map(\.generation)
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
                entry = TokenLogprob(id: id, logits: Array(all[((i - 1) * v)..<(i * v)]), top: top, textOffset: offset,
                                     piece: piece)
            }
            out.append(entry)
            offset += entry.text.count
        }
        return out
    }

    func piece(_ id: Int32) -> String { String(decoding: tokenizer.bytes(for: id), as: UTF8.self) }
}
