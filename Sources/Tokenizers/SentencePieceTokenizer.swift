// SentencePiece-style BPE by scores (Kudo & Richardson 2018; the `tokenizer.ggml.model = "llama"` vocabularies of
// Llama 1/2, Mistral, TinyLlama…). Unlike byte-level BPE there is no merge list: the vocabulary's scores decide.
//
// Encoding one stretch of text (SentencePiece `bpe_model.cc`, llama.cpp `llm_tokenizer_spm`):
//   1. With `addSpacePrefix`, prepend " " (at the start of the text and after each special token);
//      then write every space as "▁" (U+2581).
//   2. Start from single Unicode scalars. Among adjacent pairs whose concatenation is a vocabulary piece, merge the
//      one with the highest score (ties: the leftmost); repeat until no pair is a piece.
//   3. Each final symbol is its piece's id; a symbol that is not a piece (a character the vocabulary lacks) becomes
//      its UTF-8 bytes as `<0xNN>` tokens (byte fallback), or `unk` without them.

public struct SentencePieceTokenizer: VocabularyTables {
    public let pieces: [String]
    /// Merge priority of each piece, (vocabSize); higher merges first.
    public let scores: [Float]
    public let tokenTypes: [TokenType]
    public let specialIDs: SpecialTokenIDs
    public let addBOS: Bool
    public let addEOS: Bool
    /// Prepend a space so that the first word is tokenized like any other ("▁Hello", not "Hello").
    public let addSpacePrefix: Bool

    /// Pieces BPE may produce (normal and user-defined), text → first id.
    let mergeable: [String: Int32]
    /// `<0xNN>` token of each byte, (256); -1 when absent.
    let byteIDs: [Int32]
    let specials: SpecialTokenMatcher

    public var vocabSize: Int { pieces.count }

    public init(
        pieces: [String], scores: [Float], tokenTypes: [TokenType], specialIDs: SpecialTokenIDs,
        addBOS: Bool = true, addEOS: Bool = false, addSpacePrefix: Bool = true
    ) throws {
        let n = pieces.count
        guard scores.count == n else { throw TokenizerError.lengthMismatch(field: "tokenizer.ggml.scores", expected: n, observed: scores.count) }
        guard tokenTypes.count == n else { throw TokenizerError.lengthMismatch(field: "tokenizer.ggml.token_type", expected: n, observed: tokenTypes.count) }
        for (name, id) in [("bos", specialIDs.bos), ("eos", specialIDs.eos), ("eot", specialIDs.eot),
                           ("unk", specialIDs.unk), ("pad", specialIDs.pad)] {
            if let id, !(0..<n).contains(Int(id)) { throw TokenizerError.idOutOfRange(name: name, id: Int(id), vocabSize: n) }
        }
        self.pieces = pieces; self.scores = scores; self.tokenTypes = tokenTypes
        self.specialIDs = specialIDs; self.addBOS = addBOS; self.addEOS = addEOS; self.addSpacePrefix = addSpacePrefix

        var mergeable: [String: Int32] = [:]
        var byteIDs = [Int32](repeating: -1, count: 256)
        for id in stride(from: n - 1, through: 0, by: -1) {
            switch tokenTypes[id] {
            case .normal, .userDefined: mergeable[pieces[id]] = Int32(id)
            case .byte: if let b = Self.byteValue(pieces[id]) { byteIDs[Int(b)] = Int32(id) }
            default: break
            }
        }
        self.mergeable = mergeable
        self.byteIDs = byteIDs
        self.specials = SpecialTokenMatcher(pieces: pieces, types: tokenTypes)
    }

    /// "<0x41>" → 0x41.
    static func byteValue(_ piece: String) -> UInt8? {
        guard piece.count == 6, piece.hasPrefix("<0x"), piece.hasSuffix(">") else { return nil }
        return UInt8(piece.dropFirst(3).prefix(2), radix: 16)
    }

    // MARK: Encoding

    public func encodeText(_ text: String, parseSpecial: Bool) -> [Int32] {
        let utf8 = Array(text.utf8)
        var out: [Int32] = []
        var afterSpecial = true  // the start of the text counts as "after a special token"
        utf8.withUnsafeBufferPointer { buf in
            let segments = parseSpecial && !specials.isEmpty ? specials.segments(buf) : [.text(0..<buf.count)]
            for segment in segments {
                switch segment {
                case .token(let id):
                    out.append(id)
                    afterSpecial = true
                case .text(let range):
                    var s = String(decoding: UnsafeBufferPointer(rebasing: buf[range]), as: UTF8.self)
                    if addSpacePrefix && afterSpecial { s = " " + s }
                    encodeFragment(s.replacingSpaces(), into: &out)
                    afterSpecial = false
                }
            }
        }
        return out
    }

    /// A candidate merge of symbols `left` and its right neighbour: higher score first, then leftmost.
    struct Bigram: Comparable {
        var score: Float
        var left: Int
        var length: Int  // scalars in the merged piece, to detect stale entries
        static func < (a: Bigram, b: Bigram) -> Bool { a.score != b.score ? a.score < b.score : a.left > b.left }
    }

    /// Steps 2–3 for one fragment already in "▁" form.
    func encodeFragment(_ fragment: String, into out: inout [Int32]) {
        let chars = Array(fragment.unicodeScalars)
        guard !chars.isEmpty else { return }
        // Symbols form a linked list over `chars`: symbol i covers chars[i ..< i + len[i]].
        var len = [Int](repeating: 1, count: chars.count)
        var prev = Array(-1..<(chars.count - 1))
        var next = Array(1...chars.count); next[chars.count - 1] = -1
        var queue = BinaryHeap<Bigram>()

        func text(_ start: Int, _ count: Int) -> String {
            var v = String.UnicodeScalarView(); v.append(contentsOf: chars[start..<(start + count)]); return String(v)
        }
        func consider(_ left: Int) {
            guard left >= 0, next[left] >= 0 else { return }
            let total = len[left] + len[next[left]]
            if let id = mergeable[text(left, total)] { queue.push(Bigram(score: scores[Int(id)], left: left, length: total)) }
        }
        for i in 0..<(chars.count - 1) { consider(i) }
        while let best = queue.pop() {
            let l = best.left
            guard len[l] > 0, next[l] >= 0, len[l] + len[next[l]] == best.length else { continue }  // stale
            let r = next[l]
            len[l] += len[r]; len[r] = 0
            next[l] = next[r]
            if next[r] >= 0 { prev[next[r]] = l }
            consider(prev[l])
            consider(l)
        }
        var i = 0
        while i >= 0 {
            let piece = text(i, len[i])
            if let id = mergeable[piece] {
                out.append(id)
            } else {
                for b in piece.utf8 {
                    if byteIDs[Int(b)] >= 0 { out.append(byteIDs[Int(b)]) } else if let unk = specialIDs.unk { out.append(unk) }
                }
            }
            i = next[i]
        }
    }

    // MARK: Decoding

    /// "▁" prints as a space, `<0xNN>` as its byte, everything else as its text.
    public func bytes(for id: Int32) -> [UInt8] {
        precondition((0..<vocabSize).contains(Int(id)), "token id \(id) outside 0..<\(vocabSize)")
        if tokenTypes[Int(id)] == .byte, let b = Self.byteValue(pieces[Int(id)]) { return [b] }
        return Array(pieces[Int(id)].replacingOccurrences(of: "\u{2581}", with: " ").utf8)
    }


    /// ids → text, dropping the space that `addSpacePrefix` put in front (SentencePiece's `decode` does the same).
    public func decodeText(_ ids: [Int32]) -> String {
        var b = decodeBytes(ids)
        if addSpacePrefix, b.first == 0x20 { b.removeFirst() }
        return String(decoding: b, as: UTF8.self)
    }
}

extension String {
    /// Spaces as SentencePiece's visible "▁" (U+2581 LOWER ONE EIGHTH BLOCK).
    func replacingSpaces() -> String {
        String(String.UnicodeScalarView(unicodeScalars.map { $0 == " " ? "\u{2581}" : $0 }))
    }

    func replacingOccurrences(of a: String, with b: String) -> String {
        split(separator: a, omittingEmptySubsequences: false).joined(separator: b)
    }
}
