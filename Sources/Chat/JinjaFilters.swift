// JinjaFilters: the `| filter` and `is test` functions chat templates use, with Jinja2's semantics (Jinja2 docs,
// "List of Builtin Filters" / "List of Builtin Tests"). `tojson` is Hugging Face's override: json.dumps with
// ensure_ascii=False and no HTML escaping (JinjaJSON.swift).

/// Looks up an argument by position or keyword (`join(", ")` or `join(d=", ")`).
private func argument(_ args: (positional: [JinjaValue], keyword: [(String, JinjaValue)]), _ index: Int, _ name: String) -> JinjaValue? {
    if index < args.positional.count { return args.positional[index] }
    return args.keyword.first { $0.0 == name }?.1
}

func applyFilter(_ name: String, _ value: JinjaValue, _ args: (positional: [JinjaValue], keyword: [(String, JinjaValue)]),
                 interpreter: JinjaInterpreter, at offset: Int) throws -> JinjaValue {
    func list() throws -> [JinjaValue] {
        switch value {
        case let .array(a): return a
        case let .dict(d): return d.keys.map { .string($0) }
        case let .string(s): return s.unicodeScalars.map { .string(String($0)) }
        case .undefined: return []
        default: throw JinjaError.render("filter '\(name)': '\(value.typeName)' object is not iterable", at: offset)
        }
    }
    switch name {
    case "trim":
        if let chars = argument(args, 0, "chars"), case let .string(c) = chars { return .string(pythonStrip(value.text, c, .both)) }
        return .string(pythonStrip(value.text, nil, .both))
    case "length", "count":
        switch value {
        case let .string(s): return .int(s.unicodeScalars.count)
        case let .array(a): return .int(a.count)
        case let .dict(d): return .int(d.count)
        case .undefined: return .int(0)
        default: throw JinjaError.render("object of type '\(value.typeName)' has no len()", at: offset)
        }
    case "upper": return .string(value.text.uppercased())
    case "lower": return .string(value.text.lowercased())
    case "capitalize": return .string(pythonCapitalize(value.text))
    case "title": return .string(jinjaTitle(value.text))
    case "string": return .string(value.text)
    case "safe", "e", "escape": return value  // no autoescaping in HF's environment
    case "default", "d":
        let fallback = argument(args, 0, "default_value") ?? .string("")
        let boolean = argument(args, 1, "boolean")?.isTruthy ?? false
        return value.isUndefined || (boolean && !value.isTruthy) ? fallback : value
    case "first":
        return try list().first ?? .undefined("first of an empty sequence")
    case "last":
        return try list().last ?? .undefined("last of an empty sequence")
    case "list": return .array(try list())
    case "reverse":
        if case let .string(s) = value { return .string(scalarString(s.unicodeScalars.reversed())) }
        return .array(try list().reversed())
    case "join":
        let separator = argument(args, 0, "d")?.text ?? ""
        var items = try list()
        if let attribute = argument(args, 1, "attribute") {
            items = try items.map { try interpreter.attribute($0, attribute.text, at: offset) }
        }
        return .string(items.map(\.text).joined(separator: separator))
    case "int":
        switch value {
        case let .int(i): return .int(i)
        case let .double(d): return .int(Int(d))
        case let .bool(b): return .int(b ? 1 : 0)
        case let .string(s): return .int(Int(s.trimmingWhitespace()) ?? Int(Double(s.trimmingWhitespace()) ?? 0))
        default: return argument(args, 0, "default") ?? .int(0)
        }
    case "float":
        if let d = value.number { return .double(d) }
        if case let .string(s) = value, let d = Double(s.trimmingWhitespace()) { return .double(d) }
        return argument(args, 0, "default") ?? .double(0)
    case "abs":
        if case let .int(i) = value { return .int(abs(i)) }
        if case let .double(d) = value { return .double(abs(d)) }
        throw JinjaError.render("bad operand type for abs(): '\(value.typeName)'", at: offset)
    case "replace":
        guard let old = argument(args, 0, "old")?.text, let new = argument(args, 1, "new")?.text else {
            throw JinjaError.render("filter 'replace' takes the old and the new text", at: offset)
        }
        return .string(pythonReplace(value.text, old, new, count: argument(args, 2, "count")?.integer ?? -1))
    case "items":
        switch value {
        case let .dict(d): return .array(d.pairs.map { .array([.string($0.0), $0.1]) })
        case .undefined: return .array([])
        default: throw JinjaError.render("filter 'items' expects a mapping, got '\(value.typeName)'", at: offset)
        }
    case "tojson":
        let indent = argument(args, 0, "indent")?.integer
        let sortKeys = argument(args, 1, "sort_keys")?.isTruthy ?? false
        return .string(try toJSON(value, indent: indent, sortKeys: sortKeys, at: offset))
    case "select", "reject":
        // select(test, args…): items passing the test (no test: truthy items).
        let keep = name == "select"
        return .array(try list().filter { item in
            let passes = try args.positional.first.map { test in
                try applyTest(test.text, item, Array(args.positional.dropFirst()), at: offset)
            } ?? item.isTruthy
            return passes == keep
        })
    case "selectattr", "rejectattr":
        guard let attribute = args.positional.first?.text else {
            throw JinjaError.render("filter '\(name)' needs an attribute name", at: offset)
        }
        let keep = name == "selectattr"
        return .array(try list().filter { item in
            let v = try interpreter.attribute(item, attribute, at: offset)
            let passes = args.positional.count > 1
                ? try applyTest(args.positional[1].text, v, Array(args.positional.dropFirst(2)), at: offset)
                : v.isTruthy
            return passes == keep
        })
    case "map":
        if let attribute = argument(args, Int.max, "attribute") {
            let fallback = argument(args, Int.max, "default")
            return .array(try list().map { item in
                let v = try interpreter.attribute(item, attribute.text, at: offset)
                return v.isUndefined ? (fallback ?? v) : v
            })
        }
        guard let filter = args.positional.first?.text else {
            throw JinjaError.render("filter 'map' needs a filter name or attribute=", at: offset)
        }
        let rest = (positional: Array(args.positional.dropFirst()), keyword: args.keyword)
        return .array(try list().map { try applyFilter(filter, $0, rest, interpreter: interpreter, at: offset) })
    case "unique":
        var seen: [JinjaValue] = []
        for item in try list() where !seen.contains(where: { $0.equals(item) }) { seen.append(item) }
        return .array(seen)
    default:
        throw JinjaError.render("no filter named '\(name)' in lmlab's Jinja subset", at: offset)
    }
}

func applyTest(_ name: String, _ value: JinjaValue, _ args: [JinjaValue], at offset: Int) throws -> Bool {
    func operand() throws -> JinjaValue {
        guard let a = args.first else { throw JinjaError.render("test '\(name)' needs an argument", at: offset) }
        return a
    }
    switch name {
    case "defined": return !value.isUndefined
    case "undefined": return value.isUndefined
    case "none": if case .none = value { return true } else { return false }
    case "boolean": if case .bool = value { return true } else { return false }
    case "true": if case .bool(true) = value { return true } else { return false }
    case "false": if case .bool(false) = value { return true } else { return false }
    case "integer": if case .int = value { return true } else { return false }
    case "float": if case .double = value { return true } else { return false }
    case "number":
        switch value { case .int, .double, .bool: return true; default: return false }
    case "string": if case .string = value { return true } else { return false }
    case "mapping": if case .dict = value { return true } else { return false }
    case "iterable":  // Undefined iterates (as nothing)
        switch value { case .string, .array, .dict, .undefined: return true; default: return false }
    case "sequence":
        switch value { case .string, .array, .dict: return true; default: return false }
    case "callable": if case .function = value { return true } else { return false }
    case "even", "odd":
        guard let i = value.integer else { throw JinjaError.render("test '\(name)' needs an integer", at: offset) }
        return (i % 2 == 0) == (name == "even")
    case "divisibleby":
        guard let i = value.integer, let n = try operand().integer, n != 0 else { return false }
        return i % n == 0
    case "equalto", "eq", "==", "sameas": return value.equals(try operand())
    case "ne", "!=": return !value.equals(try operand())
    case "lt", "<": return value.less(than: try operand()) ?? false
    case "gt", ">": return try operand().less(than: value) ?? false
    case "le", "<=": let o = try operand(); return (value.less(than: o) ?? false) || value.equals(o)
    case "ge", ">=": let o = try operand(); return (o.less(than: value) ?? false) || value.equals(o)
    case "in":
        switch try operand() {
        case let .array(a): return a.contains { $0.equals(value) }
        case let .string(s): return pythonContains(s, value.text)
        case let .dict(d): return d[value.text] != nil
        default: return false
        }
    case "lower": return value.text == value.text.lowercased()
    case "upper": return value.text == value.text.uppercased()
    default: throw JinjaError.render("no test named '\(name)' in lmlab's Jinja subset", at: offset)
    }
}

/// Jinja2's `title` filter: each word (split at whitespace, `-`, and opening brackets) capitalized.
private func jinjaTitle(_ s: String) -> String {
    var out = "", startOfWord = true
    for c in s {
        out += startOfWord ? c.uppercased() : c.lowercased()
        startOfWord = c.isWhitespace || "-({[<".contains(c)
    }
    return out
}

extension String {
    func trimmingWhitespace() -> String { pythonStrip(self, nil, .both) }
}
