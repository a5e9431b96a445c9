// JinjaJSON: the `tojson` filter as Hugging Face defines it for chat templates — Python's
// `json.dumps(x, ensure_ascii=False, indent=indent, sort_keys=sort_keys)`: separators ", " and ": " on one line,
// "," and ": " with an indent; non-ASCII text kept as is; only `"`, `\` and control characters escaped.

func toJSON(_ value: JinjaValue, indent: Int?, sortKeys: Bool, at offset: Int) throws -> String {
    var out = ""
    try writeJSON(value, indent: indent, sortKeys: sortKeys, level: 0, into: &out, at: offset)
    return out
}

private func writeJSON(_ value: JinjaValue, indent: Int?, sortKeys: Bool, level: Int, into out: inout String, at offset: Int) throws {
    /// The separator before item `i` of a container at `level`, and the closing line.
    func open(_ i: Int) -> String {
        guard let indent else { return i == 0 ? "" : ", " }
        return (i == 0 ? "" : ",") + "\n" + String(repeating: " ", count: indent * (level + 1))
    }
    func close() -> String { indent.map { "\n" + String(repeating: " ", count: $0 * level) } ?? "" }
    switch value {
    case .none: out += "null"
    case let .bool(b): out += b ? "true" : "false"
    case let .int(i): out += String(i)
    case let .double(d):
        out += d.isNaN ? "NaN" : d.isInfinite ? (d < 0 ? "-Infinity" : "Infinity") : pythonFloat(d)
    case let .string(s): out += jsonString(s)
    case let .array(a):
        guard !a.isEmpty else { out += "[]"; return }
        out += "["
        for (i, item) in a.enumerated() {
            out += open(i)
            try writeJSON(item, indent: indent, sortKeys: sortKeys, level: level + 1, into: &out, at: offset)
        }
        out += close() + "]"
    case let .dict(d):
        guard d.count > 0 else { out += "{}"; return }
        out += "{"
        let pairs = sortKeys ? d.pairs.sorted { $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) } : d.pairs
        for (i, (k, v)) in pairs.enumerated() {
            out += open(i) + jsonString(k) + ": "
            try writeJSON(v, indent: indent, sortKeys: sortKeys, level: level + 1, into: &out, at: offset)
        }
        out += close() + "}"
    case .undefined, .namespace, .function:
        throw JinjaError.render("Object of type \(value.typeName) is not JSON serializable", at: offset)
    }
}

/// A JSON string literal with json.dumps(ensure_ascii=False)'s escapes. Not Python's repr (JinjaValue): `tojson`
/// output is JSON — always double quotes, `\b \f`, `\u00XX` — and must match Hugging Face's byte for byte.
private func jsonString(_ s: String) -> String {
    var out = "\""
    for c in s.unicodeScalars {
        switch c {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        default:
            if c.value < 0x20 { out += "\\u" + hex(c.value, width: 4) } else { out.unicodeScalars.append(c) }
        }
    }
    return out + "\""
}
