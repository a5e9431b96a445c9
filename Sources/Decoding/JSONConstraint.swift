// JSONConstraint: JSON mode as a LogitProcessor. Each step it keeps only the tokens whose bytes the JSONGrammar
// can read from its current state, in full, and the end-of-sequence ids once a whole value is read; the drawn
// token then advances the grammar. This is grammar-constrained decoding in the manner of llama.cpp's GBNF
// sampler and of Willard & Louf, "Efficient Guided Generation for LLMs" (2023), done by walking a byte trie.
//
// The mask never removes every token: the grammar never accepts a byte it cannot continue from, so each state
// accepts some byte or the end; a byte-level vocabulary has every byte a document needs as a single-byte token
// (`missingBytes` lists any it lacks), and at least one end-of-sequence id is required.
//
// The closing budget: a document cut by max tokens or by the end of the context would not parse, so the constraint
// plans to finish inside the tokens it may still draw. `setTokenBudget(n)` tells it n (the Generator and beam search
// do, before the first step); then a token is allowed only if the shortest completion from the state it leads to
// (JSONGrammar.shortestCompletionLength, in bytes) fits in the tokens left after it:
//     allow t  ⇔  grammar reads t  and  shortestCompletion(after t) ≤ tokensLeft − 1        (EOS: when complete)
// Why bytes may stand for tokens: in a byte-level vocabulary every byte is a token of its own (`missingBytes` is
// empty, as for SmolLM2 and lmlab's BPE), so a completion of c bytes can always be written in c tokens, and its
// first byte alone is an allowed token that shortens it by one. Hence if the rule holds before a step it holds
// after, and the last token drawn leaves a complete document; the rule costs the model nothing until the budget is
// within a few tokens of what closing needs. Counting bytes over-estimates tokens (a token such as `"]}` does
// three at once), so the document may close a little earlier than it had to — never later. If no token fits (a
// vocabulary without every byte as a token, or a budget below the shortest document from the start) the tokens
// that shorten the completion most are allowed instead: the mask is never empty and each step gets closer.
//
// Whitespace cannot go on forever either: JSONGrammar refuses more than `maxWhitespaceRun` bytes of it in a row.
//
// Cost: the fast path walks the trie once per step (`TokenTrie.forEachAccepted`), reading each shared prefix once
// and skipping a whole subtree at its first refused byte; `allowedTokensReference` is the plain per-token loop the
// tests hold it to. Inside a string almost every token fits, and the walk would visit the whole trie; but a token
// that stays inside a string from start to end (no closing quote, no cut escape or UTF-8 character) fits from
// every such state alike, so those are one precomputed set (`stringBody`) and only the rest is walked. When most
// logits are already −∞ (say after a top-k cut by an earlier processor), only the finite ones are checked.

import Tokenizers

public struct JSONConstraint: LogitProcessor, Sendable {
    /// Each token's bytes, (vocabSize); empty for tokens never allowed (control, unused, unknown).
    public let vocabulary: [[UInt8]]
    /// Ids that end the sequence: allowed exactly when `grammar.isComplete`.
    public let endOfSequence: Set<Int32>
    /// isEndOfSequence[id], (vocabSize): the set as a table, read per token without hashing.
    let isEndOfSequence: [Bool]
    /// Every token but the end-of-sequence ids.
    let trie: TokenTrie
    /// stringBody[id]: token `id` reads from any string state between characters and leaves it there.
    let stringBody: [Bool]
    /// The tokens not in `stringBody`, walked inside strings.
    let stringTrie: TokenTrie
    /// The parse of the tokens drawn so far.
    public private(set) var grammar: JSONGrammar
    /// Whether an end-of-sequence id was drawn.
    public private(set) var isFinished = false
    /// Whether the tokens drawn so far form a whole value (so the end of the sequence is allowed now).
    public var isComplete: Bool { grammar.isComplete }
    /// Tokens that may still be drawn, this step's included; nil: no limit, no closing budget. Set by
    /// `setTokenBudget`, counted down by `didSample`.
    public private(set) var tokensLeft: Int?
    /// Bytes of the shortest text that would complete the document from here (0 once it is complete).
    public var shortestCompletion: Int { grammar.shortestCompletionLength }
    /// When fewer than 1/sparseFraction of the logits are finite, `process` checks those tokens one by one
    /// instead of walking the trie (a few thousand short tokens cost less than the walk).
    static let sparseFraction = 16

    /// From raw byte strings, index = token id. Tokens with empty bytes are never allowed.
    public init(vocabulary: [[UInt8]], endOfSequence: Set<Int32>, schema: JSONSchema? = nil,
                options: JSONGrammar.Options = JSONGrammar.Options()) {
        precondition(!endOfSequence.isEmpty, "JSON mode needs at least one end-of-sequence id, got none")
        for id in endOfSequence {
            precondition(id >= 0 && Int(id) < vocabulary.count, "end-of-sequence id \(id) is outside the vocabulary (0..<\(vocabulary.count))")
        }
        self.vocabulary = vocabulary
        self.endOfSequence = endOfSequence
        self.isEndOfSequence = vocabulary.indices.map { endOfSequence.contains(Int32($0)) }
        self.trie = TokenTrie(vocabulary) { !endOfSequence.contains(Int32($0)) }
        let body = Self.stringBody(vocabulary, endOfSequence: endOfSequence)
        self.stringBody = body
        self.stringTrie = TokenTrie(vocabulary) { !body[$0] && !endOfSequence.contains(Int32($0)) }
        self.grammar = JSONGrammar(schema: schema, options: options)
    }

    /// From a tokenizer: control, user-defined, unknown and unused tokens are never allowed (their printed text,
    /// such as `<|im_start|>`, is not what they mean). `endOfSequence` defaults to the tokenizer's EOS and EOT ids.
    public init(tokenizer: any Tokenizer, endOfSequence: Set<Int32>? = nil, schema: JSONSchema? = nil,
                options: JSONGrammar.Options = JSONGrammar.Options()) {
        let bytes = (0..<tokenizer.vocabSize).map { id -> [UInt8] in
            switch tokenizer.tokenType(of: Int32(id)) {
            case .normal, .byte: tokenizer.bytes(for: Int32(id))
            case .control, .userDefined, .unknown, .unused: []
            }
        }
        let eos = endOfSequence ?? Set([tokenizer.specialIDs.eos, tokenizer.specialIDs.eot].compactMap { $0 })
        self.init(vocabulary: bytes, endOfSequence: eos, schema: schema, options: options)
    }

    /// The same vocabulary tables (the costly part, built once per model) with a fresh grammar for `schema`: what
    /// a server hands each JSON-mode request.
    public func restarted(schema: JSONSchema?, options: JSONGrammar.Options = JSONGrammar.Options()) -> JSONConstraint {
        var c = self
        c.grammar = JSONGrammar(schema: schema, options: options)
        c.isFinished = false
        c.tokensLeft = nil
        return c
    }

    /// Tokens that, read from inside a string between two characters, never leave the string and end between two
    /// characters: no unescaped `"`, no control byte, no escape or UTF-8 sequence cut at either end. String
    /// contents do not depend on anything outside the string, so such a token fits in every such state.
    static func stringBody(_ vocabulary: [[UInt8]], endOfSequence: Set<Int32>) -> [Bool] {
        var inString = JSONGrammar(options: .init(allowScalarTopLevel: true))
        _ = inString.consume(UInt8(ascii: "\""))
        return vocabulary.indices.map { id in
            if vocabulary[id].isEmpty || endOfSequence.contains(Int32(id)) { return false }
            var g = inString
            for b in vocabulary[id] {
                guard g.consume(b), case .string = g.mode else { return false }
            }
            return g.mode == inString.mode
        }
    }

    /// Bytes a document may need that no token is alone: tab, LF, CR, printable ASCII and UTF-8 continuation
    /// bytes (lead bytes have alternatives; a token that starts a character needs the continuations to end it).
    /// Empty for byte-level BPE such as SmolLM2's; the never-empty promise assumes it is.
    public var missingBytes: [UInt8] {
        var single = [Bool](repeating: false, count: 256)
        for (id, b) in vocabulary.enumerated() where b.count == 1 && !endOfSequence.contains(Int32(id)) { single[Int(b[0])] = true }
        let needed: [UInt8] = [0x09, 0x0A, 0x0D] + Array(0x20...0x7E) + Array(0x80...0xBF)
        return needed.filter { !single[Int($0)] }
    }

    // MARK: The mask

    /// allowed[id]: whether token `id` may be drawn now (fast path: one walk over the trie).
    public func allowedTokens() -> [Bool] {
        var allowed: [Bool]
        let walked: TokenTrie
        let inString: Bool
        if case .string(_, .plain) = grammar.mode {
            allowed = stringBody
            walked = stringTrie
            inString = true
        } else {
            allowed = [Bool](repeating: false, count: vocabulary.count)
            walked = trie
            inString = false
        }
        guard let left = tokensLeft else {
            allowed.withUnsafeMutableBufferPointer { allowed in
                walked.forEachAccepted(from: grammar, step: { $0.consume($1) }) { allowed[Int($0)] = true }
            }
            if grammar.isComplete { for id in endOfSequence { allowed[Int(id)] = true } }
            return allowed
        }
        // The closing budget. A string-body token leaves the completion as it is; the others are checked one by one,
        // remembering those that shorten it most in case none fits.
        let room = left - 1
        let now = grammar.shortestCompletionLength
        let bodyFits = inString && now <= room
        if inString && !bodyFits { allowed = [Bool](repeating: false, count: vocabulary.count) }
        var fits = bodyFits
        var best = (length: inString ? now : Int.max, ids: [Int32]())
        allowed.withUnsafeMutableBufferPointer { allowed in
            walked.forEachAcceptedState(from: grammar, step: { $0.consume($1) }) { id, after in
                let n = after.shortestCompletionLength
                if n <= room { allowed[Int(id)] = true; fits = true }
                if !fits {
                    if n < best.length { best = (n, []) }
                    if n == best.length { best.ids.append(id) }
                }
            }
        }
        if grammar.isComplete {
            for id in endOfSequence { allowed[Int(id)] = true }
            fits = true
        }
        if !fits {
            for id in best.ids { allowed[Int(id)] = true }
            if inString && best.length == now { for id in stringBody.indices where stringBody[id] { allowed[id] = true } }
        }
        return allowed
    }

    /// Whether the grammar reads token `id` now, ignoring the budget: its bytes in full (or, for an
    /// end-of-sequence id, a complete value).
    public func allows(_ id: Int32) -> Bool {
        completionAfter(id) != nil
    }

    /// The shortest completion's length after token `id`, or nil if the grammar refuses it (EOS: 0 when complete).
    func completionAfter(_ id: Int32) -> Int? {
        if isEndOfSequence[Int(id)] { return grammar.isComplete ? 0 : nil }
        let bytes = vocabulary[Int(id)]
        if bytes.isEmpty { return nil }
        var g = grammar
        for b in bytes where !g.consume(b) { return nil }
        return g.shortestCompletionLength
    }

    /// The tokens among `ids` that may be drawn now, checked one at a time: those the grammar reads, and with a
    /// budget those whose completion fits in the tokens left after them — or, if none fits, those that leave the
    /// shortest completion.
    func allowed(among ids: some Sequence<Int>) -> [Int] {
        let read = ids.compactMap { id in completionAfter(Int32(id)).map { (id: id, length: $0) } }
        guard let left = tokensLeft else { return read.map(\.id) }
        let fitting = read.filter { isEndOfSequence[$0.id] || $0.length <= left - 1 }
        if !fitting.isEmpty { return fitting.map(\.id) }
        let shortest = read.map(\.length).min()
        return read.filter { $0.length == shortest }.map(\.id)
    }

    /// The same mask as `allowedTokens`, one token at a time: the reference the fast path is tested against.
    public func allowedTokensReference() -> [Bool] {
        var mask = [Bool](repeating: false, count: vocabulary.count)
        for id in allowed(among: vocabulary.indices) { mask[id] = true }
        return mask
    }

    /// Sets −∞ on every token the grammar cannot read now. Logits already −∞ stay so and cost nothing when they
    /// are most of the vocabulary. The grammar always allows some token, but if an earlier processor already
    /// removed all of those, every logit ends −∞: run this constraint before cuts such as top-k.
    public mutating func process(_ logits: inout [Float]) {
        precondition(logits.count == vocabulary.count, "logits have \(logits.count) entries, the vocabulary \(vocabulary.count)")
        let finite = logits.reduce(0) { $0 + ($1 == -.infinity ? 0 : 1) }
        if finite * Self.sparseFraction < logits.count {
            let candidates = logits.indices.filter { logits[$0] != -.infinity }
            var keep = [Bool](repeating: false, count: logits.count)
            for id in allowed(among: candidates) { keep[id] = true }
            for id in candidates where !keep[id] { logits[id] = -.infinity }
            return
        }
        let allowed = allowedTokens()
        for id in logits.indices where !allowed[id] { logits[id] = -.infinity }
    }

    /// Reads bytes that are already part of the output without being drawn (say a `{` the prompt ends with).
    /// Returns false, changing nothing, if the grammar refuses them.
    public mutating func advance(_ bytes: some Sequence<UInt8>) -> Bool {
        grammar.consume(bytes)
    }

    /// Starts the closing budget: at most `tokens` more tokens will be drawn (see the file header).
    public mutating func setTokenBudget(_ tokens: Int) {
        precondition(tokens >= 0, "a token budget must be ≥ 0, got \(tokens)")
        tokensLeft = tokens
    }

    /// Advances the grammar by the drawn token's bytes.
    public mutating func didSample(_ token: Int32) {
        precondition(token >= 0 && Int(token) < vocabulary.count, "token \(token) is outside the vocabulary (0..<\(vocabulary.count))")
        if let left = tokensLeft { tokensLeft = left - 1 }
        if isEndOfSequence[Int(token)] {
            precondition(grammar.isComplete, "end-of-sequence \(token) drawn before the JSON value is complete; apply process(_:) before sampling")
            isFinished = true
            return
        }
        let ok = grammar.consume(vocabulary[Int(token)])
        precondition(ok && !vocabulary[Int(token)].isEmpty,
                     "token \(token) \(vocabulary[Int(token)]) is not allowed in this JSON state; apply process(_:) before sampling")
    }
}
