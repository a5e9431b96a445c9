// Byte-level BPE (Sennrich et al. 2016, "Neural Machine Translation of Rare Words with Subword Units", as used by
// GPT-2: Radford et al. 2019). The base alphabet is the 256 bytes, so every byte string has an encoding and
// decode(encode(x)) == x. Encoding one chunk: start from its bytes and repeatedly merge the adjacent pair with the
// lowest merge rank (the order the merges were learned) until no learned pair is left.
//
// One type serves both our own trained tokenizers (ids: 256 bytes, then merges, then special tokens) and GGUF
// vocabularies with `tokenizer.ggml.model = "gpt2"` (tokens in GPT-2's byte↔unicode text form, merges as "a b").

public struct BPETokenizer: VocabularyTables {
    /// One merge rule: `left` followed by `right` becomes `result`. Its rank is its index in `merges`.
    public struct Merge: Sendable, Equatable {
        public var left: Int32
        public var right: Int32
        public var result: Int32
        public init(left: Int32, right: Int32, result: Int32) { self.left = left; self.right = right; self.result = result }
    }

    /// What each id prints as, (vocabSize). Special tokens print their text.
    public let tokenBytes: [[UInt8]]
    /// The vocabulary entry as stored, (vocabSize): GPT-2 text form for ordinary tokens, raw text for special ones.
    public let pieces: [String]
    public let tokenTypes: [TokenType]
    /// Merge rules in rank order (rank 0 is applied first).
    public let merges: [Merge]
    public let preTokenizer: PreTokenizer
    public let specialIDs: SpecialTokenIDs
    public let addBOS: Bool
    public let addEOS: Bool

    /// The id of each single-byte token, (256); -1 if the vocabulary lacks that byte.
    let byteIDs: [Int32]
    /// (left << 32 | right) → (rank << 32 | result): the merge loop's only lookup.
    let mergeTable: [UInt64: UInt64]
    /// Whole-chunk lookup for `preTokenizer.ignoreMerges`.
    let idOfBytes: [[UInt8]: Int32]
    let specials: SpecialTokenMatcher

    public var vocabSize: Int { tokenBytes.count }

    /// Builds a tokenizer from its parts. `tokenBytes[id]` must be the concatenation of its merge's two sides.
    public init(
        tokenBytes: [[UInt8]], pieces: [String]? = nil, tokenTypes: [TokenType], merges: [Merge],
        preTokenizer: PreTokenizer, specialIDs: SpecialTokenIDs, addBOS: Bool = false, addEOS: Bool = false
    ) throws {
        let n = tokenBytes.count
        guard tokenTypes.count == n else { throw TokenizerError.lengthMismatch(field: "token types", expected: n, observed: tokenTypes.count) }
        for (name, id) in [("bos", specialIDs.bos), ("eos", specialIDs.eos), ("eot", specialIDs.eot),
                           ("unk", specialIDs.unk), ("pad", specialIDs.pad)] {
            if let id, !(0..<n).contains(Int(id)) { throw TokenizerError.idOutOfRange(name: name, id: Int(id), vocabSize: n) }
        }
        self.tokenBytes = tokenBytes
        self.pieces = pieces ?? tokenBytes.enumerated().map { id, b in
            tokenTypes[id].isSpecial ? String(decoding: b, as: UTF8.self) : ByteLevel.encode(b)
        }
        self.tokenTypes = tokenTypes
        self.merges = merges
        self.preTokenizer = preTokenizer
        self.specialIDs = specialIDs
        self.addBOS = addBOS
        self.addEOS = addEOS

        var byteIDs = [Int32](repeating: -1, count: 256)
        var idOfBytes: [[UInt8]: Int32] = [:]
        for id in stride(from: n - 1, through: 0, by: -1) where !tokenTypes[id].isSpecial {  // first id wins
            let b = tokenBytes[id]
            if b.count == 1 { byteIDs[Int(b[0])] = Int32(id) }
            if preTokenizer.ignoreMerges { idOfBytes[b] = Int32(id) }
        }
        self.byteIDs = byteIDs
        self.idOfBytes = idOfBytes

        var table: [UInt64: UInt64] = [:]
        table.reserveCapacity(merges.count)
        for (rank, m) in merges.enumerated() {
            for (side, id) in [("left", m.left), ("right", m.right), ("result", m.result)] where !(0..<n).contains(Int(id)) {
                throw TokenizerError.idOutOfRange(name: "merge #\(rank) \(side)", id: Int(id), vocabSize: n)
            }
            let key = Self.pairKey(m.left, m.right)
            if table[key] == nil { table[key] = UInt64(rank) << 32 | UInt64(UInt32(m.result)) }
        }
        self.mergeTable = table
        self.specials = SpecialTokenMatcher(pieces: self.pieces, types: tokenTypes)
    }

    @inline(__always) static func pairKey(_ a: Int32, _ b: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
    }

    // MARK: Tokenizer

    public func encodeText(_ text: String, parseSpecial: Bool) -> [Int32] {
        encode(bytes: Array(text.utf8), parseSpecial: parseSpecial)
    }

    /// Any byte string → ids (no BOS/EOS). Bytes that are not valid UTF-8 are kept as their own chunks.
    public func encode(bytes: [UInt8], parseSpecial: Bool = false) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(bytes.count / 3)
        // Most text repeats its words: a chunk's ids are computed once per call.
        var cache: [ArraySlice<UInt8>: [Int32]] = [:]
        bytes.withUnsafeBufferPointer { buf in
            let segments = parseSpecial && !specials.isEmpty ? specials.segments(buf) : [.text(0..<buf.count)]
            for segment in segments {
                switch segment {
                case .token(let id): out.append(id)
                case .text(let range):
                    let sub = UnsafeBufferPointer(rebasing: buf[range])
                    for chunk in preTokenizer.split(sub) {
                        let key = bytes[(range.lowerBound + chunk.lowerBound)..<(range.lowerBound + chunk.upperBound)]
                        if let ids = cache[key] { out += ids; continue }
                        let ids = encodeChunk(key)
                        cache[key] = ids
                        out += ids
                    }
                }
            }
        }
        return out
    }

    /// One pre-tokenized chunk → ids: bytes, then merges by rank. The readable version of the loop is
    /// "find the adjacent pair with the lowest rank; merge every occurrence of it; repeat".
    /// Each pass is O(n), so a chunk costs O(n²): fine for words, not for a 100 kB run of letters (a base64 blob),
    /// which goes to `encodeLongChunk`.
    func encodeChunk(_ chunk: ArraySlice<UInt8>) -> [Int32] {
        if preTokenizer.ignoreMerges, let id = idOfBytes[Array(chunk)] { return [id] }
        var symbols: [Int32] = []
        symbols.reserveCapacity(chunk.count)
        for b in chunk where byteIDs[Int(b)] >= 0 { symbols.append(byteIDs[Int(b)]) }
        return symbols.count > Self.longChunk ? mergeWithHeap(symbols) : mergeByPasses(symbols)
    }

    /// Chunks longer than this (in bytes) use the heap: below it the simple passes are faster.
    static let longChunk = 128

    /// The readable merge loop (see `encodeChunk`).
    func mergeByPasses(_ input: [Int32]) -> [Int32] {
        var symbols = input
        while symbols.count >= 2 {
            var bestRank = UInt64.max, bestResult: Int32 = -1, bestAt = -1
            for j in 0..<(symbols.count - 1) {
                if let m = mergeTable[Self.pairKey(symbols[j], symbols[j + 1])], m >> 32 < bestRank {
                    bestRank = m >> 32; bestResult = Int32(truncatingIfNeeded: m & 0xFFFF_FFFF); bestAt = j
                }
            }
            if bestAt < 0 { break }
            let (a, b) = (symbols[bestAt], symbols[bestAt + 1])
            var w = bestAt, r = bestAt
            while r < symbols.count {
                if r + 1 < symbols.count, symbols[r] == a, symbols[r + 1] == b {
                    symbols[w] = bestResult; r += 2
                } else {
                    symbols[w] = symbols[r]; r += 1
                }
                w += 1
            }
            symbols.removeLast(symbols.count - w)
        }
        return symbols
    }

    /// A candidate merge at symbol `left`: lowest rank first, then leftmost — the same order as `mergeByPasses`.
    struct RankedPair: Comparable {
        var rank: UInt32
        var left: Int32
        var leftID: Int32
        var rightID: Int32
        static func < (a: RankedPair, b: RankedPair) -> Bool { a.rank != b.rank ? a.rank > b.rank : a.left > b.left }
    }

    /// The same merges in O(n log n): symbols in a linked list, candidate pairs in a heap; a popped pair whose
    /// symbols have changed since it was pushed is skipped (HF tokenizers' `Word::merge_all` works this way).
    func mergeWithHeap(_ input: [Int32]) -> [Int32] {
        var id = input
        var next = (0..<input.count).map { Int32($0 + 1) }; next[input.count - 1] = -1
        var prev = (0..<input.count).map { Int32($0 - 1) }
        var alive = [Bool](repeating: true, count: input.count)
        var heap = BinaryHeap<RankedPair>()
        func consider(_ l: Int32) {
            guard l >= 0, next[Int(l)] >= 0 else { return }
            let r = next[Int(l)]
            if let m = mergeTable[Self.pairKey(id[Int(l)], id[Int(r)])] {
                heap.push(RankedPair(rank: UInt32(m >> 32), left: l, leftID: id[Int(l)], rightID: id[Int(r)]))
            }
        }
        for i in 0..<(input.count - 1) { consider(Int32(i)) }
        while let top = heap.pop() {
            let l = Int(top.left), r = Int(next[l])
            guard alive[l], r >= 0, id[l] == top.leftID, id[r] == top.rightID else { continue }  // stale
            id[l] = Int32(truncatingIfNeeded: mergeTable[Self.pairKey(id[l], id[r])]! & 0xFFFF_FFFF)
            alive[r] = false
            next[l] = next[r]
            if next[r] >= 0 { prev[Int(next[r])] = Int32(l) }
            consider(prev[l])
            consider(Int32(l))
        }
        var out: [Int32] = []
        var i: Int32 = 0
        while i >= 0 { out.append(id[Int(i)]); i = next[Int(i)] }
        return out
    }

    public func bytes(for id: Int32) -> [UInt8] {
        precondition((0..<vocabSize).contains(Int(id)), "token id \(id) outside 0..<\(vocabSize)")
        return tokenBytes[Int(id)]
    }

}

// MARK: - From a GGUF-style vocabulary

extension BPETokenizer {
    /// A `tokenizer.ggml.model = "gpt2"` vocabulary: tokens in GPT-2 byte↔unicode form, merges as "left right".
    /// The result of a merge is the token whose text is left+right (first such id).
    public init(
        ggufTokens tokens: [String], merges mergeLines: [String], tokenTypes: [TokenType],
        preTokenizer: PreTokenizer, specialIDs: SpecialTokenIDs, addBOS: Bool, addEOS: Bool
    ) throws {
        guard tokenTypes.count == tokens.count else {
            throw TokenizerError.lengthMismatch(field: "tokenizer.ggml.token_type", expected: tokens.count, observed: tokenTypes.count)
        }
        var idOf: [String: Int32] = [:]
        idOf.reserveCapacity(tokens.count)
        for (id, t) in tokens.enumerated().reversed() { idOf[t] = Int32(id) }
        var merges: [Merge] = []
        merges.reserveCapacity(mergeLines.count)
        for (k, line) in mergeLines.enumerated() {
            guard let space = line.firstIndex(of: " ") else {
                throw TokenizerError.badMerge(index: k, text: line, reason: "expected two pieces separated by one space")
            }
            let l = String(line[..<space]), r = String(line[line.index(after: space)...])
            guard let a = idOf[l], let b = idOf[r], let c = idOf[l + r] else {
                throw TokenizerError.badMerge(index: k, text: line, reason: "a piece or the merged piece is not in the vocabulary")
            }
            merges.append(Merge(left: a, right: b, result: c))
        }
        // Ordinary tokens are bytes in GPT-2's text form; special ones (and any that are not valid byte text) are raw.
        let bytes: [[UInt8]] = tokens.enumerated().map { id, t in
            tokenTypes[id].isSpecial ? Array(t.utf8) : (ByteLevel.decode(t) ?? Array(t.utf8))
        }
        try self.init(tokenBytes: bytes, pieces: tokens, tokenTypes: tokenTypes, merges: merges,
                      preTokenizer: preTokenizer, specialIDs: specialIDs, addBOS: addBOS, addEOS: addEOS)
    }
}

// MARK: - Padding to a model's vocabulary

extension BPETokenizer {
    /// This tokenizer with placeholder tokens "[PAD<id>]" (type unused) for ids `vocabSize..<size`: a model whose
    /// embedding has more rows than its tokenizer has tokens (nanoGPT pads GPT-2's 50257 to 50304; llama.cpp's
    /// converter pads the same way) can then print every id it predicts. Encoding never produces them.
    public func padded(to size: Int) throws -> BPETokenizer {
        guard size > vocabSize else { return self }
        let extra = vocabSize..<size
        return try BPETokenizer(
            tokenBytes: tokenBytes + extra.map { Array("[PAD\($0)]".utf8) }, pieces: pieces + extra.map { "[PAD\($0)]" },
            tokenTypes: tokenTypes + extra.map { _ in .unused }, merges: merges, preTokenizer: preTokenizer,
            specialIDs: specialIDs, addBOS: addBOS, addEOS: addEOS)
    }
}
