// LanguageModel: the one role every model plays for decoding (greedy, sampling, beam search) and the CLI —
// tokens in, next-token logits out, with a cache that remembers what was fed before.
//
//   let cache = model.makeCache(capacity: nil)
//   var logits = try model.feed(promptIDs, cache: cache)          // the prompt, in one batched pass
//   while … { logits = try model.feed([next], cache: cache) }     // then one token at a time
//   let rows = try model.feed(batch: [a, b], caches: [cacheA, cacheB])  // one token for each of several sequences
//   let (p, rows) = try model.feed(prompts: [PromptFeed(tokens: ids, cache: c)], batch: [a], caches: [cacheA])
//                                                                     // new prompts and running sequences, one pass
import Tokenizers

/// What a model remembers of the positions it was fed (keys and values), as decoding needs to handle it.
public protocol ModelCache: AnyObject {
    /// Positions filled so far.
    var count: Int { get }
    /// Most positions it can hold.
    var capacity: Int { get }
    /// Forgets positions from `length` on.
    func truncate(to length: Int)
    /// Makes this cache hold exactly what `other` holds (beam search moves a beam's past to its children).
    func copy(from other: Self)
}

public protocol LanguageModel: AnyObject {
    associatedtype Cache: ModelCache

    /// Rows of the logits: ids 0..<vocabSize.
    var vocabSize: Int { get }
    /// Most positions the model attends over (the cache never holds more).
    var contextLength: Int { get }
    /// bos / eos / eot ids; eos and eot stop generation.
    var specialTokens: SpecialTokenIDs { get }
    /// The tokenizer the model was trained with, if the checkpoint carries one.
    var tokenizer: (any Tokenizer)? { get }

    /// An empty cache for up to `capacity` positions (nil: the whole context).
    func makeCache(capacity: Int?) -> Cache

    /// The fewest tokens a prompt may be fed in at a time (chunked prefill) and still take the path of one pass:
    /// a model whose short prompts take another path (TransformerRuntime: matrix–vector with 8-bit activations up
    /// to `vectorPromptTokens`) says where that path ends. Default 1.
    var promptChunkFloor: Int { get }

    /// `n` caches that each hold what `prompt` holds, for n sequences continuing one prompt (n samples, beams);
    /// `prompt` is not written afterwards. The default copies it; TransformerRuntime's share its positions.
    func fork(_ prompt: Cache, into n: Int) -> [Cache]

    /// Feeds `tokens` at positions cache.count ..< cache.count + tokens.count, appending their keys and values to
    /// the cache. Returns the logits of the last position (vocabSize), or with `allPositions` of every fed position
    /// (tokens.count, vocabSize). Throws `ModelError.contextOverflow` when the tokens do not fit the cache.
    func feed(_ tokens: [Int32], cache: Cache, allPositions: Bool) throws -> [Float]

    /// Feeds one token to each of several sequences — `tokens[i]` at position `caches[i].count`, appended to
    /// `caches[i]` — and returns their next-token logits, (tokens.count, vocabSize). A model that batches reads each
    /// weight matrix once for all of them; the logits equal feeding each sequence alone (within rounding).
    /// The caches must be distinct objects. Throws like `feed`.
    func feed(batch tokens: [Int32], caches: [Cache]) throws -> [Float]

    /// Feeds each prompt to its cache (as `feed(_:cache:allPositions:)`) and one token to each running sequence
    /// (as `feed(batch:caches:)`), in one pass when the model can: a server's step that admits new requests.
    /// Returns each prompt's logits and the batch's rows — exactly what the separate calls return.
    func feed(prompts: [PromptFeed<Cache>], batch tokens: [Int32], caches: [Cache]) throws
        -> (prompts: [[Float]], batch: [Float])
}

/// A prompt to feed in `feed(prompts:batch:caches:)`: its tokens, the cache they go to, and whether the logits of
/// every position are wanted (prompt log-probs) or only the last.
public struct PromptFeed<Cache: ModelCache> {
    public var tokens: [Int32]
    public var cache: Cache
    public var allPositions: Bool
    public init(tokens: [Int32], cache: Cache, allPositions: Bool = false) {
        self.tokens = tokens; self.cache = cache; self.allPositions = allPositions
    }
}

extension LanguageModel {
    public var promptChunkFloor: Int { 1 }

    public func fork(_ prompt: Cache, into n: Int) -> [Cache] {
        (0..<n).map { _ in
            let cache = makeCache(capacity: prompt.capacity)
            cache.copy(from: prompt)
            return cache
        }
    }

    /// The ids that end a generation: EOS and EOT (a chat model's end of turn).
    public var stopTokens: Set<Int32> { Set([specialTokens.eos, specialTokens.eot].compactMap { $0 }) }

    /// The logits of the last fed position.
    public func feed(_ tokens: [Int32], cache: Cache) throws -> [Float] {
        try feed(tokens, cache: cache, allPositions: false)
    }

    /// The unbatched meaning of `feed(batch:caches:)`: one sequence after the other.
    public func feed(batch tokens: [Int32], caches: [Cache]) throws -> [Float] {
        precondition(tokens.count == caches.count, "feed(batch:): \(tokens.count) tokens for \(caches.count) caches")
        var logits: [Float] = []
        logits.reserveCapacity(tokens.count * vocabSize)
        for (token, cache) in zip(tokens, caches) { logits += try feed([token], cache: cache) }
        return logits
    }

    /// The separate passes `feed(prompts:batch:caches:)` stands for: each prompt alone, then the batch.
    public func feed(prompts: [PromptFeed<Cache>], batch tokens: [Int32], caches: [Cache]) throws
        -> (prompts: [[Float]], batch: [Float]) {
        let logits = try prompts.map { try feed($0.tokens, cache: $0.cache, allPositions: $0.allPositions) }
        return (logits, tokens.isEmpty ? [] : try feed(batch: tokens, caches: caches))
    }
}
