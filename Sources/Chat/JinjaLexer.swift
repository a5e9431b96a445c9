// JinjaLexer: template source → tokens. Text between tags becomes `.text`; `{{ … }}` and `{% … %}` become start and
// end markers around expression tokens; `{# … #}` comments vanish. Follows the Jinja2 template designer docs,
// "Whitespace Control", with the environment Hugging Face renders chat templates in:
//   trim_blocks    the first newline after a block tag `%}` (or comment `#}`) is removed;
//   lstrip_blocks  spaces and tabs from the start of a line up to a block tag `{%` (or comment) are removed;
//   `{%-` / `-%}`  remove all whitespace (newlines too) before / after the tag (likewise `{{-`, `-}}`, `{#-`, `-#}`);
//   `{%+`          keeps the spaces lstrip_blocks would remove;
//   keep_trailing_newline=False: one newline at the very end of the template is dropped.
// Like Jinja2, the lexer first turns every "\r\n" and "\r" into "\n" (string literals included).
// Offsets are indices into the source's Unicode scalars; errors turn them into line and column.

struct JinjaToken {
    enum Kind: Equatable {
        case text(String)
        case outputStart, outputEnd        // {{ }}
        case statementStart, statementEnd  // {% %}
        case name(String)
        case string(String)
        case integer(Int)
        case float(Double)
        /// An operator or punctuation: `==`, `//`, `(`, `|`, `.`…
        case symbol(String)
        case end
    }
    let kind: Kind
    let offset: Int
}

struct JinjaLexer {
    private let source: [Unicode.Scalar]
    private var tokens: [JinjaToken] = []

    init(source: [Unicode.Scalar]) { self.source = source }

    /// The source with "\r\n" and "\r" as "\n", as Jinja2 reads templates; offsets index this array.
    static func normalizeNewlines(_ source: String) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(source.unicodeScalars.count)
        var previous: Unicode.Scalar = " "
        for c in source.unicodeScalars {
            if c == "\r" { out.append("\n") } else if !(c == "\n" && previous == "\r") { out.append(c) }
            previous = c
        }
        return out
    }

    /// Tokens of a source already passed through `normalizeNewlines`.
    static func tokenize(_ source: [Unicode.Scalar]) throws -> [JinjaToken] {
        var lexer = JinjaLexer(source: source)
        try lexer.run()
        return lexer.tokens
    }

    private mutating func run() throws {
        var end = source.count
        if end > 0, source[end - 1] == "\n" { end -= 1 }
        var i = 0
        var stripLeading = false   // the previous tag ended with `-`
        var trimNewline = false    // the previous tag was a block or comment (trim_blocks)
        while i < end {
            let tagStart = nextTag(from: i, end: end)
            var textStart = i
            if trimNewline, textStart < tagStart, source[textStart] == "\n" { textStart += 1 }
            if stripLeading { while textStart < tagStart, isSpace(source[textStart]) { textStart += 1 } }
            var textEnd = tagStart
            if tagStart < end {
                let opener = source[tagStart + 1]
                let modifier = tagStart + 2 < end ? source[tagStart + 2] : " "
                if modifier == "-" {
                    while textEnd > textStart, isSpace(source[textEnd - 1]) { textEnd -= 1 }
                } else if modifier != "+", opener == "%" || opener == "#" {
                    textEnd = lstripBlock(textStart: textStart, tagStart: tagStart)
                }
            }
            if textStart < textEnd {
                var s = ""
                s.unicodeScalars.append(contentsOf: source[textStart..<textEnd])
                tokens.append(JinjaToken(kind: .text(s), offset: textStart))
            }
            guard tagStart < end else { break }
            (i, stripLeading, trimNewline) = try tag(at: tagStart, end: end)
        }
        tokens.append(JinjaToken(kind: .end, offset: end))
    }

    /// The next `{{`, `{%` or `{#` at or after `i`, or `end`.
    private func nextTag(from i: Int, end: Int) -> Int {
        var j = i
        while j + 1 < end {
            if source[j] == "{", source[j + 1] == "{" || source[j + 1] == "%" || source[j + 1] == "#" { return j }
            j += 1
        }
        return end
    }

    /// lstrip_blocks: where the text before a block tag ends once the tag's line-leading spaces/tabs are removed.
    /// Only whitespace may sit between the line start and the tag; the line start is the last newline in the text,
    /// or the text's own start if that is the template start or follows a newline a tag consumed.
    private func lstripBlock(textStart: Int, tagStart: Int) -> Int {
        var j = tagStart
        while j > textStart, source[j - 1] == " " || source[j - 1] == "\t" { j -= 1 }
        if j > textStart { return source[j - 1] == "\n" ? j : tagStart }
        return j == 0 || source[j - 1] == "\n" ? j : tagStart
    }

    /// Lexes one tag starting at `start`; returns where the text after it begins and the whitespace flags it sets.
    private mutating func tag(at start: Int, end: Int) throws -> (next: Int, stripLeading: Bool, trimNewline: Bool) {
        let opener = source[start + 1]
        var i = start + 2
        if i < end, source[i] == "-" || source[i] == "+" { i += 1 }
        if opener == "#" {
            var j = i
            while j + 1 < end, !(source[j] == "#" && source[j + 1] == "}") { j += 1 }
            guard j + 1 < end else { throw JinjaError.syntax("comment {# is never closed with #}", at: start) }
            return (j + 2, source[j - 1] == "-" && j - 1 >= i, true)
        }
        let isOutput = opener == "{"
        tokens.append(JinjaToken(kind: isOutput ? .outputStart : .statementStart, offset: start))
        let closer: Unicode.Scalar = isOutput ? "}" : "%"
        var depth = 0  // open ( [ { inside the tag: `}}` only ends the tag outside them
        while true {
            while i < end, isSpace(source[i]) { i += 1 }
            guard i < end else {
                throw JinjaError.syntax("\(isOutput ? "{{" : "{%") is never closed with \(isOutput ? "}}" : "%}")", at: start)
            }
            if depth == 0 {
                let j = source[i] == "-" ? i + 1 : i
                if j + 1 < end, source[j] == closer, source[j + 1] == "}" {
                    tokens.append(JinjaToken(kind: isOutput ? .outputEnd : .statementEnd, offset: i))
                    return (j + 2, j != i, !isOutput)
                }
            }
            i = try expressionToken(at: i, end: end, depth: &depth)
        }
    }

    /// Lexes one expression token at `i` and returns the index after it.
    private mutating func expressionToken(at i: Int, end: Int, depth: inout Int) throws -> Int {
        let c = source[i]
        if c == "'" || c == "\"" { return try stringLiteral(at: i, end: end) }
        if isDigit(c) { return number(at: i, end: end) }
        if isNameStart(c) {
            var j = i
            while j < end, isNameStart(source[j]) || isDigit(source[j]) { j += 1 }
            tokens.append(JinjaToken(kind: .name(text(i..<j)), offset: i))
            return j
        }
        for symbol in ["//", "**", "==", "!=", "<=", ">="] where matches(symbol, at: i, end: end) {
            tokens.append(JinjaToken(kind: .symbol(symbol), offset: i))
            return i + 2
        }
        guard "+-*/%~<>=()[]{},.:|".unicodeScalars.contains(c) else {
            throw JinjaError.syntax("unexpected character \"\(Character(c))\" inside a tag", at: i)
        }
        if "([{".unicodeScalars.contains(c) { depth += 1 }
        if ")]}".unicodeScalars.contains(c) { depth = max(0, depth - 1) }
        tokens.append(JinjaToken(kind: .symbol(String(Character(c))), offset: i))
        return i + 1
    }

    /// A quoted string with Python's escapes (`\n`, `\t`, `\\`, `\'`, `\"`, `\xNN`, `\uNNNN`, `\UNNNNNNNN`).
    private mutating func stringLiteral(at start: Int, end: Int) throws -> Int {
        let quote = source[start]
        var out = String.UnicodeScalarView()
        var i = start + 1
        while i < end, source[i] != quote {
            guard source[i] == "\\", i + 1 < end else { out.append(source[i]); i += 1; continue }
            let e = source[i + 1]
            i += 2
            switch e {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "0": out.append("\0")
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "v": out.append("\u{0B}")
            case "\\", "'", "\"": out.append(e)
            case "\n": break  // a backslash-newline continues the line
            case "x", "u", "U":
                let width = e == "x" ? 2 : e == "u" ? 4 : 8
                guard i + width <= end, let v = UInt32(text(i..<(i + width)), radix: 16), let s = Unicode.Scalar(v) else {
                    throw JinjaError.syntax("bad \\\(e) escape in a string", at: i - 2)
                }
                out.append(s)
                i += width
            default: out.append("\\"); out.append(e)  // Python keeps unknown escapes as written
            }
        }
        guard i < end else { throw JinjaError.syntax("string is never closed with \(Character(quote))", at: start) }
        tokens.append(JinjaToken(kind: .string(String(out)), offset: start))
        return i + 1
    }

    /// An integer or a float (`12`, `1_000`, `2.5`, `1e-3`).
    private mutating func number(at start: Int, end: Int) -> Int {
        var i = start
        while i < end, isDigit(source[i]) || source[i] == "_" { i += 1 }
        var isFloat = false
        if i + 1 < end, source[i] == ".", isDigit(source[i + 1]) {
            isFloat = true
            i += 1
            while i < end, isDigit(source[i]) || source[i] == "_" { i += 1 }
        }
        if i < end, source[i] == "e" || source[i] == "E" {
            var j = i + 1
            if j < end, source[j] == "+" || source[j] == "-" { j += 1 }
            if j < end, isDigit(source[j]) {
                isFloat = true
                i = j
                while i < end, isDigit(source[i]) { i += 1 }
            }
        }
        let digits = String(text(start..<i).filter { $0 != "_" })
        if !isFloat, let v = Int(digits) { tokens.append(JinjaToken(kind: .integer(v), offset: start)) }
        else { tokens.append(JinjaToken(kind: .float(Double(digits) ?? .infinity), offset: start)) }
        return i
    }

    private func matches(_ s: String, at i: Int, end: Int) -> Bool {
        let scalars = Array(s.unicodeScalars)
        return i + scalars.count <= end && Array(source[i..<(i + scalars.count)]) == scalars
    }

    private func text(_ range: Range<Int>) -> String {
        var s = ""
        s.unicodeScalars.append(contentsOf: source[range])
        return s
    }
}

private func isSpace(_ c: Unicode.Scalar) -> Bool { c.properties.isWhitespace }
private func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }
private func isNameStart(_ c: Unicode.Scalar) -> Bool { c == "_" || (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") }
