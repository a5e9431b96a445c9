// Loading what scripts/make-chat-template-fixtures.py wrote: the real templates (Fixtures/<name>.jinja) and
// jinja2's renders of them and of the interpreter snippets (Fixtures/expected.json).
import Foundation
import XCTest
@testable import Chat

enum Fixtures {
    struct Case: Decodable {
        var name: String
        var messages: [ChatMessage]
        var add_generation_prompt: Bool
        var output: String?
        var error: String?
    }

    struct Template: Decodable {
        var bos_token: String
        var eos_token: String
        var cases: [Case]
    }

    struct Snippet: Decodable {
        var name: String
        var template: String
        var context: JSONValue
        var output: String
    }

    struct Expected: Decodable {
        var templates: [String: Template]
        var snippets: [Snippet]
    }

    static func url(_ name: String) throws -> URL {
        guard let dir = Bundle.module.resourceURL?.appendingPathComponent("Fixtures") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "the ChatTests resource bundle is missing"])
        }
        return dir.appendingPathComponent(name)
    }

    static func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: try url("expected.json")))
    }

    /// The template text of `Fixtures/<name>.jinja`, byte for byte.
    static func template(_ name: String) throws -> String {
        String(decoding: try Data(contentsOf: try url(name + ".jinja")), as: UTF8.self)
    }
}

/// Any JSON value (the snippets' render contexts), convertible to the interpreter's values.
enum JSONValue: Decodable {
    case null, bool(Bool), int(Int), double(Double), string(String), array([JSONValue]), object([(String, JSONValue)])

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: Decoder) throws {
        if let object = try? decoder.container(keyedBy: Key.self) {
            // JSONDecoder does not keep key order; the fixtures are written with sort_keys, so sorted order is file order.
            self = .object(try object.allKeys.map(\.stringValue).sorted().map { ($0, try object.decode(JSONValue.self, forKey: Key(stringValue: $0))) })
            return
        }
        if var array = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !array.isAtEnd { items.append(try array.decode(JSONValue.self)) }
            self = .array(items)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() { self = .null }
        else if let b = try? single.decode(Bool.self) { self = .bool(b) }
        else if let i = try? single.decode(Int.self) { self = .int(i) }
        else if let d = try? single.decode(Double.self) { self = .double(d) }
        else { self = .string(try single.decode(String.self)) }
    }

    var jinja: JinjaValue {
        switch self {
        case .null: return .none
        case let .bool(b): return .bool(b)
        case let .int(i): return .int(i)
        case let .double(d): return .double(d)
        case let .string(s): return .string(s)
        case let .array(a): return .array(a.map(\.jinja))
        case let .object(pairs): return .dict(JinjaDict(pairs.map { ($0.0, $0.1.jinja) }))
        }
    }
}
