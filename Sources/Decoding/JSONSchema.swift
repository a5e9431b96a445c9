// JSONSchema: the subset of JSON Schema (draft 2020-12, json-schema.org/draft/2020-12/json-schema-validation) that
// JSON mode enforces while the model writes, compiled into a flat table of nodes that JSONGrammar walks.
//
// Supported keywords:
//   type                  "object" | "array" | "string" | "number" | "integer" | "boolean" | "null", or a list of them
//   properties, required  objects; `additionalProperties: false` is implied (only listed keys, each at most once,
//                         in any order) and may be written; an object schema without `properties` admits any members
//   items                 one schema for every element (absent: any value)
//   enum, const           strings, numbers, booleans, null; the document must write the value as this file's exact
//                         literal: numbers as written here (`1.50` is not `1.5`), strings with only the escapes
//                         RFC 8259 requires (`"`, `\`, control bytes), keys likewise
//   $schema $id $comment title description default examples deprecated readOnly writeOnly   ignored (annotations)
// Every other keyword (minimum, pattern, format, anyOf, $ref, …) is a JSONSchemaError naming it and its path: a
// constraint we silently dropped would let through documents the caller believes impossible.
//
// "integer" admits only `-?(0|[1-9][0-9]*)`: no fraction or exponent (JSON Schema would accept `1.0`; a model that
// writes integers this way is simpler to consume). A schema without `type`, `enum` or `const` admits any value.
import Foundation

/// The kinds a value may take, as JSON Schema's `type` names them.
public struct JSONTypes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let object = JSONTypes(rawValue: 1 << 0)
    public static let array = JSONTypes(rawValue: 1 << 1)
    public static let string = JSONTypes(rawValue: 1 << 2)
    /// Any JSON number (integers included).
    public static let number = JSONTypes(rawValue: 1 << 3)
    /// A number without fraction or exponent.
    public static let integer = JSONTypes(rawValue: 1 << 4)
    public static let boolean = JSONTypes(rawValue: 1 << 5)
    public static let null = JSONTypes(rawValue: 1 << 6)
    public static let all: JSONTypes = [.object, .array, .string, .number, .integer, .boolean, .null]

    static let names: [(String, JSONTypes)] = [
        ("object", .object), ("array", .array), ("string", .string), ("number", .number),
        ("integer", .integer), ("boolean", .boolean), ("null", .null),
    ]
}

public struct JSONSchema: Sendable, Equatable {
    /// One listed key of an object schema.
    public struct Property: Sendable, Equatable {
        public var name: String
        /// The key as the document must write it: `"name"`, quotes included, only required escapes.
        public var literal: [UInt8]
        /// Index of the value's schema in `nodes`.
        public var schema: Int
    }

    /// One schema, with its children as indices into `nodes`.
    public struct Node: Sendable, Equatable {
        /// Kinds read structurally (`{`, `[`, `"`, digits). Empty for an `enum`/`const` node: only `literals`.
        public var types: JSONTypes
        /// Listed keys, at most 64 (a seen-set is one UInt64); nil: any keys, each value any JSON.
        public var properties: [Property]?
        /// Bit k set: `properties[k]` must appear before `}`.
        public var required: UInt64
        /// Schema of every array element.
        public var items: Int
        /// The exact texts a scalar may be written as: the enum's values, else `true`/`false`/`null` per `types`.
        /// At most 64 (candidates are a UInt64 mask while matching).
        public var literals: [[UInt8]]
    }

    /// All nodes; node 0 is "any JSON value" in every schema.
    public var nodes: [Node]
    /// The document's schema.
    public var root: Int

    /// The most properties an object schema and the most values an `enum` may list.
    public static let maxListed = 64

    static let anyNode = Node(types: .all, properties: nil, required: 0, items: 0, literals: literals(for: .all))

    /// Any JSON value at top level.
    public static let any = JSONSchema(nodes: [anyNode], root: 0)
    /// An object or an array at top level, anything inside: JSON mode without a schema.
    public static let anyContainer = JSONSchema(
        nodes: [anyNode, Node(types: [.object, .array], properties: nil, required: 0, items: 0, literals: [])], root: 1)

    init(nodes: [Node], root: Int) {
        self.nodes = nodes
        self.root = root
    }

    static func literals(for types: JSONTypes) -> [[UInt8]] {
        (types.contains(.boolean) ? [Array("true".utf8), Array("false".utf8)] : []) + (types.contains(.null) ? [Array("null".utf8)] : [])
    }
}

/// Why a schema cannot be used; each names the file, the keyword and its JSON path (`$.properties.age.type`).
public enum JSONSchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case notJSON(file: String, offset: Int, reason: String)
    /// A keyword lmlab's JSON mode does not enforce.
    case unsupported(file: String, keyword: String, path: String)
    /// A supported keyword with a value that makes no sense or cannot be enforced.
    case invalid(file: String, keyword: String, path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            "\(file): cannot read the schema (\(reason)); check the path"
        case let .notJSON(file, offset, reason):
            "\(file): not valid JSON at byte \(offset): \(reason); fix the schema file"
        case let .unsupported(file, keyword, path):
            "\(file): \(path): keyword '\(keyword)' is not supported by JSON mode (supported: type, properties, "
                + "required, additionalProperties: false, items, enum, const); remove it or drop --json-schema"
        case let .invalid(file, keyword, path, reason):
            "\(file): \(path): '\(keyword)' \(reason); fix the schema"
        }
    }
}

extension JSONSchema {
    /// Reads and compiles a schema file.
    public init(contentsOfFile path: String) throws(JSONSchemaError) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadable(file: path, reason: error.localizedDescription)
        }
        try self.init(parsing: [UInt8](data), file: path)
    }

    /// Compiles a schema from its JSON text; `file` only names it in errors.
    public init(parsing bytes: [UInt8], file: String = "<schema>") throws(JSONSchemaError) {
        let value: JSONValue
        do { value = try JSONValue(parsing: bytes) } catch { throw .notJSON(file: file, offset: error.offset, reason: error.reason) }
        try self.init(value, file: file)
    }

    /// Compiles a parsed schema.
    public init(_ schema: JSONValue, file: String = "<schema>") throws(JSONSchemaError) {
        var compiler = SchemaCompiler(file: file)
        let root = try compiler.compile(schema, path: "$")
        self.init(nodes: compiler.nodes, root: root)
    }
}

/// Turns schema objects into nodes, depth first; node 0 is reserved for "any value".
struct SchemaCompiler {
    let file: String
    var nodes: [JSONSchema.Node] = [JSONSchema.anyNode]

    static let annotations: Set<String> = [
        "$schema", "$id", "$comment", "title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly",
    ]
    static let keywords: Set<String> = ["type", "properties", "required", "additionalProperties", "items", "enum", "const"]

    func invalid(_ keyword: String, _ path: String, _ reason: String) -> JSONSchemaError {
        .invalid(file: file, keyword: keyword, path: path, reason: reason)
    }

    /// Index of the node for `schema` found at `path`.
    mutating func compile(_ schema: JSONValue, path: String) throws(JSONSchemaError) -> Int {
        // `true` is the schema that admits everything (draft 2019+); `false` admits nothing and cannot be written.
        if case .bool(true) = schema { return 0 }
        guard case .object(let members) = schema else {
            throw invalid("schema", path, "must be an object (or true), found \(schema.kindName)")
        }
        var k: [String: JSONValue] = [:]
        for (key, value) in members {
            if Self.annotations.contains(key) { continue }
            guard Self.keywords.contains(key) else { throw .unsupported(file: file, keyword: key, path: path) }
            k[key] = value
        }

        if k.isEmpty { return 0 }   // `{}`, perhaps with annotations: any value
        var types = try declaredTypes(k["type"], path: path)
        let objectKeys = ["properties", "required", "additionalProperties"].filter { k[$0] != nil }
        if types == nil {
            // No `type`: infer it from the keywords present, else any value.
            types = !objectKeys.isEmpty ? .object : k["items"] != nil ? .array : .all
        }
        var node = JSONSchema.Node(types: types!, properties: nil, required: 0, items: 0, literals: [])
        for key in objectKeys where !node.types.contains(.object) {
            throw invalid(key, path, "applies to objects but 'type' excludes \"object\"")
        }
        if k["items"] != nil && !node.types.contains(.array) {
            throw invalid("items", path, "applies to arrays but 'type' excludes \"array\"")
        }

        if node.types.contains(.object) { try compileObject(k, path: path, into: &node) }
        if let items = k["items"] {
            if case .array = items { throw invalid("items", path, "as a list (tuple validation) is not supported; give one schema") }
            node.items = try compile(items, path: path + ".items")
        }
        if k["enum"] != nil && k["const"] != nil { throw invalid("const", path, "and 'enum' cannot both be given") }
        if let e = k["enum"] {
            guard case .array(let values) = e else { throw invalid("enum", path, "must be a list of values") }
            node.literals = try literals(values, declared: node.types, keyword: "enum", path: path)
            node.types = []
        } else if let c = k["const"] {
            node.literals = try literals([c], declared: node.types, keyword: "const", path: path)
            node.types = []
        } else {
            node.literals = JSONSchema.literals(for: node.types)
        }
        if node.types.contains(.number) { node.types.remove(.integer) }   // "number" already admits integers
        nodes.append(node)
        return nodes.count - 1
    }

    func declaredTypes(_ value: JSONValue?, path: String) throws(JSONSchemaError) -> JSONTypes? {
        guard let value else { return nil }
        let names: [JSONValue]
        switch value {
        case .string: names = [value]
        case .array(let list) where !list.isEmpty: names = list
        default: throw invalid("type", path, "must be a type name or a non-empty list of them")
        }
        var types: JSONTypes = []
        for name in names {
            guard case .string(let s) = name, let t = JSONTypes.names.first(where: { $0.0 == s })?.1 else {
                throw invalid("type", path, "has unknown type \(String(decoding: name.jsonBytes, as: UTF8.self)) "
                    + "(expected one of \(JSONTypes.names.map { $0.0 }.joined(separator: ", ")))")
            }
            types.insert(t)
        }
        return types
    }

    mutating func compileObject(_ k: [String: JSONValue], path: String, into node: inout JSONSchema.Node) throws(JSONSchemaError) {
        if let extra = k["additionalProperties"], extra != .bool(false) {
            throw invalid("additionalProperties", path, "must be false (JSON mode admits only the listed properties)")
        }
        guard let p = k["properties"] else {
            if k["required"] != nil { throw invalid("required", path, "needs 'properties' that list the required keys") }
            // An open object, unless additionalProperties: false closes it to `{}`.
            node.properties = k["additionalProperties"] == nil ? nil : []
            return
        }
        guard case .object(let members) = p else { throw invalid("properties", path, "must be an object of schemas") }
        guard members.count <= JSONSchema.maxListed else {
            throw invalid("properties", path, "lists \(members.count) keys; at most \(JSONSchema.maxListed) are supported")
        }
        var properties: [JSONSchema.Property] = []
        for (name, schema) in members {
            let child = try compile(schema, path: path + ".properties." + name)
            properties.append(.init(name: name, literal: JSONValue.string(name).jsonBytes, schema: child))
        }
        node.properties = properties
        if let r = k["required"] {
            guard case .array(let names) = r else { throw invalid("required", path, "must be a list of key names") }
            for name in names {
                guard case .string(let s) = name else { throw invalid("required", path, "must list strings, found \(name.kindName)") }
                // Required but not listed could never be written (only listed keys are admitted): a dead end.
                guard let i = properties.firstIndex(where: { $0.name == s }) else {
                    throw invalid("required", path, "names \"\(s)\", which is not in 'properties'")
                }
                node.required |= 1 << UInt64(i)
            }
        }
    }

    /// The enum/const values as literal texts, checked against the declared types.
    func literals(_ values: [JSONValue], declared: JSONTypes, keyword: String, path: String) throws(JSONSchemaError) -> [[UInt8]] {
        guard !values.isEmpty else { throw invalid(keyword, path, "is empty, so no value could be written") }
        guard values.count <= JSONSchema.maxListed else {
            throw invalid(keyword, path, "lists \(values.count) values; at most \(JSONSchema.maxListed) are supported")
        }
        var out: [[UInt8]] = []
        for v in values {
            let fits: Bool
            switch v {
            case .object, .array: throw invalid(keyword, path, "may list only strings, numbers, booleans and null")
            case .string: fits = declared.contains(.string)
            case .number(let text):
                fits = declared.contains(.number) || (declared.contains(.integer) && !text.contains(where: { ".eE".contains($0) }))
            case .bool: fits = declared.contains(.boolean)
            case .null: fits = declared.contains(.null)
            }
            guard fits else {
                throw invalid(keyword, path, "value \(String(decoding: v.jsonBytes, as: UTF8.self)) does not have the declared type")
            }
            let text = v.jsonBytes
            if !out.contains(text) { out.append(text) }
        }
        return out
    }
}
