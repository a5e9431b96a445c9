// JinjaValue: the values a chat template computes with, and the Python semantics Jinja2 gives them
// (Jinja2 runs on Python objects: truthiness, `str()`, `==`, `<` and `repr()` below follow Python 3).
//
// Lists and tuples are both `.array`; dictionaries keep their insertion order (Python 3.7+) and have string keys.

/// A Jinja2 runtime value.
enum JinjaValue {
    /// A name or attribute that does not exist (Jinja2's `Undefined`): prints as "", is falsy, iterates as empty,
    /// and raises when used in arithmetic or looked into. Carries the name for the error message.
    case undefined(String)
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JinjaValue])
    case dict(JinjaDict)
    /// `namespace(...)`: the one mutable object (`{% set ns.x = … %}` inside a loop changes it for everyone).
    case namespace(JinjaNamespace)
    case function(JinjaFunction)
}

/// An insertion-ordered dictionary with string keys (Python's dict, as JSON objects and messages arrive).
struct JinjaDict {
    private(set) var keys: [String] = []
    private var storage: [String: JinjaValue] = [:]

    init() {}
    init(_ pairs: [(String, JinjaValue)]) { for (k, v) in pairs { self[k] = v } }

    subscript(key: String) -> JinjaValue? {
        get { storage[key] }
        set {
            if storage[key] == nil, newValue != nil { keys.append(key) }
            if newValue == nil { keys.removeAll { $0 == key } }
            storage[key] = newValue
        }
    }

    var count: Int { keys.count }
    var pairs: [(String, JinjaValue)] { keys.map { ($0, storage[$0]!) } }
}

/// The object `namespace()` returns; a class because Jinja2 lets inner scopes mutate it.
final class JinjaNamespace {
    var attributes: JinjaDict
    init(_ attributes: JinjaDict) { self.attributes = attributes }
}

/// A global function (`raise_exception`, `namespace`, `range`…): positional and keyword arguments in, a value out.
struct JinjaFunction {
    let name: String
    let call: ([JinjaValue], [(String, JinjaValue)]) throws -> JinjaValue
}

extension JinjaValue {
    /// Python's `bool(x)`.
    var isTruthy: Bool {
        switch self {
        case .undefined, .none: return false
        case let .bool(b): return b
        case let .int(i): return i != 0
        case let .double(d): return d != 0
        case let .string(s): return !s.isEmpty
        case let .array(a): return !a.isEmpty
        case let .dict(d): return d.count > 0
        case .namespace, .function: return true
        }
    }

    var isUndefined: Bool { if case .undefined = self { return true } else { return false } }

    /// Python's `str(x)`, which is what `{{ x }}` prints (Undefined prints nothing).
    var text: String {
        switch self {
        case .undefined: return ""
        case let .string(s): return s
        default: return repr
        }
    }

    /// Python's `repr(x)`: how a value prints inside a list or dict (`['a', 1, None]`).
    var repr: String {
        switch self {
        case .undefined: return ""
        case .none: return "None"
        case let .bool(b): return b ? "True" : "False"
        case let .int(i): return String(i)
        case let .double(d): return pythonFloat(d)
        case let .string(s): return pythonStringRepr(s)
        case let .array(a): return "[" + a.map(\.repr).joined(separator: ", ") + "]"
        case let .dict(d): return "{" + d.pairs.map { pythonStringRepr($0.0) + ": " + $0.1.repr }.joined(separator: ", ") + "}"
        case .namespace(let n): return "<Namespace " + JinjaValue.dict(n.attributes).repr + ">"
        case let .function(f): return "<function \(f.name)>"
        }
    }

    /// The Python type name, for error messages ("unsupported operand type(s) for +: 'str' and 'int'").
    var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .array: return "list"
        case .dict: return "dict"
        case .namespace: return "Namespace"
        case .function: return "function"
        }
    }

    /// A number as Double (bools count as 0/1, as in Python), or nil.
    var number: Double? {
        switch self {
        case let .int(i): return Double(i)
        case let .double(d): return d
        case let .bool(b): return b ? 1 : 0
        default: return nil
        }
    }

    /// An integer (bools as 0/1), or nil.
    var integer: Int? {
        switch self {
        case let .int(i): return i
        case let .bool(b): return b ? 1 : 0
        default: return nil
        }
    }

    /// Python's `==`: numbers compare by value across int/float/bool; lists and dicts element-wise.
    func equals(_ other: JinjaValue) -> Bool {
        switch (self, other) {
        case (.undefined, .undefined), (.none, .none): return true
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a.count == b.count && zip(a, b).allSatisfy { $0.equals($1) }
        case let (.dict(a), .dict(b)):
            return a.count == b.count && a.pairs.allSatisfy { k, v in b[k].map { v.equals($0) } ?? false }
        case let (.namespace(a), .namespace(b)): return a === b
        default:
            if let x = number, let y = other.number { return x == y }
            return false
        }
    }

    /// Python's `<` for numbers, strings (by code point) and lists; nil when Python would raise TypeError.
    func less(than other: JinjaValue) -> Bool? {
        switch (self, other) {
        case let (.string(a), .string(b)): return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
        case let (.array(a), .array(b)):
            for (x, y) in zip(a, b) where !x.equals(y) { return x.less(than: y) }
            return a.count < b.count
        default:
            if case .int(let x) = self, case .int(let y) = other { return x < y }
            if let x = number, let y = other.number { return x < y }
            return nil
        }
    }
}

/// Python's `repr(float)`: the shortest round-trip digits, always with a decimal point or exponent.
func pythonFloat(_ d: Double) -> String {
    if d.isNaN { return "nan" }
    if d.isInfinite { return d < 0 ? "-inf" : "inf" }
    return d.description  // Swift also prints the shortest round-trip form ("0.1", "2.0", "1e+20")
}

/// Python's `repr(str)`: single quotes unless the text holds a single quote and no double quote. Not JSON's escaper
/// (JinjaJSON): `{{ [a, b] }}` prints Python reprs in Hugging Face's Jinja — its own quote choice and `\xXX`.
func pythonStringRepr(_ s: String) -> String {
    let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
    var out = String(quote)
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if Character(scalar) == quote { out += "\\" + String(quote) }
            else if scalar.value < 0x20 || scalar.value == 0x7f { out += "\\x" + hex(scalar.value, width: 2) }
            else { out.unicodeScalars.append(scalar) }
        }
    }
    return out + String(quote)
}

func hex(_ v: UInt32, width: Int) -> String {
    let digits = String(v, radix: 16)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}
