// Learning byte-level BPE merges from a corpus (Sennrich et al. 2016; GPT-2's byte-level variant).
//
// 1. Pre-tokenize the corpus and count each distinct chunk ("word") once with its frequency — WikiText-2's
//    2.4 M chunks are ~70 k distinct words, so all later work is on those.
// 2. Each word is a sequence of ids, starting as its bytes. Count every adjacent pair, weighted by word frequency.
// 3. Repeat until the vocabulary is full: take the most frequent pair (ties: the lowest (left, right) ids, so runs
//    are reproducible), give it the next id, and rewrite the words that contain it.
//
// Step 3 must not recount everything per merge (3 840 merges × all pairs is too slow). We keep
//   pairCount: pair → weighted count,  wordsWith: pair → words that (may) contain it,  a max-heap of (count, pair)
// and after each merge update only the words that contained the pair. Heap entries go stale when a count changes;
// a popped entry whose count differs from `pairCount` is dropped (a fresh entry was pushed when it changed).

import Foundation

public struct BPETrainer {
    /// Training parameters.
    public struct Options: Sendable, Equatable, Codable {
        /// Final vocabulary size including the 256 bytes and the special tokens (GPT-2: 50 257).
        public var vocabSize: Int = 4096
        /// How the corpus is cut before counting; merges never cross chunk boundaries.
        public var preTokenizer: PreTokenizer = .gpt2
        /// Reserved tokens placed after the merges, in this order (GPT-2: `<|endoftext|>` only).
        public var specialTokens: [String] = ["<|endoftext|>"]
        /// Stop early when the best pair occurs fewer times than this.
        public var minPairCount: Int = 2

        public init(vocabSize: Int = 4096, preTokenizer: PreTokenizer = .gpt2,
                    specialTokens: [String] = ["<|endoftext|>"], minPairCount: Int = 2) {
            self.vocabSize = vocabSize; self.preTokenizer = preTokenizer
            self.specialTokens = specialTokens; self.minPairCount = minPairCount
        }
    }

    public var options: Options

    public init(options: Options = Options()) { self.options = options }

    /// Heap entry: more frequent first, then the lower pair key (left id, then right id).
    struct Candidate: Comparable {
        var count: Int
        var key: UInt64
        static func < (a: Candidate, b: Candidate) -> Bool {
            a.count != b.count ? a.count < b.count : a.key > b.key
        }
    }

    /// Learns merges from `text`. `progress(done, total)` is called after each merge.
    public func train(_ text: String, progress: ((Int, Int) -> Void)? = nil) throws -> BPETokenizer {
        let nSpecial = options.specialTokens.count
        let targetMerges = options.vocabSize - 256 - nSpecial
        precondition(targetMerges >= 0, "vocabSize \(options.vocabSize) < 256 bytes + \(nSpecial) special tokens")

        // 1. Distinct chunks with their counts.
        var wordCount: [ArraySlice<UInt8>: Int] = [:]
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer { buf in
            for r in options.preTokenizer.split(buf) { wordCount[bytes[r], default: 0] += 1 }
        }
        // Sorted so that everything below is independent of Dictionary's per-process hash seed.
        let sortedWords = wordCount.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        var words: [[Int32]] = sortedWords.map { $0.key.map { Int32($0) } }
        let counts: [Int] = sortedWords.map { $0.value }

        // 2. Pair counts and the pair → words index.
        var pairCount: [UInt64: Int] = [:]
        var wordsWith: [UInt64: [Int32]] = [:]
        for (w, word) in words.enumerated() where word.count >= 2 {
            for j in 0..<(word.count - 1) {
                let key = BPETokenizer.pairKey(word[j], word[j + 1])
                pairCount[key, default: 0] += counts[w]
                wordsWith[key, default: []].append(Int32(w))
            }
        }
        var heap = BinaryHeap<Candidate>()
        for (key, c) in pairCount { heap.push(Candidate(count: c, key: key)) }

        // 3. Merge loop.
        var tokenBytes: [[UInt8]] = (0..<256).map { [UInt8($0)] }
        var merges: [BPETokenizer.Merge] = []
        var lastVisit = [Int](repeating: -1, count: words.count)  // a word listed twice is rewritten once
        var changed = Set<UInt64>()
        while merges.count < targetMerges, let top = heap.pop() {
            guard pairCount[top.key] == top.count else { continue }  // stale entry
            if top.count < options.minPairCount { break }
            let a = Int32(truncatingIfNeeded: top.key >> 32), b = Int32(truncatingIfNeeded: top.key & 0xFFFF_FFFF)
            let z = Int32(tokenBytes.count)
            tokenBytes.append(tokenBytes[Int(a)] + tokenBytes[Int(b)])
            merges.append(.init(left: a, right: b, result: z))

            changed.removeAll(keepingCapacity: true)
            for w32 in wordsWith[top.key] ?? [] {
                let w = Int(w32)
                if lastVisit[w] == merges.count { continue }
                lastVisit[w] = merges.count
                let old = words[w]
                guard let new = Self.merge(old, a, b, into: z) else { continue }  // no longer contains the pair
                let c = counts[w]
                for j in 0..<(old.count - 1) {
                    let key = BPETokenizer.pairKey(old[j], old[j + 1])
                    pairCount[key, default: 0] -= c
                    changed.insert(key)
                }
                for j in 0..<max(0, new.count - 1) {
                    let key = BPETokenizer.pairKey(new[j], new[j + 1])
                    pairCount[key, default: 0] += c
                    changed.insert(key)
                    if new[j] == z || new[j + 1] == z { wordsWith[key, default: []].append(w32) }
                }
                words[w] = new
            }
            wordsWith[top.key] = nil
            for key in changed {
                let c = pairCount[key] ?? 0
                if c > 0 { heap.push(Candidate(count: c, key: key)) } else { pairCount[key] = nil }
            }
            progress?(merges.count, targetMerges)
        }

        // Special tokens after the merges; the first one doubles as BOS/EOS/EOT like GPT-2's <|endoftext|>.
        var types = [TokenType](repeating: .normal, count: tokenBytes.count)
        for s in options.specialTokens { tokenBytes.append(Array(s.utf8)); types.append(.control) }
        let first: Int32? = nSpecial > 0 ? Int32(tokenBytes.count - nSpecial) : nil
        return try BPETokenizer(
            tokenBytes: tokenBytes, tokenTypes: types, merges: merges, preTokenizer: options.preTokenizer,
            specialIDs: SpecialTokenIDs(bos: first, eos: first, eot: first))
    }

    /// `word` with every non-overlapping occurrence of (a, b), left to right, replaced by z; nil if none.
    static func merge(_ word: [Int32], _ a: Int32, _ b: Int32, into z: Int32) -> [Int32]? {
        var out: [Int32] = []
        out.reserveCapacity(word.count)
        var i = 0, found = false
        while i < word.count {
            if i + 1 < word.count, word[i] == a, word[i + 1] == b {
                out.append(z); i += 2; found = true
            } else {
                out.append(word[i]); i += 1
            }
        }
        return found ? out : nil
    }
}
