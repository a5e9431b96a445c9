// JinjaParser: tokens → syntax tree, by recursive descent with Jinja2's operator precedence (jinja2/parser.py,
// loosest first): `x if c else y`, `or`, `and`, `not`, comparisons and `in`, `+ -`, `~`, `* / // %`, `**`,
// unary `- +`, then primaries with their postfixes (`.attr`, `[i]`, `[a:b]`, `(…)`) and filters/tests
// (`| f(…)`, `is [not] t(…)`) — so `'a' + x | trim` filters `x` alone and `not x is none` negates the test.
//
// Statements: for (with `else`, `if` filter and `k, v` unpacking), if/elif/else, set (plain, `ns.attr`, block),
// macro (positional and keyword parameters with defaults; no `caller`), break/continue (HF enables
// jinja2.ext.loopcontrols) and Hugging Face's `{% generation %}` marker (rendered as its body). Call blocks, filter
// blocks, raw, includes and the rest are rejected with their line and column.

struct JinjaParser {
    private let tokens: [JinjaToken]
    private var pos = 0

    private init(tokens: [JinjaToken]) { self.tokens = tokens }

    static func parse(_ tokens: [JinjaToken]) throws -> [JinjaNode] {
        var parser = JinjaParser(tokens: tokens)
        let (nodes, _) = try parser.body(until: [], opener: nil)
        return nodes
    }

    // MARK: statements

    /// Nodes up to a `{% keyword %}` with keyword in `terminators` (consumed up to and including the keyword);
    /// returns the nodes and the keyword. At the end of the template, `opener` names the unclosed tag.
    private mutating func body(until terminators: Set<String>, opener: (name: String, offset: Int)?) throws
        -> ([JinjaNode], String)
    {
        var nodes: [JinjaNode] = []
        while true {
            let t = tokens[pos]
            switch t.kind {
            case .end:
                if let opener {
                    let expected = terminators.sorted().map { "'\($0)'" }.joined(separator: " or ")
                    throw JinjaError.syntax("'\(opener.name)' tag is never closed (expected \(expected))", at: opener.offset)
                }
                return (nodes, "")
            case let .text(s):
                pos += 1
                nodes.append(.text(s))
            case .outputStart:
                pos += 1
                let e = try expression()
                try expect(.outputEnd, "'}}'")
                nodes.append(.output(e))
            case .statementStart:
                pos += 1
                guard case let .name(keyword) = tokens[pos].kind else {
                    throw JinjaError.syntax("expected a tag name after '{%' but found \(describe(tokens[pos]))", at: tokens[pos].offset)
                }
                if terminators.contains(keyword) { pos += 1; return (nodes, keyword) }
                nodes += try statement(keyword, at: tokens[pos].offset)
            default:
                throw JinjaError.syntax("unexpected \(describe(t))", at: t.offset)
            }
        }
    }

    private mutating func statement(_ keyword: String, at offset: Int) throws -> [JinjaNode] {
        pos += 1
        switch keyword {
        case "for": return [try forLoop(at: offset)]
        case "if": return [try ifChain(at: offset)]
        case "set": return [try set(at: offset)]
        case "break", "continue":
            try expect(.statementEnd, "'%}'")
            return [keyword == "break" ? .breakLoop(offset: offset) : .continueLoop(offset: offset)]
        case "generation":
            try expect(.statementEnd, "'%}'")
            let (nodes, _) = try body(until: ["endgeneration"], opener: (keyword, offset))
            try expect(.statementEnd, "'%}'")
            return nodes
        case "macro": return [try macro(at: offset)]
        case "call", "filter", "raw", "include", "import", "from", "extends", "block", "with", "autoescape", "do":
            throw JinjaError.syntax("the '{% \(keyword) %}' tag is not supported by lmlab's Jinja subset", at: offset)
        default:
            throw JinjaError.syntax("unexpected tag '\(keyword)'", at: offset)
        }
    }

    private mutating func forLoop(at offset: Int) throws -> JinjaNode {
        var targets = [try name()]
        while accept(.symbol(",")) { targets.append(try name()) }
        guard accept(.name("in")) else { throw JinjaError.syntax("expected 'in' in the for tag but found \(describe(tokens[pos]))", at: tokens[pos].offset) }
        let iterable = try or()
        let condition = accept(.name("if")) ? try expression() : nil
        if case .name("recursive") = tokens[pos].kind {
            throw JinjaError.syntax("recursive loops are not supported by lmlab's Jinja subset", at: tokens[pos].offset)
        }
        try expect(.statementEnd, "'%}'")
        let (loopBody, terminator) = try body(until: ["else", "endfor"], opener: ("for", offset))
        var otherwise: [JinjaNode] = []
        if terminator == "else" {
            try expect(.statementEnd, "'%}'")
            (otherwise, _) = try body(until: ["endfor"], opener: ("for", offset))
        }
        try expect(.statementEnd, "'%}'")
        return .forLoop(targets: targets, iterable: iterable, condition: condition, body: loopBody, otherwise: otherwise, offset: offset)
    }

    private mutating func macro(at offset: Int) throws -> JinjaNode {
        let macroName = try name()
        try expect(.symbol("("), "'('")
        var parameters: [(name: String, defaultValue: JinjaExpr?)] = []
        while !accept(.symbol(")")) {
            let parameter = try name()
            parameters.append((parameter, accept(.symbol("=")) ? try expression() : nil))
            if !accept(.symbol(",")) { try expect(.symbol(")"), "')'"); break }
        }
        try expect(.statementEnd, "'%}'")
        let (nodes, _) = try body(until: ["endmacro"], opener: ("macro", offset))
        if case .name = tokens[pos].kind { pos += 1 }  // `{% endmacro name %}`
        try expect(.statementEnd, "'%}'")
        return .macro(name: macroName, parameters: parameters, body: nodes, offset: offset)
    }

    private mutating func ifChain(at offset: Int) throws -> JinjaNode {
        var branches: [(condition: JinjaExpr, body: [JinjaNode])] = []
        var condition = try expression()
        while true {
            try expect(.statementEnd, "'%}'")
            let (nodes, terminator) = try body(until: ["elif", "else", "endif"], opener: ("if", offset))
            branches.append((condition, nodes))
            switch terminator {
            case "elif":
                condition = try expression()
            case "else":
                try expect(.statementEnd, "'%}'")
                let (otherwise, _) = try body(until: ["endif"], opener: ("if", offset))
                try expect(.statementEnd, "'%}'")
                return .ifChain(branches: branches, otherwise: otherwise)
            default:
                try expect(.statementEnd, "'%}'")
                return .ifChain(branches: branches, otherwise: [])
            }
        }
    }

    private mutating func set(at offset: Int) throws -> JinjaNode {
        let first = try name()
        if accept(.symbol(".")) {
            let attribute = try name()
            try expect(.symbol("="), "'='")
            let value = try expression()
            try expect(.statementEnd, "'%}'")
            return .setAttribute(object: first, attribute: attribute, value: value, offset: offset)
        }
        var targets = [first]
        while accept(.symbol(",")) { targets.append(try name()) }
        if targets.count == 1, accept(.statementEnd) {
            let (nodes, _) = try body(until: ["endset"], opener: ("set", offset))
            try expect(.statementEnd, "'%}'")
            return .setBlock(name: first, body: nodes)
        }
        try expect(.symbol("="), "'='")
        var value = try expression()
        if accept(.symbol(",")) {  // `set a, b = 1, 2`: an unparenthesised tuple
            var items = [value]
            repeat { items.append(try expression()) } while accept(.symbol(","))
            value = JinjaExpr(kind: .tuple(items), offset: value.offset)
        }
        try expect(.statementEnd, "'%}'")
        return .set(targets: targets, value: value, offset: offset)
    }

    // MARK: expressions, loosest binding first

    private mutating func expression() throws -> JinjaExpr {
        let value = try or()
        guard accept(.name("if")) else { return value }
        let condition = try or()
        let otherwise = accept(.name("else")) ? try expression() : nil
        return JinjaExpr(kind: .conditional(condition: condition, then: value, otherwise: otherwise), offset: value.offset)
    }

    private mutating func or() throws -> JinjaExpr {
        var left = try and()
        while let t = acceptToken(.name("or")) { left = JinjaExpr(kind: .binary("or", left, try and()), offset: t.offset) }
        return left
    }

    private mutating func and() throws -> JinjaExpr {
        var left = try not()
        while let t = acceptToken(.name("and")) { left = JinjaExpr(kind: .binary("and", left, try not()), offset: t.offset) }
        return left
    }

    private mutating func not() throws -> JinjaExpr {
        if let t = acceptToken(.name("not")) { return JinjaExpr(kind: .unary("not", try not()), offset: t.offset) }
        return try comparison()
    }

    private mutating func comparison() throws -> JinjaExpr {
        var left = try additive()
        while true {
            let t = tokens[pos]
            var op: String
            switch t.kind {
            case let .symbol(s) where ["==", "!=", "<", ">", "<=", ">="].contains(s): op = s; pos += 1
            case .name("in"): op = "in"; pos += 1
            case .name("not") where tokens[pos + 1].kind == .name("in"): op = "not in"; pos += 2
            default: return left
            }
            left = JinjaExpr(kind: .binary(op, left, try additive()), offset: t.offset)
        }
    }

    private mutating func additive() throws -> JinjaExpr {
        var left = try concatenation()
        while let t = acceptSymbol(["+", "-"]) {
            left = JinjaExpr(kind: .binary(t.0, left, try concatenation()), offset: t.1)
        }
        return left
    }

    private mutating func concatenation() throws -> JinjaExpr {
        var left = try multiplicative()
        while let t = acceptSymbol(["~"]) { left = JinjaExpr(kind: .binary("~", left, try multiplicative()), offset: t.1) }
        return left
    }

    private mutating func multiplicative() throws -> JinjaExpr {
        var left = try power()
        while let t = acceptSymbol(["*", "/", "//", "%"]) { left = JinjaExpr(kind: .binary(t.0, left, try power()), offset: t.1) }
        return left
    }

    private mutating func power() throws -> JinjaExpr {
        var left = try unary()
        while let t = acceptSymbol(["**"]) { left = JinjaExpr(kind: .binary("**", left, try unary()), offset: t.1) }
        return left
    }

    /// `-x`, `+x`, then a primary with its postfixes; filters and tests bind to the whole unary expression.
    private mutating func unary(withFilters: Bool = true) throws -> JinjaExpr {
        var node: JinjaExpr
        if let t = acceptSymbol(["-", "+"]) {
            node = JinjaExpr(kind: .unary(t.0, try unary(withFilters: false)), offset: t.1)
        } else {
            node = try postfix(try primary())
        }
        return withFilters ? try filters(node) : node
    }

    private mutating func primary() throws -> JinjaExpr {
        let t = tokens[pos]
        pos += 1
        switch t.kind {
        case let .name(n):
            switch n {
            case "true", "True": return JinjaExpr(kind: .bool(true), offset: t.offset)
            case "false", "False": return JinjaExpr(kind: .bool(false), offset: t.offset)
            case "none", "None": return JinjaExpr(kind: .none, offset: t.offset)
            default: return JinjaExpr(kind: .name(n), offset: t.offset)
            }
        case var .string(s):
            while case let .string(more) = tokens[pos].kind { s += more; pos += 1 }  // adjacent literals join
            return JinjaExpr(kind: .string(s), offset: t.offset)
        case let .integer(i): return JinjaExpr(kind: .integer(i), offset: t.offset)
        case let .float(d): return JinjaExpr(kind: .float(d), offset: t.offset)
        case .symbol("("):
            if accept(.symbol(")")) { return JinjaExpr(kind: .tuple([]), offset: t.offset) }
            let first = try expression()
            guard accept(.symbol(",")) else { try expect(.symbol(")"), "')'"); return first }
            var items = [first]
            while !accept(.symbol(")")) {
                items.append(try expression())
                if !accept(.symbol(",")) { try expect(.symbol(")"), "')'"); break }
            }
            return JinjaExpr(kind: .tuple(items), offset: t.offset)
        case .symbol("["):
            var items: [JinjaExpr] = []
            while !accept(.symbol("]")) {
                items.append(try expression())
                if !accept(.symbol(",")) { try expect(.symbol("]"), "']'"); break }
            }
            return JinjaExpr(kind: .list(items), offset: t.offset)
        case .symbol("{"):
            var pairs: [(key: JinjaExpr, value: JinjaExpr)] = []
            while !accept(.symbol("}")) {
                let key = try expression()
                try expect(.symbol(":"), "':'")
                pairs.append((key, try expression()))
                if !accept(.symbol(",")) { try expect(.symbol("}"), "'}'"); break }
            }
            return JinjaExpr(kind: .dict(pairs), offset: t.offset)
        default:
            throw JinjaError.syntax("expected an expression but found \(describe(t))", at: t.offset)
        }
    }

    private mutating func postfix(_ base: JinjaExpr) throws -> JinjaExpr {
        var node = base
        while true {
            let t = tokens[pos]
            switch t.kind {
            case .symbol("."):
                pos += 1
                switch tokens[pos].kind {
                case let .name(n): node = JinjaExpr(kind: .attribute(node, n), offset: t.offset)
                case let .integer(i): node = JinjaExpr(kind: .subscript(node, JinjaExpr(kind: .integer(i), offset: tokens[pos].offset)), offset: t.offset)
                default: throw JinjaError.syntax("expected an attribute name after '.' but found \(describe(tokens[pos]))", at: tokens[pos].offset)
                }
                pos += 1
            case .symbol("["):
                pos += 1
                node = try subscriptOrSlice(node, at: t.offset)
            case .symbol("("):
                pos += 1
                node = JinjaExpr(kind: .call(node, try arguments()), offset: t.offset)
            default:
                return node
            }
        }
    }

    private mutating func subscriptOrSlice(_ base: JinjaExpr, at offset: Int) throws -> JinjaExpr {
        let start = tokens[pos].kind == .symbol(":") ? nil : try expression()
        guard accept(.symbol(":")) else {
            try expect(.symbol("]"), "']'")
            return JinjaExpr(kind: .subscript(base, start!), offset: offset)
        }
        let isEnd = { (t: JinjaToken) in t.kind == .symbol(":") || t.kind == .symbol("]") }
        let stop = isEnd(tokens[pos]) ? nil : try expression()
        var step: JinjaExpr?
        if accept(.symbol(":")), tokens[pos].kind != .symbol("]") { step = try expression() }
        try expect(.symbol("]"), "']'")
        return JinjaExpr(kind: .slice(base, start: start, stop: stop, step: step), offset: offset)
    }

    /// Call arguments after `(`, up to and including `)`.
    private mutating func arguments() throws -> JinjaArguments {
        var args = JinjaArguments()
        while !accept(.symbol(")")) {
            if case let .name(n) = tokens[pos].kind, tokens[pos + 1].kind == .symbol("=") {
                pos += 2
                args.keyword.append((n, try expression()))
            } else {
                args.positional.append(try expression())
            }
            if !accept(.symbol(",")) { try expect(.symbol(")"), "')'"); break }
        }
        return args
    }

    /// `| filter(…)`, `is [not] test(…)` and calls, repeatedly.
    private mutating func filters(_ base: JinjaExpr) throws -> JinjaExpr {
        var node = base
        while true {
            let t = tokens[pos]
            if accept(.symbol("|")) {
                let filter = try name()
                let args = accept(.symbol("(")) ? try arguments() : JinjaArguments()
                node = JinjaExpr(kind: .filter(node, filter, args), offset: t.offset)
            } else if accept(.name("is")) {
                let negated = accept(.name("not"))
                let test = try name()
                var args = JinjaArguments()
                if accept(.symbol("(")) {
                    args = try arguments()
                } else if startsTestArgument(tokens[pos]) {
                    args.positional = [try postfix(try primary())]
                }
                node = JinjaExpr(kind: .test(node, test, args, negated: negated), offset: t.offset)
            } else if accept(.symbol("(")) {
                node = JinjaExpr(kind: .call(node, try arguments()), offset: t.offset)
            } else {
                return node
            }
        }
    }

    /// `x is divisibleby 3`: a test may take one argument without parentheses.
    private func startsTestArgument(_ t: JinjaToken) -> Bool {
        switch t.kind {
        case let .name(n): return !["else", "or", "and", "if", "in", "is", "not"].contains(n)
        case .string, .integer, .float: return true
        case .symbol("["), .symbol("{"): return true
        default: return false
        }
    }

    // MARK: token helpers

    private mutating func name() throws -> String {
        guard case let .name(n) = tokens[pos].kind else {
            throw JinjaError.syntax("expected a name but found \(describe(tokens[pos]))", at: tokens[pos].offset)
        }
        pos += 1
        return n
    }

    private mutating func accept(_ kind: JinjaToken.Kind) -> Bool { acceptToken(kind) != nil }

    private mutating func acceptToken(_ kind: JinjaToken.Kind) -> JinjaToken? {
        guard tokens[pos].kind == kind else { return nil }
        pos += 1
        return tokens[pos - 1]
    }

    private mutating func acceptSymbol(_ symbols: [String]) -> (String, Int)? {
        guard case let .symbol(s) = tokens[pos].kind, symbols.contains(s) else { return nil }
        pos += 1
        return (s, tokens[pos - 1].offset)
    }

    private mutating func expect(_ kind: JinjaToken.Kind, _ what: String) throws {
        guard accept(kind) else {
            throw JinjaError.syntax("expected \(what) but found \(describe(tokens[pos]))", at: tokens[pos].offset)
        }
    }

    private func describe(_ t: JinjaToken) -> String {
        switch t.kind {
        case .text: return "text"
        case .outputStart: return "'{{'"
        case .outputEnd: return "'}}'"
        case .statementStart: return "'{%'"
        case .statementEnd: return "'%}'"
        case let .name(n): return "'\(n)'"
        case let .string(s): return pythonStringRepr(s)
        case let .integer(i): return "\(i)"
        case let .float(d): return "\(d)"
        case let .symbol(s): return "'\(s)'"
        case .end: return "the end of the template"
        }
    }
}
