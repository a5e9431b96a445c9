// JSONShortestCompletion: from any state of a JSONGrammar, the fewest bytes that end the document — finish the
// open string, escape, number, literal or key, write the value still expected, write the schema's required
// properties still missing, then close every open array and object. JSONConstraint's closing budget plans with it
// (see there), so that a document cut by max tokens or by the context still parses.
//
// The shortest value a schema node admits (no whitespace; on a tie the scalar wins, so the completion never opens a
// container where maxDepth would refuse one):
//   number/integer `0` · string `""` · enum/const/true/false/null its shortest literal · array `[]` (no schema
//   keyword here asks for items) · object `{` + its required properties as `"key":shortest`, joined by `,` + `}`.
// Closing a container from after one of its values costs `]`, or `,"key":shortest` per required property not
// written yet and `}`. A state's completion is its own part, then the innermost container's closing, then the
// closings of the containers around it, which the grammar keeps summed in `outerClosing` — so the length costs
// O(missing properties), not a walk of the stack, and the budget can ask it once per allowed token.

/// The shortest value of every node of a schema, and the length of each listed property written with it.
struct ShortestValues: Sendable {
    /// texts[n]: the shortest text node n admits.
    let texts: [[UInt8]]
    /// lengths[n] = texts[n].count.
    let lengths: [Int32]
    /// member[n][k]: bytes of property k of node n written as `"key":shortest` (no comma).
    let member: [[Int32]]

    init(_ schema: JSONSchema) {
        var memo = [[UInt8]?](repeating: nil, count: schema.nodes.count)
        // Children are compiled before their parents and `properties` form a tree (no $ref), so this ends.
        func text(_ n: Int) -> [UInt8] {
            if let t = memo[n] { return t }
            let node = schema.nodes[n]
            var best: [UInt8]? = nil
            func offer(_ t: [UInt8]) { if best == nil || t.count < best!.count { best = t } }
            if !node.types.isDisjoint(with: [.number, .integer]) { offer(Array("0".utf8)) }
            if node.types.contains(.string) { offer(Array("\"\"".utf8)) }
            for literal in node.literals { offer(literal) }
            if node.types.contains(.array) { offer(Array("[]".utf8)) }
            if node.types.contains(.object) {
                var object: [UInt8] = [UInt8(ascii: "{")]
                for (k, p) in (node.properties ?? []).enumerated() where node.required & (1 << UInt64(k)) != 0 {
                    if object.count > 1 { object.append(UInt8(ascii: ",")) }
                    object += p.literal + [UInt8(ascii: ":")] + text(p.schema)
                }
                offer(object + [UInt8(ascii: "}")])
            }
            precondition(best != nil, "schema node \(n) admits no value")
            memo[n] = best
            return best!
        }
        let texts = schema.nodes.indices.map(text)
        self.texts = texts
        self.lengths = texts.map { Int32($0.count) }
        self.member = schema.nodes.map { node in
            (node.properties ?? []).map { Int32($0.literal.count + 1 + texts[$0.schema].count) }
        }
    }
}

extension JSONGrammar {
    /// Required properties of an object frame not written yet (0 for arrays and unlisted objects).
    @inline(__always) func missing(_ frame: Frame) -> UInt64 {
        frame.isObject ? schema.nodes[Int(frame.node)].required & ~frame.seen : 0
    }

    /// Bytes that close `frame` from after one of its values: `]`, or `,"key":shortest` per missing required
    /// property and `}`.
    @inline(__always) func closingLength(_ frame: Frame) -> Int32 {
        var n: Int32 = 1
        var rest = missing(frame)
        while rest != 0 {
            let k = rest.trailingZeroBitCount
            rest &= rest - 1
            n += 1 + shortest.member[Int(frame.node)][k]
        }
        return n
    }

    /// The text `closingLength` counts.
    func closingText(_ frame: Frame) -> [UInt8] {
        guard frame.isObject else { return [UInt8(ascii: "]")] }
        var out: [UInt8] = []
        var rest = missing(frame)
        while rest != 0 {
            let k = rest.trailingZeroBitCount
            rest &= rest - 1
            let p = schema.nodes[Int(frame.node)].properties![k]
            out += [UInt8(ascii: ",")] + p.literal + [UInt8(ascii: ":")] + shortest.texts[p.schema]
        }
        return out + [UInt8(ascii: "}")]
    }

    /// Length of the fewest bytes after which `isComplete` holds; 0 when it holds now. Equals
    /// `shortestCompletion.count`, computed without building the text (the closing budget asks it per token).
    public var shortestCompletionLength: Int {
        // Everything after the value (or key) being read: close `top`, then the containers around it.
        let after = depth == 0 ? 0 : Int(closingLength(top) + outerClosing)
        switch mode {
        case .done: return 0
        case .value: return Int(shortest.lengths[Int(expected)]) + after
        case .arrayFirst, .afterValue: return after
        // `after` counts a comma before the first missing property; after `{` or `,` none is written.
        case .objectFirst: return after - (missing(top) != 0 ? 1 : 0)
        case .objectKey:
            if missing(top) != 0 { return after - 1 }
            return Int(cheapestOptionalMember().length) + after
        case .colon: return 1 + Int(shortest.lengths[Int(expected)]) + after
        case let .string(isKey, lex):
            // A key of an unlisted object is followed by `:0` (its value may be anything).
            return Self.stringRestLength(lex) + (isKey ? 2 : 0) + after
        case let .literal(candidates, length):
            return shortestLiteralLength(candidates) - Int(length) + after
        case let .key(candidates, length):
            return cheapestKey(candidates, length).length + Int(outerClosing)
        case let .number(lex, _, _):
            return (lex.isAccepting ? 0 : 1) + after
        }
    }

    /// The fewest bytes after which `isComplete` holds (empty when it holds now), e.g. `"]}` after `{"a": [1, "x`.
    public var shortestCompletion: [UInt8] {
        var out: [UInt8]
        // The innermost container's closing, unless the case below already wrote it.
        var closeTop = depth > 0
        switch mode {
        case .done, .arrayFirst, .afterValue: out = []
        case .value: out = shortest.texts[Int(expected)]
        case .objectFirst, .objectKey:
            if missing(top) != 0 {
                out = Array(closingText(top).dropFirst())   // no comma before the first property
                closeTop = false
            } else if mode == .objectKey {
                out = cheapestOptionalMember().text
            } else {
                out = []
            }
        case .colon: out = [UInt8(ascii: ":")] + shortest.texts[Int(expected)]
        case let .string(isKey, lex): out = Self.stringRest(lex) + (isKey ? Array(":0".utf8) : [])
        case let .literal(candidates, length): out = shortestLiteral(candidates, length)
        case let .key(candidates, length):
            let k = cheapestKey(candidates, length).k
            let p = schema.nodes[Int(top.node)].properties![k]
            var written = top
            written.seen |= 1 << UInt64(k)
            out = Array(p.literal[Int(length)...]) + [UInt8(ascii: ":")] + shortest.texts[p.schema] + closingText(written)
            closeTop = false
        case let .number(lex, _, _): out = Self.numberRest(lex)
        }
        if closeTop { out += closingText(top) }
        for frame in outer.reversed() { out += closingText(frame) }
        return out
    }

    /// After `,` in an object whose required properties are all written: the shortest member that may follow
    /// (`"":0` in an unlisted object).
    func cheapestOptionalMember() -> (length: Int32, text: [UInt8]) {
        guard let properties = schema.nodes[Int(top.node)].properties else { return (4, Array("\"\":0".utf8)) }
        var best = -1
        var rest = unwritten()
        while rest != 0 {
            let k = rest.trailingZeroBitCount
            rest &= rest - 1
            if best < 0 || shortest.member[Int(top.node)][k] < shortest.member[Int(top.node)][best] { best = k }
        }
        precondition(best >= 0, "a comma was read in an object with every listed property written")
        let p = properties[best]
        return (shortest.member[Int(top.node)][best], p.literal + [UInt8(ascii: ":")] + shortest.texts[p.schema])
    }

    /// Inside a listed key: the candidate whose completion — rest of the key, `:`, shortest value, then closing
    /// `top` with it written — is shortest, and that length (without the containers around `top`).
    func cheapestKey(_ candidates: UInt64, _ length: UInt16) -> (k: Int, length: Int) {
        var best = (k: -1, length: Int.max)
        var rest = candidates
        while rest != 0 {
            let k = rest.trailingZeroBitCount
            rest &= rest - 1
            var written = top
            written.seen |= 1 << UInt64(k)
            let n = Int(shortest.member[Int(top.node)][k]) - Int(length) + Int(closingLength(written))
            if n < best.length { best = (k, n) }
        }
        return best
    }

    /// Length of the shortest literal among `candidates`.
    func shortestLiteralLength(_ candidates: UInt64) -> Int {
        let texts = schema.nodes[Int(expected)].literals
        var best = Int.max
        var rest = candidates
        while rest != 0 {
            let k = rest.trailingZeroBitCount
            rest &= rest - 1
            best = min(best, texts[k].count)
        }
        return best
    }

    /// The rest of the shortest literal still matching.
    func shortestLiteral(_ candidates: UInt64, _ length: UInt16) -> [UInt8] {
        let texts = schema.nodes[Int(expected)].literals
        var best: [UInt8]? = nil
        var rest = candidates
        while rest != 0 {
            let k = rest.trailingZeroBitCount
            rest &= rest - 1
            if best == nil || texts[k].count < best!.count { best = texts[k] }
        }
        return Array(best![Int(length)...])
    }

    /// `stringRest(lex).count`, without building it.
    static func stringRestLength(_ lex: StringLex) -> Int {
        switch lex {
        case .plain: return 1
        case let .utf8(need, _, _): return Int(need) + 1
        case .escape: return 2
        case let .hex(count, _, surrogate): return 4 - Int(count) + (surrogate == 2 ? 6 : 0) + 1
        case .lowBackslash: return 7
        case .lowU: return 6
        }
    }

    /// Bytes that end a string from `lex`: finish the UTF-8 character or escape, then `"`.
    static func stringRest(_ lex: StringLex) -> [UInt8] {
        let quote = UInt8(ascii: "\"")
        switch lex {
        case .plain: return [quote]
        case let .utf8(need, lo, _): return [lo] + [UInt8](repeating: 0x80, count: Int(need) - 1) + [quote]
        case .escape: return Array("n\"".utf8)
        case let .hex(count, low, surrogate):
            // The low half of a pair must be DC00–DFFF; otherwise zeros (after a first `D`, `D0xx` is no surrogate).
            let digits = Array((low ? "DC00" : "0000").utf8)[Int(count)...]
            return Array(digits) + (surrogate == 2 ? Array("\\uDC00".utf8) : []) + [quote]
        case .lowBackslash: return Array("\\uDC00\"".utf8)
        case .lowU: return Array("uDC00\"".utf8)
        }
    }

    /// Bytes that make a number complete: a digit after `-`, `.`, `e` or its sign.
    static func numberRest(_ lex: NumberLex) -> [UInt8] {
        lex.isAccepting ? [] : [UInt8(ascii: "0")]
    }
}
