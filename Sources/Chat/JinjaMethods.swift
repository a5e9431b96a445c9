// JinjaMethods: the Python methods templates call on values — `content.strip()`, `role.title()`,
// `text.split('</think>')`, `message.items()`, `d.get(k)` — with Python 3's semantics (Python docs, "String
// Methods", "Mapping Types"). Jinja2's sandbox forbids mutating ones (`list.append`), so they are absent here too.

enum StripSide { case leading, trailing, both }

/// Python's `str.strip/lstrip/rstrip(chars)`: `chars` nil strips whitespace.
func pythonStrip(_ s: String, _ chars: String?, _ side: StripSide) -> String {
    let set = chars.map { Set($0.unicodeScalars) }
    let strip = { (c: Unicode.Scalar) in set?.contains(c) ?? c.properties.isWhitespace }
    var scalars = Substring(s).unicodeScalars[...]
    if side != .trailing { while let c = scalars.first, strip(c) { scalars.removeFirst() } }
    if side != .leading { while let c = scalars.last, strip(c) { scalars.removeLast() } }
    return String(String.UnicodeScalarView(scalars))
}

/// Python's `str.capitalize()`: first character upper-cased, the rest lower-cased.
func pythonCapitalize(_ s: String) -> String {
    guard let first = s.first else { return s }
    return first.uppercased() + s.dropFirst().lowercased()
}

/// Python's `str.title()`: a letter after a non-letter is upper-cased, every other letter lower-cased.
func pythonTitle(_ s: String) -> String {
    var out = "", previousIsLetter = false
    for c in s {
        out += previousIsLetter ? c.lowercased() : c.uppercased()
        previousIsLetter = c.isLetter
    }
    return out
}

/// Where `needle` first occurs in `hay` at or after `from`, comparing Unicode scalars (Python compares code points;
/// Swift's String compares grapheme clusters, so "\r\n" would not contain "\n").
func scalarIndex(of needle: [Unicode.Scalar], in hay: [Unicode.Scalar], from: Int = 0) -> Int? {
    guard !needle.isEmpty else { return from <= hay.count ? from : nil }
    guard hay.count >= needle.count else { return nil }
    var i = from
    while i + needle.count <= hay.count {
        if hay[i] == needle[0], Array(hay[i..<(i + needle.count)]) == needle { return i }
        i += 1
    }
    return nil
}

func scalarString<C: Collection>(_ scalars: C) -> String where C.Element == Unicode.Scalar {
    var s = String.UnicodeScalarView()
    s.append(contentsOf: scalars)
    return String(s)
}

/// Python's `needle in s` for strings.
func pythonContains(_ s: String, _ needle: String) -> Bool {
    scalarIndex(of: Array(needle.unicodeScalars), in: Array(s.unicodeScalars)) != nil
}

func pythonHasPrefix(_ s: String, _ prefix: String) -> Bool { s.unicodeScalars.starts(with: prefix.unicodeScalars) }
func pythonHasSuffix(_ s: String, _ suffix: String) -> Bool {
    s.unicodeScalars.reversed().starts(with: suffix.unicodeScalars.reversed())
}

/// Python's `str.replace(old, new, count)`; count < 0 replaces all.
func pythonReplace(_ s: String, _ old: String, _ new: String, count: Int) -> String {
    let hay = Array(s.unicodeScalars), needle = Array(old.unicodeScalars)
    guard !needle.isEmpty else { return s }
    var out = String.UnicodeScalarView(), i = 0, done = 0
    while count < 0 || done < count, let j = scalarIndex(of: needle, in: hay, from: i) {
        out.append(contentsOf: hay[i..<j])
        out.append(contentsOf: new.unicodeScalars)
        i = j + needle.count
        done += 1
    }
    out.append(contentsOf: hay[i...])
    return String(out)
}

/// Python's `str.split(sep, maxsplit)`: no separator splits on runs of whitespace and drops empty pieces.
func pythonSplit(_ s: String, _ separator: String?, maxSplit: Int) -> [String] {
    let hay = Array(s.unicodeScalars)
    if let separator {
        let needle = Array(separator.unicodeScalars)
        var parts: [String] = [], i = 0
        while maxSplit < 0 || parts.count < maxSplit, let j = scalarIndex(of: needle, in: hay, from: i), !needle.isEmpty {
            parts.append(scalarString(hay[i..<j]))
            i = j + needle.count
        }
        return parts + [scalarString(hay[i...])]
    }
    var parts: [String] = [], i = 0
    while i < hay.count {
        while i < hay.count, hay[i].properties.isWhitespace { i += 1 }
        guard i < hay.count else { break }
        if maxSplit >= 0, parts.count == maxSplit { parts.append(scalarString(hay[i...])); break }
        var j = i
        while j < hay.count, !hay[j].properties.isWhitespace { j += 1 }
        parts.append(scalarString(hay[i..<j]))
        i = j
    }
    return parts
}

/// `value.method(args…)` for strings, dicts and lists.
func callMethod(_ method: String, on value: JinjaValue, _ args: [JinjaValue], _ keyword: [(String, JinjaValue)],
                at offset: Int) throws -> JinjaValue {
    func arg(_ i: Int, _ name: String) -> JinjaValue? {
        if i < args.count { return args[i] }
        return keyword.first { $0.0 == name }?.1
    }
    func optionalString(_ i: Int, _ name: String) -> String? {
        guard let v = arg(i, name) else { return nil }
        if case .none = v { return nil }
        return v.text
    }
    switch value {
    case let .string(s):
        switch method {
        case "strip": return .string(pythonStrip(s, optionalString(0, "chars"), .both))
        case "lstrip": return .string(pythonStrip(s, optionalString(0, "chars"), .leading))
        case "rstrip": return .string(pythonStrip(s, optionalString(0, "chars"), .trailing))
        case "upper": return .string(s.uppercased())
        case "lower": return .string(s.lowercased())
        case "title": return .string(pythonTitle(s))
        case "capitalize": return .string(pythonCapitalize(s))
        case "startswith", "endswith":
            let candidates: [JinjaValue]
            switch arg(0, "prefix") {
            case let .array(a)?: candidates = a
            case let v?: candidates = [v]
            case nil: throw JinjaError.render("\(method)() takes at least 1 argument", at: offset)
            }
            return .bool(candidates.contains { method == "startswith" ? pythonHasPrefix(s, $0.text) : pythonHasSuffix(s, $0.text) })
        case "split":
            let maxSplit = arg(1, "maxsplit")?.integer ?? -1
            return .array(pythonSplit(s, optionalString(0, "sep"), maxSplit: maxSplit).map { .string($0) })
        case "replace":
            guard let old = arg(0, "old")?.text, let new = arg(1, "new")?.text else {
                throw JinjaError.render("replace() takes the old and the new text", at: offset)
            }
            return .string(pythonReplace(s, old, new, count: arg(2, "count")?.integer ?? -1))
        case "join":
            guard case let .array(items)? = arg(0, "iterable") else {
                throw JinjaError.render("join() takes a list", at: offset)
            }
            return .string(items.map(\.text).joined(separator: s))
        case "find":
            guard let needle = arg(0, "sub")?.text else { throw JinjaError.render("find() takes 1 argument", at: offset) }
            return .int(scalarIndex(of: Array(needle.unicodeScalars), in: Array(s.unicodeScalars)) ?? -1)
        default: break
        }
    case let .dict(d):
        switch method {
        case "items": return .array(d.pairs.map { .array([.string($0.0), $0.1]) })
        case "keys": return .array(d.keys.map { .string($0) })
        case "values": return .array(d.pairs.map(\.1))
        case "get": return d[arg(0, "key")?.text ?? ""] ?? arg(1, "default") ?? .none
        default: break
        }
    case let .undefined(name):
        throw JinjaError.render("'\(name)' is undefined (calling .\(method)())", at: offset)
    default: break
    }
    throw JinjaError.render("'\(value.typeName)' object has no method '\(method)' in lmlab's Jinja subset", at: offset)
}
