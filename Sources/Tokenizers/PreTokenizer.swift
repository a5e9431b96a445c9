// Pre-tokenization: cutting text into chunks ("words") before BPE, so merges never cross a chunk boundary.
//
// GPT-2 (openai/gpt-2 `encoder.py`) cuts with the regex
//     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// and later models use variants. llama.cpp (`src/llama-vocab.cpp`, `llm_tokenizer_bpe`) names each variant by the
// GGUF key `tokenizer.ggml.pre` and applies a *list* of regexes in turn: each one cuts every fragment left by the
// previous one, and text between matches stays a fragment of its own. We implement the same lists, but each regex
// is a hand-written scanner over Unicode scalars (a regex engine is ~50× slower here, and the scanners read like
// the alternations they implement: first alternative that matches wins, each one greedy).
//
// Classes: \p{L} = letters (Lu Ll Lt Lm Lo), \p{N} = numbers (Nd Nl No), \s = Unicode White_Space,
// \p{P} = punctuation (Pc Pd Ps Pe Pi Pf Po). Bytes that are not valid UTF-8 are single "other" units, so any byte
// string can be pre-tokenized (and round-trips through byte-level BPE).

/// One regex of a pre-tokenizer's list.
public enum SplitRule: String, Sendable, Codable, CaseIterable {
    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    case gpt2
    /// Llama 3: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    case llama3
    /// Qwen 2: Llama 3's regex with `\p{N}` (one digit per chunk) instead of `\p{N}{1,3}`.
    case qwen2
    /// `\p{N}`: every number character alone (SmolLM, StarCoder).
    case eachNumber
    /// `\p{N}+`
    case numberRuns
    /// `[0-9][0-9][0-9]`
    case asciiDigitTriples
    /// `[\p{P}\$\+<=>\^~\|]+`
    case punctuationRuns
}

/// A named list of split rules, as selected by GGUF's `tokenizer.ggml.pre`.
public struct PreTokenizer: Sendable, Equatable, Codable {
    /// The name as written in GGUF / our JSON.
    public var name: String
    /// Applied in order; each rule cuts the fragments the previous one produced.
    public var rules: [SplitRule]
    /// Llama 3 and friends: a chunk that is itself a vocabulary entry is taken whole, skipping the merges
    /// (HF `ignore_merges`, llama.cpp `tokenizer_ignore_merges`).
    public var ignoreMerges: Bool

    public init(name: String, rules: [SplitRule], ignoreMerges: Bool = false) {
        self.name = name; self.rules = rules; self.ignoreMerges = ignoreMerges
    }

    public static let gpt2 = PreTokenizer(name: "gpt2", rules: [.gpt2])
    public static let llama3 = PreTokenizer(name: "llama-bpe", rules: [.llama3], ignoreMerges: true)
    public static let qwen2 = PreTokenizer(name: "qwen2", rules: [.qwen2])
    public static let smollm = PreTokenizer(name: "smollm", rules: [.eachNumber, .gpt2])
    /// llama.cpp's fallback for BPE vocabularies without (or with an unknown) `tokenizer.ggml.pre`.
    public static let `default` = PreTokenizer(
        name: "default", rules: [.punctuationRuns, .gpt2, .numberRuns, .asciiDigitTriples])

    /// The pre-tokenizer for a `tokenizer.ggml.pre` value; nil when we do not know the name.
    /// Names that llama.cpp maps to the same regex list share an entry.
    public static func named(_ name: String) -> PreTokenizer? {
        switch name {
        case "gpt2", "gpt-2", "mpt", "olmo", "jais": return PreTokenizer(name: name, rules: [.gpt2])
        case "llama-bpe", "llama3", "llama-v3", "dbrx", "smaug-bpe", "falcon3", "pixtral":
            return PreTokenizer(name: name, rules: [.llama3], ignoreMerges: true)
        case "qwen2", "stablelm2", "hunyuan": return PreTokenizer(name: name, rules: [.qwen2])
        case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b":
            return PreTokenizer(name: name, rules: [.eachNumber, .gpt2])
        case "default": return .default
        default: return nil
        }
    }

    /// Cuts `bytes` into chunks, returned as byte ranges covering the input in order.
    public func split(_ bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        let units = ScalarUnits(bytes)
        var fragments = [0..<units.count]
        var next: [Range<Int>] = []
        for rule in rules {
            next.removeAll(keepingCapacity: true)
            next.reserveCapacity(fragments.count * 2)
            for f in fragments { units.split(f, by: rule, into: &next) }
            swap(&fragments, &next)
        }
        return fragments.map { units.byteOffset[$0.lowerBound]..<units.byteOffset[$0.upperBound] }
    }

    /// Convenience for tests and the CLI: the chunks of a string.
    public func split(_ text: String) -> [String] {
        var t = text
        return t.withUTF8 { buf in
            split(buf).map { String(decoding: UnsafeBufferPointer(rebasing: buf[$0]), as: UTF8.self) }
        }
    }
}

// MARK: - Unicode classes

/// Character classes as bit flags, one byte per scalar.
struct CharClass: OptionSet {
    let rawValue: UInt8
    static let letter = CharClass(rawValue: 1)  // \p{L}
    static let number = CharClass(rawValue: 2)  // \p{N}
    static let space = CharClass(rawValue: 4)  // \s
    static let punct = CharClass(rawValue: 8)  // \p{P}

    static func of(_ v: UInt32) -> CharClass {
        if v < 0x10000 { return CharClass(rawValue: bmpTable[Int(v)]) }
        return compute(v)
    }

    /// Basic Multilingual Plane looked up once (immutable); other planes are classified on demand.
    static let bmpTable: [UInt8] = (0..<0x10000).map { compute(UInt32($0)).rawValue }

    static func compute(_ v: UInt32) -> CharClass {
        guard let s = Unicode.Scalar(v) else { return [] }  // surrogate code points / invalid bytes: "other"
        let p = s.properties
        var c: CharClass = []
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: c.insert(.letter)
        case .decimalNumber, .letterNumber, .otherNumber: c.insert(.number)
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            c.insert(.punct)
        default: break
        }
        if p.isWhitespace { c.insert(.space) }
        return c
    }
}

// MARK: - The text as scalars

/// The input decoded once into Unicode scalars with their class and byte offset; the scanners index these.
/// A byte that does not start a valid UTF-8 sequence becomes one unit with value `invalid` and no class.
struct ScalarUnits {
    static let invalid: UInt32 = 0xFFFF_FFFF
    /// Scalar values, (count).
    var value: [UInt32] = []
    /// Class of each scalar, (count).
    var cls: [CharClass] = []
    /// Byte offset of each scalar, (count + 1): the last entry is the total length.
    var byteOffset: [Int] = []
    var count: Int { value.count }

    init(_ b: UnsafeBufferPointer<UInt8>) {
        value.reserveCapacity(b.count); cls.reserveCapacity(b.count); byteOffset.reserveCapacity(b.count + 1)
        var i = 0
        while i < b.count {
            let (v, n) = ScalarUnits.decode(b, at: i)
            value.append(v)
            cls.append(v == ScalarUnits.invalid ? [] : CharClass.of(v))
            byteOffset.append(i)
            i += n
        }
        byteOffset.append(b.count)
    }

    /// One UTF-8 sequence at `i`: (scalar, length), or (invalid, 1) for a byte that does not start a valid one.
    static func decode(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> (UInt32, Int) {
        let b0 = UInt32(b[i])
        if b0 < 0x80 { return (b0, 1) }
        func cont(_ k: Int) -> UInt32? {
            guard i + k < b.count, b[i + k] & 0xC0 == 0x80 else { return nil }
            return UInt32(b[i + k] & 0x3F)
        }
        if b0 >= 0xC2, b0 <= 0xDF, let c1 = cont(1) { return ((b0 & 0x1F) << 6 | c1, 2) }
        if b0 >= 0xE0, b0 <= 0xEF, let c1 = cont(1), let c2 = cont(2) {
            let v = (b0 & 0x0F) << 12 | c1 << 6 | c2
            if v >= 0x800, !(0xD800...0xDFFF).contains(v) { return (v, 3) }
        }
        if b0 >= 0xF0, b0 <= 0xF4, let c1 = cont(1), let c2 = cont(2), let c3 = cont(3) {
            let v = (b0 & 0x07) << 18 | c1 << 12 | c2 << 6 | c3
            if v >= 0x10000, v <= 0x10FFFF { return (v, 4) }
        }
        return (invalid, 1)
    }

    // MARK: Splitting

    /// Appends the pieces `rule` cuts `range` into: its matches, and the text between matches.
    func split(_ range: Range<Int>, by rule: SplitRule, into out: inout [Range<Int>]) {
        var i = range.lowerBound
        var gapStart = i
        let end = range.upperBound
        while i < end {
            let n = matchLength(rule, at: i, end: end)
            if n == 0 { i += 1; continue }
            if gapStart < i { out.append(gapStart..<i) }
            out.append(i..<(i + n))
            i += n
            gapStart = i
        }
        if gapStart < end { out.append(gapStart..<end) }
    }

    /// Length in scalars of the rule's match starting at `i` (0: no match). `end` is the fragment's end,
    /// which is the end of the string as far as the regex (and its `(?!\S)`) can see.
    func matchLength(_ rule: SplitRule, at i: Int, end: Int) -> Int {
        switch rule {
        case .gpt2: return gpt2(at: i, end: end)
        case .llama3: return llama3(at: i, end: end, maxDigits: 3)
        case .qwen2: return llama3(at: i, end: end, maxDigits: 1)
        case .eachNumber: return cls[i].contains(.number) ? 1 : 0
        case .numberRuns: return run(from: i, end: end) { $0.contains(.number) }
        case .asciiDigitTriples:
            guard i + 3 <= end else { return 0 }
            return (i..<(i + 3)).allSatisfy { (48...57).contains(value[$0]) } ? 3 : 0
        case .punctuationRuns:
            return runWhere(from: i, end: end) { v, c in
                c.contains(.punct) || v == 0x24 || v == 0x2B || v == 0x3C || v == 0x3D || v == 0x3E
                    || v == 0x5E || v == 0x7E || v == 0x7C  // $ + < = > ^ ~ |
            }
        }
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    func gpt2(at i: Int, end: Int) -> Int {
        let c = contraction(at: i, end: end, caseInsensitive: false)
        if c > 0 { return c }
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional space joins the run of one class after it.
        let start = (value[i] == 0x20 && i + 1 < end && !cls[i + 1].contains(.space)) ? i + 1 : i
        let k = cls[start]
        if k.contains(.letter) { return start - i + run(from: start, end: end) { $0.contains(.letter) } }
        if k.contains(.number) { return start - i + run(from: start, end: end) { $0.contains(.number) } }
        if !k.contains(.space) { return start - i + run(from: start, end: end) { Self.isOther($0) } }
        return whitespace(at: i, end: end)
    }

    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,maxDigits}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    func llama3(at i: Int, end: Int, maxDigits: Int) -> Int {
        let c = contraction(at: i, end: end, caseInsensitive: true)
        if c > 0 { return c }
        let k = cls[i], v = value[i]
        // `[^\r\n\p{L}\p{N}]?\p{L}+`: one leading non-letter, non-digit, non-newline character joins the word.
        if !k.contains(.letter), !k.contains(.number), v != 0x0D, v != 0x0A, i + 1 < end, cls[i + 1].contains(.letter) {
            return 1 + run(from: i + 1, end: end) { $0.contains(.letter) }
        }
        if k.contains(.letter) { return run(from: i, end: end) { $0.contains(.letter) } }
        if k.contains(.number) { return min(maxDigits, run(from: i, end: end) { $0.contains(.number) }) }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        let start = (v == 0x20 && i + 1 < end && Self.isOther(cls[i + 1])) ? i + 1 : i
        if Self.isOther(cls[start]) {
            var j = start + run(from: start, end: end) { Self.isOther($0) }
            while j < end, value[j] == 0x0A || value[j] == 0x0D { j += 1 }
            return j - i
        }
        // `\s*[\r\n]+`: greedy \s* backs off to the last newline of the whitespace run, which [\r\n]+ then ends on.
        let n = run(from: i, end: end) { $0.contains(.space) }
        if let last = (i..<(i + n)).last(where: { value[$0] == 0x0A || value[$0] == 0x0D }) { return last + 1 - i }
        return whitespace(at: i, end: end)
    }

    /// `\s+(?!\S)|\s+` at a whitespace character: the whole run if it ends the fragment, else all but its last
    /// character (which then joins the next word, e.g. as the " " of " world"); a single character alone.
    func whitespace(at i: Int, end: Int) -> Int {
        let n = run(from: i, end: end) { $0.contains(.space) }
        if i + n == end { return n }
        return n >= 2 ? n - 1 : 1
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d`, optionally case-insensitive (ASCII letters only, as in the regex).
    func contraction(at i: Int, end: Int, caseInsensitive: Bool) -> Int {
        guard value[i] == 0x27, i + 1 < end else { return 0 }  // '
        func ch(_ k: Int) -> UInt32 {
            guard k < end else { return 0 }
            let v = value[k]
            return caseInsensitive && (65...90).contains(v) ? v + 32 : v
        }
        switch ch(i + 1) {
        case 0x73, 0x74, 0x6D, 0x64: return 2  // s t m d
        case 0x72, 0x76: return ch(i + 2) == 0x65 ? 3 : 0  // re ve
        case 0x6C: return ch(i + 2) == 0x6C ? 3 : 0  // ll
        default: return 0
        }
    }

    /// `[^\s\p{L}\p{N}]`
    @inline(__always) static func isOther(_ c: CharClass) -> Bool {
        c.isDisjoint(with: [.space, .letter, .number])
    }

    @inline(__always) func run(from i: Int, end: Int, _ member: (CharClass) -> Bool) -> Int {
        var j = i
        while j < end, member(cls[j]) { j += 1 }
        return j - i
    }

    @inline(__always) func runWhere(from i: Int, end: Int, _ member: (UInt32, CharClass) -> Bool) -> Int {
        var j = i
        while j < end, member(value[j], cls[j]) { j += 1 }
        return j - i
    }
}
