// JSONGrammar: an incremental, byte-level recognizer for one JSON value (RFC 8259), optionally narrowed by a
// JSONSchema. It is a pushdown automaton: `mode` says what the next byte may be, `top`/`outer` are the stack of
// open containers. A value type that copies cheaply, so JSONConstraint can try a byte on a copy and drop it.
//
// Every byte is judged as it arrives, and a byte is refused as soon as no valid document can continue with it:
// a state the grammar accepts always has a continuation (some byte, or the end). That is what lets the constraint
// promise the model is never left without an allowed token.
//
// Where we are stricter than RFC 8259 (every document we admit parses with any RFC parser):
// - At most `maxWhitespaceRun` consecutive whitespace bytes between tokens, and none after the top-level value:
//   a model unsure what comes next often puts its mass on whitespace, and unconstrained it can emit spaces and
//   newlines forever while staying "valid".
// - The top-level value is an object or an array unless `allowScalarTopLevel` (or a schema) says otherwise: a bare
//   `1` or `"…"` is rarely what "answer in JSON" means, and RFC 4627 required it.
// - \uXXXX escapes must form valid UTF-16: a high surrogate (D800–DBFF) must be followed by `\u` and a low one
//   (DC00–DFFF), and a lone low surrogate is refused (RFC 8259 §8.2 leaves those "unpredictable"; I-JSON,
//   RFC 7493, forbids them). Raw bytes must be well-formed UTF-8 (RFC 8259 §8.1; RFC 3629 table 3-7).
// - Containers nest at most `maxDepth` deep where another kind of value is allowed instead.
// - A number's integer part and its fraction have at most `maxNumberDigits` digits each and its exponent at most
//   two, so every number is a finite binary64 (below 10^(20+99) by default; RFC 8259 §6 advises staying in
//   binary64's range, and JSONSerialization refuses numbers outside it), and a model caught repeating a digit stops.

public struct JSONGrammar: Sendable {
    public struct Options: Sendable, Equatable, Codable {
        /// Whether a scalar (string, number, true/false/null) may be the whole document without a schema.
        public var allowScalarTopLevel: Bool = false
        /// Longest run of whitespace bytes (space, tab, LF, CR) between two tokens. 8 admits `\n` plus three
        /// levels of two-space indentation, and compact `, ` / `: ` styles; more is refused (see the file header).
        public var maxWhitespaceRun: Int = 8
        /// Deepest nesting of objects/arrays where the schema (or its absence) also allows a scalar there.
        public var maxDepth: Int = 32
        /// Most digits in a number's integer part, and separately in its fraction (20 holds any 64-bit integer).
        public var maxNumberDigits: Int = 20

        public init(allowScalarTopLevel: Bool = false, maxWhitespaceRun: Int = 8, maxDepth: Int = 32, maxNumberDigits: Int = 20) {
            self.allowScalarTopLevel = allowScalarTopLevel
            self.maxWhitespaceRun = maxWhitespaceRun
            self.maxDepth = maxDepth
            self.maxNumberDigits = maxNumberDigits
        }
    }

    /// An open object or array, with its schema node.
    struct Frame: Sendable, Equatable {
        var node: Int32
        var isObject: Bool
        /// Bit k: property k of the node's schema has been written (objects with listed properties).
        var seen: UInt64
    }

    /// Inside a string: what the next byte may be.
    enum StringLex: Sendable, Equatable {
        case plain
        /// `need` UTF-8 continuation bytes still to come; the next one must lie in lo...hi.
        case utf8(need: UInt8, lo: UInt8, hi: UInt8)
        /// After `\`.
        case escape
        /// `count` hex digits of a `\u` escape read so far; whether it must be a low surrogate; and what the digits
        /// so far say: 0 an ordinary code unit, 1 first digit D, 2 a high surrogate (D8–DB).
        case hex(count: UInt8, low: Bool, surrogate: UInt8)
        /// After a high surrogate `\uD8xx`: the `\` of its low half, then the `u`.
        case lowBackslash
        case lowU
    }

    /// Inside a number: which part of `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` was read last.
    enum NumberLex: Sendable, Equatable {
        case minus, zero, integer, dot, fraction, exponentMark, exponentSign, exponent

        /// Whether the number may end here.
        var isAccepting: Bool { self == .zero || self == .integer || self == .fraction || self == .exponent }
    }

    enum Mode: Sendable, Equatable {
        /// Expecting a value of node `expected`.
        case value
        /// After `[`: a value of the items' node, or `]`.
        case arrayFirst
        /// After `{`: a key or `}`.
        case objectFirst
        /// After `,` in an object: a key.
        case objectKey
        /// After a key: `:`.
        case colon
        /// After a value inside a container: `,` or its closer.
        case afterValue
        /// The top-level value is complete: only the end of the sequence.
        case done
        /// A string of any content: a key of an open object (`isKey`), or a string value.
        case string(isKey: Bool, lex: StringLex)
        /// Matching `expected`'s literals: bit k of `candidates` set while literal k agrees with the `length` bytes read.
        case literal(candidates: UInt64, length: UInt16)
        /// Matching the open object's unwritten property keys, as `literal` does.
        case key(candidates: UInt64, length: UInt16)
        /// `digits`: digits read in the current part (integer, fraction or exponent).
        case number(NumberLex, integerOnly: Bool, digits: UInt8)
    }

    /// Most digits in an exponent (see the file header).
    static let maxExponentDigits: UInt8 = 2

    public let schema: JSONSchema
    let maxWhitespaceRun: UInt8
    let maxDepth: Int
    let maxNumberDigits: UInt8
    var mode: Mode = .value
    /// Schema node of the value being read or expected next.
    var expected: Int32
    /// The innermost open container (meaningless when `depth` is 0), and the ones around it.
    var top = Frame(node: 0, isObject: false, seen: 0)
    var outer: [Frame] = []
    /// Number of open containers.
    public private(set) var depth = 0
    /// Whitespace bytes since the last token.
    var whitespace: UInt8 = 0
    /// Shortest texts of the schema's nodes, for `shortestCompletion` (JSONGrammar+Completion.swift).
    let shortest: ShortestValues
    /// Bytes that close every container in `outer` once `top` is closed: Σ `closingLength` over them (their
    /// `seen` cannot change while they are outer, so the sum is kept as they are pushed and popped).
    var outerClosing: Int32 = 0

    /// A recognizer for any JSON document, or for documents valid under `schema`.
    public init(schema: JSONSchema? = nil, options: Options = Options()) {
        precondition(options.maxWhitespaceRun >= 0 && options.maxWhitespaceRun <= 255,
                     "maxWhitespaceRun must be in 0...255, got \(options.maxWhitespaceRun)")
        precondition(options.maxDepth >= 1, "maxDepth must be at least 1, got \(options.maxDepth)")
        precondition(options.maxNumberDigits >= 1 && options.maxNumberDigits <= 255,
                     "maxNumberDigits must be in 1...255, got \(options.maxNumberDigits)")
        self.schema = schema ?? (options.allowScalarTopLevel ? .any : .anyContainer)
        self.maxWhitespaceRun = UInt8(options.maxWhitespaceRun)
        self.maxDepth = options.maxDepth
        self.maxNumberDigits = UInt8(options.maxNumberDigits)
        self.expected = Int32(self.schema.root)
        self.shortest = ShortestValues(self.schema)
    }

    /// Whether a whole value has been read, so the sequence may end here. A top-level number may still go on.
    public var isComplete: Bool {
        switch mode {
        case .done: return true
        case .number(let lex, _, _): return depth == 0 && lex.isAccepting
        case .literal(let candidates, let length): return depth == 0 && completeNumberLiteral(candidates, length)
        default: return false
        }
    }

    /// Reads one byte. Returns false, leaving the state unchanged, when no valid document continues with it.
    @inline(__always)
    public mutating func consume(_ b: UInt8) -> Bool {
        switch mode {
        case .string(let isKey, let lex): return string(b, isKey: isKey, lex)
        case .number(let lex, let integerOnly, let digits): return number(b, lex, integerOnly: integerOnly, digits: digits)
        case .literal(let candidates, let length): return literal(b, candidates, length)
        case .key(let candidates, let length): return key(b, candidates, length)
        default: break
        }
        if isWhitespace(b) {
            guard mode != .done, whitespace < maxWhitespaceRun else { return false }
            whitespace += 1
            return true
        }
        let ok: Bool
        switch mode {
        case .value: ok = startValue(b, node: expected)
        case .arrayFirst:
            if b == UInt8(ascii: "]") { ok = true; closeContainer() } else { ok = startValue(b, node: items(of: top.node)) }
        case .objectFirst:
            if b == UInt8(ascii: "}") {
                ok = schema.nodes[Int(top.node)].required == 0
                if ok { closeContainer() }
            } else {
                ok = b == UInt8(ascii: "\"") && startKey()
            }
        case .objectKey: ok = b == UInt8(ascii: "\"") && startKey()
        case .colon:
            ok = b == UInt8(ascii: ":")
            if ok { mode = .value }
        case .afterValue: ok = afterValue(b)
        default: ok = false
        }
        if ok { whitespace = 0 }
        return ok
    }

    /// Reads bytes in order; false (state unchanged) if any is refused.
    public mutating func consume(_ bytes: some Sequence<UInt8>) -> Bool {
        var copy = self
        for b in bytes where !copy.consume(b) { return false }
        self = copy
        return true
    }

    // MARK: Structure

    @inline(__always) func isWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    @inline(__always) func items(of i: Int32) -> Int32 { Int32(schema.nodes[Int(i)].items) }

    /// The first byte of a value of schema `node`.
    mutating func startValue(_ b: UInt8, node n: Int32) -> Bool {
        let node = schema.nodes[Int(n)]
        // Literals first: enum values, or true/false/null (which never share a first byte with `{ [ " -0-9`).
        var candidates: UInt64 = 0
        for (k, text) in node.literals.enumerated() where text[0] == b { candidates |= 1 << UInt64(k) }
        if candidates != 0 {
            expected = n
            return literal(b, candidates, 0)
        }
        let types = node.types
        // Refuse a container past maxDepth only where some other value is possible, so no state is a dead end.
        let hasScalar = !types.subtracting([.object, .array]).isEmpty || !node.literals.isEmpty
        let mayNest = depth < maxDepth || !hasScalar
        switch b {
        case UInt8(ascii: "{") where types.contains(.object) && mayNest:
            openContainer(Frame(node: n, isObject: true, seen: 0))
            mode = .objectFirst
        case UInt8(ascii: "[") where types.contains(.array) && mayNest:
            openContainer(Frame(node: n, isObject: false, seen: 0))
            mode = .arrayFirst
        case UInt8(ascii: "\"") where types.contains(.string):
            mode = .string(isKey: false, lex: .plain)
        case UInt8(ascii: "-") where !types.isDisjoint(with: [.number, .integer]):
            mode = .number(.minus, integerOnly: !types.contains(.number), digits: 0)
        case UInt8(ascii: "0") where !types.isDisjoint(with: [.number, .integer]):
            mode = .number(.zero, integerOnly: !types.contains(.number), digits: 1)
        case UInt8(ascii: "1")...UInt8(ascii: "9") where !types.isDisjoint(with: [.number, .integer]):
            mode = .number(.integer, integerOnly: !types.contains(.number), digits: 1)
        default:
            return false
        }
        expected = n
        return true
    }

    mutating func openContainer(_ frame: Frame) {
        if depth > 0 {
            outer.append(top)
            outerClosing += closingLength(top)
        }
        top = frame
        depth += 1
    }

    mutating func closeContainer() {
        depth -= 1
        if depth > 0 {
            top = outer.removeLast()
            outerClosing -= closingLength(top)
        }
        finishValue()
    }

    /// A value just ended: the document is done, or its container goes on.
    @inline(__always) mutating func finishValue() {
        mode = depth == 0 ? .done : .afterValue
    }

    /// Properties of the open object not written yet, as a mask; all ones for an open (unlisted) object.
    @inline(__always) func unwritten() -> UInt64 {
        guard let properties = schema.nodes[Int(top.node)].properties else { return ~0 }
        let all: UInt64 = properties.count == 64 ? ~0 : (1 << UInt64(properties.count)) - 1
        return all & ~top.seen
    }

    /// The opening quote of a key.
    mutating func startKey() -> Bool {
        if schema.nodes[Int(top.node)].properties == nil {
            mode = .string(isKey: true, lex: .plain)
            return true
        }
        let candidates = unwritten()
        guard candidates != 0 else { return false }
        mode = .key(candidates: candidates, length: 1)   // every key literal starts with the quote just read
        return true
    }

    mutating func afterValue(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: ","):
            if top.isObject {
                // A comma promises another key: refuse it when every listed key is written.
                guard unwritten() != 0 else { return false }
                mode = .objectKey
            } else {
                mode = .value
                expected = items(of: top.node)
            }
        case UInt8(ascii: "}") where top.isObject:
            let required = schema.nodes[Int(top.node)].required
            guard required & top.seen == required else { return false }
            closeContainer()
        case UInt8(ascii: "]") where !top.isObject:
            closeContainer()
        default:
            return false
        }
        return true
    }

    // MARK: Literals (true/false/null, enum values) and listed keys

    /// Literal candidates that agree with `b` at position `length`.
    @inline(__always)
    static func narrow(_ candidates: UInt64, _ texts: [[UInt8]], at length: Int, to b: UInt8) -> UInt64 {
        var out: UInt64 = 0
        var rest = candidates
        while rest != 0 {
            let k = rest.trailingZeroBitCount
            rest &= rest - 1
            let text = texts[k]
            if length < text.count && text[length] == b { out |= 1 << UInt64(k) }
        }
        return out
    }

    /// Whether a number literal among `candidates` is complete at `length` bytes (so a delimiter or the end may follow).
    func completeNumberLiteral(_ candidates: UInt64, _ length: UInt16) -> Bool {
        let texts = schema.nodes[Int(expected)].literals
        var rest = candidates
        while rest != 0 {
            let k = rest.trailingZeroBitCount
            rest &= rest - 1
            if texts[k].count == Int(length) { return true }
        }
        return false
    }

    mutating func literal(_ b: UInt8, _ candidates: UInt64, _ length: UInt16) -> Bool {
        let texts = schema.nodes[Int(expected)].literals
        let next = Self.narrow(candidates, texts, at: Int(length), to: b)
        if next == 0 {
            // A complete number literal ends at the first byte that does not extend it; that byte belongs to what follows.
            guard completeNumberLiteral(candidates, length) else { return false }
            let saved = mode
            finishValue()
            if consume(b) { return true }
            mode = saved
            return false
        }
        let n = length + 1
        // Strings, true, false and null end with their last byte; no other literal can extend them.
        var rest = next
        while rest != 0 {
            let k = rest.trailingZeroBitCount
            rest &= rest - 1
            let text = texts[k]
            if text.count == Int(n) && !isNumberStart(text[0]) {
                finishValue()
                whitespace = 0
                return true
            }
        }
        mode = .literal(candidates: next, length: n)
        whitespace = 0
        return true
    }

    @inline(__always) func isNumberStart(_ b: UInt8) -> Bool { b == UInt8(ascii: "-") || (b >= 0x30 && b <= 0x39) }

    mutating func key(_ b: UInt8, _ candidates: UInt64, _ length: UInt16) -> Bool {
        let properties = schema.nodes[Int(top.node)].properties!
        var next: UInt64 = 0
        var rest = candidates
        while rest != 0 {
            let k = rest.trailingZeroBitCount
            rest &= rest - 1
            let text = properties[k].literal
            if Int(length) < text.count && text[Int(length)] == b {
                if Int(length) + 1 == text.count {
                    // The closing quote: keys are distinct, so this one is the key written.
                    top.seen |= 1 << UInt64(k)
                    expected = Int32(properties[k].schema)
                    mode = .colon
                    return true
                }
                next |= 1 << UInt64(k)
            }
        }
        guard next != 0 else { return false }
        mode = .key(candidates: next, length: length + 1)
        return true
    }

    // MARK: Strings

    mutating func string(_ b: UInt8, isKey: Bool, _ lex: StringLex) -> Bool {
        switch lex {
        case .plain:
            switch b {
            case UInt8(ascii: "\""):
                if isKey {
                    expected = 0   // a member of an open object may be any value
                    mode = .colon
                } else {
                    finishValue()
                }
                return true
            case UInt8(ascii: "\\"): mode = .string(isKey: isKey, lex: .escape)
            case 0x00..<0x20: return false   // control bytes must be escaped
            case 0x20..<0x80: return true
            // UTF-8 lead bytes and the range of the byte after them (RFC 3629 §4), which excludes overlong forms,
            // surrogates and code points past U+10FFFF.
            case 0xC2...0xDF: mode = .string(isKey: isKey, lex: .utf8(need: 1, lo: 0x80, hi: 0xBF))
            case 0xE0: mode = .string(isKey: isKey, lex: .utf8(need: 2, lo: 0xA0, hi: 0xBF))
            case 0xE1...0xEC, 0xEE, 0xEF: mode = .string(isKey: isKey, lex: .utf8(need: 2, lo: 0x80, hi: 0xBF))
            case 0xED: mode = .string(isKey: isKey, lex: .utf8(need: 2, lo: 0x80, hi: 0x9F))
            case 0xF0: mode = .string(isKey: isKey, lex: .utf8(need: 3, lo: 0x90, hi: 0xBF))
            case 0xF1...0xF3: mode = .string(isKey: isKey, lex: .utf8(need: 3, lo: 0x80, hi: 0xBF))
            case 0xF4: mode = .string(isKey: isKey, lex: .utf8(need: 3, lo: 0x80, hi: 0x8F))
            default: return false   // 0x80–0xC1 (continuations, overlong leads), 0xF5–0xFF
            }
        case let .utf8(need, lo, hi):
            guard b >= lo && b <= hi else { return false }
            mode = .string(isKey: isKey, lex: need == 1 ? .plain : .utf8(need: need - 1, lo: 0x80, hi: 0xBF))
        case .escape:
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                 UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                mode = .string(isKey: isKey, lex: .plain)
            case UInt8(ascii: "u"): mode = .string(isKey: isKey, lex: .hex(count: 0, low: false, surrogate: 0))
            default: return false
            }
        case let .hex(count, low, surrogate):
            guard let d = hexValue(b) else { return false }
            // Surrogates are decided by the first two digits: D8–DB high, DC–DF low.
            var tag = surrogate
            if count == 0 {
                if low && d != 0xD { return false }
                tag = d == 0xD ? 1 : 0
            } else if count == 1 && tag == 1 {
                if low {
                    guard d >= 0xC else { return false }      // the second half must be DC00–DFFF
                    tag = 0
                } else {
                    guard d < 0xC else { return false }       // a low surrogate with no high one before it
                    tag = d >= 0x8 ? 2 : 0
                }
            }
            if count == 3 {
                mode = .string(isKey: isKey, lex: tag == 2 ? .lowBackslash : .plain)
            } else {
                mode = .string(isKey: isKey, lex: .hex(count: count + 1, low: low, surrogate: tag))
            }
        case .lowBackslash:
            guard b == UInt8(ascii: "\\") else { return false }
            mode = .string(isKey: isKey, lex: .lowU)
        case .lowU:
            guard b == UInt8(ascii: "u") else { return false }
            mode = .string(isKey: isKey, lex: .hex(count: 0, low: true, surrogate: 0))
        }
        return true
    }

    // MARK: Numbers

    mutating func number(_ b: UInt8, _ lex: NumberLex, integerOnly: Bool, digits: UInt8) -> Bool {
        let digit = b >= 0x30 && b <= 0x39
        var next: NumberLex? = nil
        var count = digits &+ 1   // digits in the current part, with this byte
        switch lex {
        case .minus: if digit { next = b == 0x30 ? .zero : .integer }
        case .zero: break
        case .integer: if digit && digits < maxNumberDigits { next = .integer }
        case .dot: if digit { next = .fraction }
        case .fraction: if digit && digits < maxNumberDigits { next = .fraction }
        case .exponentMark:
            if digit { next = .exponent } else if b == UInt8(ascii: "+") || b == UInt8(ascii: "-") { next = .exponentSign; count = 0 }
        case .exponentSign: if digit { next = .exponent }
        case .exponent: if digit && digits < Self.maxExponentDigits { next = .exponent }
        }
        if !integerOnly {
            if b == UInt8(ascii: "."), lex == .zero || lex == .integer { next = .dot; count = 0 }
            if b == UInt8(ascii: "e") || b == UInt8(ascii: "E"), lex == .zero || lex == .integer || lex == .fraction {
                next = .exponentMark; count = 0
            }
        }
        if let next {
            mode = .number(next, integerOnly: integerOnly, digits: count)
            return true
        }
        // Any other byte ends the number, if it may end here, and is read as what follows it.
        guard lex.isAccepting else { return false }
        let saved = mode
        finishValue()
        if consume(b) { return true }
        mode = saved
        return false
    }
}
