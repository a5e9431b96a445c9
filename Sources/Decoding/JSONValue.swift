// JSONValue: a parsed JSON document (RFC 8259) that keeps what JSON Schema files need and Foundation drops:
// the order of object members (a schema's `properties` are listed in the author's order) and each number's text
// (an `enum` value is matched as the exact literal the file wrote). A plain recursive-descent parser; the
// schema reader is its only user, so errors carry the byte offset and are turned into JSONSchemaError there.

public indirect enum JSONValue: Sendable, Equatable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    /// The number exactly as written, e.g. `-1.50e3`.
    case number(String)
    case bool(Bool)
    case null

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case let (.object(x), .object(y)): x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.array(x), .array(y)): x == y
        case let (.string(x), .string(y)): x == y
        case let (.number(x), .number(y)): x == y
        case let (.bool(x), .bool(y)): x == y
        case (.null, .null): true
        default: false
        }
    }

    /// The kind's name as JSON Schema spells types, for error messages.
    public var kindName: String {
        switch self {
        case .object: "object"
        case .array: "array"
        case .string: "string"
        case .number: "number"
        case .bool: "boolean"
        case .null: "null"
        }
    }

    /// This value written as compact JSON: strings with only the escapes RFC 8259 requires (`"`, `\`, and
    /// control bytes as `\u00XX`, or the short forms `\b \f \n \r \t`), numbers as written. (The string escapes
    /// are those of Chat's `tojson`, JinjaJSON.jsonString; neither module can import the other.)
    public var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        write(to: &out)
        return out
    }

    func write(to out: inout [UInt8]) {
        switch self {
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, m) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.string(m.key).write(to: &out)
                out.append(UInt8(ascii: ":"))
                m.value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, v) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                v.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .string(let s):
            out.append(UInt8(ascii: "\""))
            for b in s.utf8 {
                switch b {
                case UInt8(ascii: "\""): out += Array("\\\"".utf8)
                case UInt8(ascii: "\\"): out += Array("\\\\".utf8)
                case 0x08: out += Array("\\b".utf8)
                case 0x0C: out += Array("\\f".utf8)
                case 0x0A: out += Array("\\n".utf8)
                case 0x0D: out += Array("\\r".utf8)
                case 0x09: out += Array("\\t".utf8)
                case 0..<0x20:
                    let hex = Array("0123456789abcdef".utf8)
                    out += Array("\\u00".utf8) + [hex[Int(b >> 4)], hex[Int(b & 15)]]
                default: out.append(b)
                }
            }
            out.append(UInt8(ascii: "\""))
        case .number(let text): out += Array(text.utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .null: out += Array("null".utf8)
        }
    }
}

/// Why a JSON text did not parse, and at which byte.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Offset of the offending byte from the start of the text.
    public var offset: Int
    public var reason: String
    public var description: String { "byte \(offset): \(reason)" }
}

extension JSONValue {
    /// Parses one JSON document (any value at top level, whitespace around it). Duplicate object keys are an
    /// error, since a schema with two `type`s or two same-named properties is ambiguous.
    public init(parsing bytes: [UInt8]) throws(JSONParseError) {
        var p = JSONParser(bytes: bytes)
        p.skipWhitespace()
        self = try p.value(depth: 0)
        p.skipWhitespace()
        if p.i < bytes.count { throw p.fail("unexpected \(p.describe(bytes[p.i])) after the document") }
    }
}

/// Recursive descent over RFC 8259's grammar; `i` is the next byte.
struct JSONParser {
    let bytes: [UInt8]
    var i = 0
    /// Deeper nesting is refused rather than overflowing the stack (schemas are shallow).
    static let maxDepth = 256

    func fail(_ reason: String) -> JSONParseError { JSONParseError(offset: i, reason: reason) }

    func describe(_ b: UInt8) -> String {
        (0x21...0x7E).contains(b) ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(String(b, radix: 16))"
    }

    var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

    mutating func skipWhitespace() {
        while let b = peek, b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { i += 1 }
    }

    mutating func expect(_ text: String) throws(JSONParseError) {
        for c in text.utf8 {
            guard peek == c else { throw fail("expected '\(text)'") }
            i += 1
        }
    }

    mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth < Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)") }
        guard let b = peek else { throw fail("unexpected end of text, expected a value") }
        switch b {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fail("unexpected \(describe(b)), expected a value")
        }
    }

    mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
        i += 1
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if peek == UInt8(ascii: "}") { i += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw fail("expected a key string") }
            let keyOffset = i
            let key = try string()
            if members.contains(where: { $0.key == key }) {
                throw JSONParseError(offset: keyOffset, reason: "duplicate key \"\(key)\"")
            }
            skipWhitespace()
            try expect(":")
            skipWhitespace()
            members.append((key, try value(depth: depth + 1)))
            skipWhitespace()
            if peek == UInt8(ascii: ",") { i += 1; continue }
            try expect("}")
            return .object(members)
        }
    }

    mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
        i += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try value(depth: depth + 1))
            skipWhitespace()
            if peek == UInt8(ascii: ",") { i += 1; continue }
            try expect("]")
            return .array(items)
        }
    }

    mutating func number() throws(JSONParseError) -> String {
        let start = i
        func digits(_ p: inout JSONParser) -> Int {
            let s = p.i
            while let b = p.peek, (0x30...0x39).contains(b) { p.i += 1 }
            return p.i - s
        }
        if peek == UInt8(ascii: "-") { i += 1 }
        if peek == UInt8(ascii: "0") { i += 1 } else if digits(&self) == 0 { throw fail("expected a digit") }
        if peek == UInt8(ascii: ".") {
            i += 1
            if digits(&self) == 0 { throw fail("expected a digit after '.'") }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            i += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { i += 1 }
            if digits(&self) == 0 { throw fail("expected a digit in the exponent") }
        }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    /// A string's contents with escapes resolved; surrogate pairs join, a lone surrogate is an error.
    mutating func string() throws(JSONParseError) -> String {
        i += 1
        var out: [UInt8] = []
        while true {
            guard let b = peek else { throw fail("unterminated string") }
            i += 1
            switch b {
            case UInt8(ascii: "\""):
                // Invalid UTF-8 would decode to U+FFFD and so not round-trip.
                let s = String(decoding: out, as: UTF8.self)
                guard s.utf8.elementsEqual(out) else { throw fail("string is not valid UTF-8") }
                return s
            case UInt8(ascii: "\\"):
                guard let e = peek else { throw fail("unterminated escape") }
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        try expect("\\u")
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("expected a low surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw fail("lone surrogate") }
                    out += Array(String(Character(u)).utf8)
                default: throw fail("unknown escape \(describe(e))")
                }
            case 0..<0x20: throw fail("control byte 0x\(String(b, radix: 16)) in a string")
            default: out.append(b)
            }
        }
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let b = peek, let d = hexValue(b) else { throw fail("expected 4 hex digits after \\u") }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }
}

/// 0…15 for an ASCII hex digit, nil otherwise.
@inline(__always) func hexValue(_ b: UInt8) -> UInt8? {
    switch b {
    case 0x30...0x39: b - 0x30
    case 0x41...0x46: b - 0x41 + 10
    case 0x61...0x66: b - 0x61 + 10
    default: nil
    }
}
