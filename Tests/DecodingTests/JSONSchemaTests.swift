// JSONSchema: what compiles and what is refused (keyword and path named), and JSONGrammar under a schema:
// documents that validate are accepted, ones that cannot are refused at the first byte that rules them out.
import Foundation
import Tensor
import XCTest
@testable import Decoding

final class JSONSchemaTests: XCTestCase {
    static let personSchema = """
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "title": "Person",
          "type": "object",
          "properties": {
            "name": {"type": "string", "description": "full name"},
            "age": {"type": "integer"},
            "score": {"type": "number"},
            "ok": {"type": "boolean"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "kind": {"enum": ["cat", "dog", 3, 1.5, null]},
            "address": {
              "type": "object",
              "properties": {"city": {"type": "string"}, "zip": {"type": ["string", "null"]}},
              "required": ["city"],
              "additionalProperties": false
            },
            "extra": {}
          },
          "required": ["name", "age", "kind"]
        }
        """

    /// What is wrong with `object` under personSchema, checked independently of the grammar on JSONSerialization's
    /// parse. Integers are told from other numbers by the type Foundation gives them.
    static func validatePerson(_ object: [String: Any]) -> [String] {
        var problems: [String] = []
        let listed: Set = ["name", "age", "score", "ok", "tags", "kind", "address", "extra"]
        for key in object.keys where !listed.contains(key) { problems.append("unlisted key \(key)") }
        for key in ["name", "age", "kind"] where object[key] == nil { problems.append("missing \(key)") }
        if let v = object["name"], !(v is String) { problems.append("name \(v) is not a string") }
        if let v = object["age"], !isInteger(v) { problems.append("age \(v) is not an integer") }
        if let v = object["score"], !isNumber(v) { problems.append("score \(v) is not a number") }
        if let v = object["ok"], !isBool(v) { problems.append("ok \(v) is not a boolean") }
        if let v = object["tags"] {
            if let a = v as? [Any] {
                for t in a where !(t is String) { problems.append("tag \(t) is not a string") }
            } else { problems.append("tags \(v) is not an array") }
        }
        if let v = object["kind"] {
            let ok = (v as? String).map { ["cat", "dog"].contains($0) } ?? (v is NSNull || (isNumber(v) && [3, 1.5].contains((v as! NSNumber).doubleValue)))
            if !ok { problems.append("kind \(v) is not in the enum") }
        }
        if let v = object["address"] {
            if let a = v as? [String: Any] {
                if !(a["city"] is String) { problems.append("address.city missing or not a string") }
                if let z = a["zip"], !(z is String || z is NSNull) { problems.append("address.zip \(z) is not a string or null") }
                for key in a.keys where key != "city" && key != "zip" { problems.append("unlisted key address.\(key)") }
            } else { problems.append("address \(v) is not an object") }
        }
        return problems
    }

    static func isBool(_ v: Any) -> Bool {
        guard let n = v as? NSNumber else { return false }
        return type(of: v) == Bool.self || String(cString: n.objCType) == "c" || String(cString: n.objCType) == "B"
    }

    static func isNumber(_ v: Any) -> Bool { v is NSNumber && !isBool(v) }

    /// Foundation gives an integer type to integers that fit 64 bits and a Double to longer ones.
    static func isInteger(_ v: Any) -> Bool {
        guard isNumber(v), let n = v as? NSNumber else { return false }
        if ["q", "l", "i", "Q"].contains(String(cString: n.objCType)) { return true }
        return abs(n.doubleValue) >= 0x1p63 && n.doubleValue.rounded() == n.doubleValue
    }

    func testFoundationTellsIntegersFromOtherNumbers() throws {
        // validatePerson relies on this; if Foundation changes, the check above must change with it.
        let parsed = try JSONSerialization.jsonObject(
            with: Data("[1, -0, 1.5, 1e2, 1.0, true, false, 99999999999999999999]".utf8)) as! [Any]
        XCTAssertEqual(parsed.map(Self.isInteger), [true, true, false, false, false, false, false, true])
        XCTAssertEqual(parsed.map(Self.isBool), [false, false, false, false, false, true, true, false])
    }

    // MARK: JSONValue, the schema file's parser

    /// JSONValue as Foundation objects, to compare with JSONSerialization's parse.
    static func foundation(_ v: JSONValue) -> NSObject {
        switch v {
        case .object(let members):
            NSDictionary(dictionary: Dictionary(uniqueKeysWithValues: members.map { ($0.key, foundation($0.value)) }))
        case .array(let items): NSArray(array: items.map(foundation))
        case .string(let s): NSString(string: s)
        case .number(let text): NSNumber(value: Double(text)!)
        case .bool(let b): NSNumber(value: b)
        case .null: NSNull()
        }
    }

    /// JSONSerialization's numbers as Double-valued NSNumbers (booleans kept), so that 1 and 1.0 compare equal.
    static func normalized(_ o: NSObject) -> NSObject {
        switch o {
        case let d as NSDictionary:
            return NSDictionary(dictionary: Dictionary(uniqueKeysWithValues: d.map { ($0.key as! String, normalized($0.value as! NSObject)) }))
        case let a as NSArray: return NSArray(array: a.map { normalized($0 as! NSObject) })
        case let n as NSNumber: return isBool(n) ? NSNumber(value: n.boolValue) : NSNumber(value: n.doubleValue)
        default: return o
        }
    }

    func testJSONValueParsesLikeJSONSerialization() throws {
        var rng = RandomGenerator(seed: 99)
        var compared = 0
        for _ in 0..<200 {
            let text = JSONGrammarTests.randomDocument(&rng)
            let ours: JSONValue
            do { ours = try JSONValue(parsing: Array(text.utf8)) } catch {
                // JSONSerialization keeps one of two equal keys; a schema must not have them.
                XCTAssertTrue(error.reason.hasPrefix("duplicate key"), "\(text): \(error)")
                continue
            }
            compared += 1
            let theirs = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) as! NSObject
            XCTAssertEqual(Self.foundation(ours), Self.normalized(theirs), text)
        }
        XCTAssertGreaterThan(compared, 150)
        let v = try JSONValue(parsing: Array(#" {"b": [1.50, -0, "\uD83D\uDE00\n"], "a": {}} "#.utf8))
        XCTAssertEqual(v, .object([("b", .array([.number("1.50"), .number("-0"), .string("\u{1F600}\n")])), ("a", .object([]))]),
                       "members in file order, numbers as written")
        XCTAssertEqual(v.jsonBytes, Array("{\"b\":[1.50,-0,\"\u{1F600}\\n\"],\"a\":{}}".utf8))
        let refused: [(String, Int)] = [(#"{"a":1,"a":2}"#, 7), ("[1,]", 3), (#""\uDE00""#, 7), ("[1] x", 4), ("01", 1), ("", 0)]
        for (text, offset) in refused {
            XCTAssertThrowsError(try JSONValue(parsing: Array(text.utf8)), text) { error in
                XCTAssertEqual((error as? JSONParseError)?.offset, offset, "\(text): \(error)")
            }
        }
    }

    // MARK: Compiling

    func testPersonSchemaCompiles() throws {
        let s = try JSONSchema(parsing: Array(Self.personSchema.utf8))
        let root = s.nodes[s.root]
        XCTAssertEqual(root.types, .object)
        XCTAssertEqual(root.properties?.map(\.name), ["name", "age", "score", "ok", "tags", "kind", "address", "extra"])
        XCTAssertEqual(root.required, 0b10_0011, "name, age and kind")
        let kind = s.nodes[root.properties![5].schema]
        XCTAssertEqual(kind.types, [])
        XCTAssertEqual(kind.literals.map { String(decoding: $0, as: UTF8.self) }, ["\"cat\"", "\"dog\"", "3", "1.5", "null"])
        XCTAssertEqual(root.properties![7].schema, 0, "{} is any value")
    }

    func assertError(_ schema: String, _ expected: JSONSchemaError, file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try JSONSchema(parsing: Array(schema.utf8), file: "s.json")
            XCTFail("\(schema) compiled; expected \(expected)", file: file, line: line)
        } catch {
            switch (error, expected) {
            case let (.invalid(f1, k1, p1, _), .invalid(f2, k2, p2, _)):
                XCTAssertEqual([f1, k1, p1], [f2, k2, p2], "\(schema): \(error)", file: file, line: line)
            default:
                XCTAssertEqual(error, expected, "\(schema)", file: file, line: line)
            }
        }
    }

    func testUnsupportedAndMalformedSchemasNameKeywordAndPath() {
        func invalid(_ keyword: String, _ path: String) -> JSONSchemaError { .invalid(file: "s.json", keyword: keyword, path: path, reason: "") }
        assertError(#"{"type":"string","minLength":3}"#, .unsupported(file: "s.json", keyword: "minLength", path: "$"))
        assertError(#"{"properties":{"a":{"anyOf":[]}}}"#, .unsupported(file: "s.json", keyword: "anyOf", path: "$.properties.a"))
        assertError(#"{"type":"array","items":{"type":"string","pattern":"x"}}"#, .unsupported(file: "s.json", keyword: "pattern", path: "$.items"))
        assertError(#"{"properties":{"a":{"type":"strin"}}}"#, invalid("type", "$.properties.a"))
        assertError(#"{"type":[]}"#, invalid("type", "$"))
        assertError(#"{"properties":{"a":{}},"required":["b"]}"#, invalid("required", "$"))
        assertError(#"{"required":["b"]}"#, invalid("required", "$"))
        assertError(#"{"type":"object","additionalProperties":true}"#, invalid("additionalProperties", "$"))
        assertError(#"{"enum":[]}"#, invalid("enum", "$"))
        assertError(#"{"enum":[{"a":1}]}"#, invalid("enum", "$"))
        assertError(#"{"type":"integer","enum":[1.5]}"#, invalid("enum", "$"))
        assertError(#"{"type":"string","const":1}"#, invalid("const", "$"))
        assertError(#"{"items":[{}]}"#, invalid("items", "$"))
        assertError(#"{"type":"string","items":{}}"#, invalid("items", "$"))
        assertError(#"{"type":"string","properties":{}}"#, invalid("properties", "$"))
        assertError(#""string""#, invalid("schema", "$"))
        let many = (0..<65).map { "\"k\($0)\":{}" }.joined(separator: ",")
        assertError("{\"properties\":{\(many)}}", invalid("properties", "$"))
        assertError(#"{"type":"#, .notJSON(file: "s.json", offset: 8, reason: "unexpected end of text, expected a value"))
        XCTAssertThrowsError(try JSONSchema(contentsOfFile: "/nonexistent/schema.json")) { error in
            guard case JSONSchemaError.unreadable(let f, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(f, "/nonexistent/schema.json")
        }
        let message = JSONSchemaError.unsupported(file: "s.json", keyword: "minimum", path: "$.properties.age").description
        XCTAssertTrue(message.contains("s.json") && message.contains("'minimum'") && message.contains("$.properties.age"), message)
    }

    // MARK: The grammar under a schema

    func grammar(_ schema: String) throws -> JSONGrammar {
        JSONGrammar(schema: try JSONSchema(parsing: Array(schema.utf8)))
    }

    func testPersonDocumentsAcceptedAndRefusedAtTheRightByte() throws {
        let g = try grammar(Self.personSchema)
        let accepted = [
            #"{"name":"a","age":1,"kind":"cat"}"#,
            #"{"kind":null, "age":-0, "name":""}"#,
            #"{"name":"Jo","age":42,"score":-1.5e3,"ok":false,"tags":["x",""],"kind":1.5,"#
                + #""address":{"zip":null,"city":"Paris"},"extra":{"any":[1,{"b":null}]}}"#,
            #"{"address":{"city":"x"},"name":"a","age":1,"kind":3}"#,
        ]
        for doc in accepted {
            let r = feed(doc, g)
            XCTAssertTrue(r.refusedAt == nil && r.complete, "\(doc): refused at \(r.refusedAt.map(String.init) ?? "-")")
            let object = try JSONSerialization.jsonObject(with: Data(doc.utf8)) as! [String: Any]
            XCTAssertEqual(Self.validatePerson(object), [], "the independent check disagrees on \(doc)")
        }
        let refused: [(String, Int)] = [
            (#"{"name":"a","age":1}"#, 19),            // `}` before the required "kind"
            (#"{}"#, 1),                                // likewise
            (#"{"namx"#, 5),                            // not a listed key
            (#"{"name":1"#, 8),                         // name is a string
            (#"{"age":1.5"#, 8),                        // integers have no fraction
            (#"{"age":1e3"#, 8),                        // nor exponent
            (#"{"age":"1"#, 7),
            (#"{"kind":"cow""#, 10),                    // enum literals are exact
            (#"{"kind":1.50"#, 11),
            (#"{"kind":30"#, 9),
            (#"{"kind":true"#, 8),
            (#"{"name":"a","name""#, 13),              // a key at most once
            (#"{"address":{}"#, 12),                    // city is required
            (#"{"address":{"city":"x","zip":5"#, 29),
            (#"{"address":{"city":"x","country""#, 24),
            (#"{"tags":["a",1"#, 13),
            (#"{"ok":1"#, 6),
            ("[", 0),                                   // the schema says object
        ]
        for (doc, index) in refused {
            XCTAssertEqual(feed(doc, g).refusedAt, index, doc)
        }
    }

    /// Byte-level random walks under the person schema: from every state some byte is accepted, or the document
    /// is complete; complete documents validate.
    func testNoStateIsADeadEndUnderASchema() throws {
        let start = try grammar(Self.personSchema)
        var rng = RandomGenerator(seed: 11)
        var completed = 0
        for _ in 0..<300 {
            var g = start
            var text: [UInt8] = []
            for _ in 0..<400 {
                let next = (0...255).map { UInt8($0) }.filter { var h = g; return h.consume($0) }
                if next.isEmpty {
                    XCTAssertTrue(g.isComplete, "dead end after \(String(decoding: text, as: UTF8.self).debugDescription)")
                    break
                }
                // Favour structure over string contents so that walks finish.
                let structural = next.filter { "{}[],:\"0123456789-.eEtfn ".utf8.contains($0) }
                let pool = !structural.isEmpty && rng.nextFloat() < 0.9 ? structural : next
                let b = pool[Int(rng.next() % UInt64(pool.count))]
                XCTAssertTrue(g.consume(b))
                text.append(b)
            }
            if g.isComplete {
                completed += 1
                let object = try JSONSerialization.jsonObject(with: Data(text)) as? [String: Any]
                XCTAssertEqual(object.map(Self.validatePerson), [], String(decoding: text, as: UTF8.self))
            }
        }
        XCTAssertGreaterThan(completed, 30)
        print("schema byte walks: \(completed) of 300 completed within 400 bytes")
    }

    func testCommaRefusedOnceEveryKeyIsWritten() throws {
        let g = try grammar(#"{"properties":{"a":{"type":"integer"},"b":{"type":"boolean"}}}"#)
        XCTAssertEqual(feed(#"{"b":true,"a":0}"#, g).complete, true)
        XCTAssertEqual(feed(#"{"b":true,"a":0,"#, g).refusedAt, 15)
        XCTAssertEqual(feed(#"{}"#, g).complete, true, "nothing is required")
    }

    func testScalarAndEdgeSchemas() throws {
        let string = try grammar(#"{"type":"string"}"#)
        XCTAssertEqual(feed(#""abc""#, string).complete, true)
        XCTAssertEqual(feed("{", string).refusedAt, 0)

        let numbers = try grammar(#"{"enum":[1,10]}"#)
        XCTAssertEqual(feed("1", numbers).complete, true)
        XCTAssertEqual(feed("10", numbers).complete, true)
        XCTAssertEqual(feed("100", numbers).refusedAt, 2)
        XCTAssertEqual(feed("2", numbers).refusedAt, 0)

        let integer = try grammar(#"{"type":"integer"}"#)
        XCTAssertEqual(feed("-0", integer).complete, true)
        XCTAssertEqual(feed("-", integer).complete, false)
        XCTAssertEqual(feed("01", integer).refusedAt, 1)

        let closed = try grammar(#"{"type":"object","additionalProperties":false}"#)
        XCTAssertEqual(feed("{}", closed).complete, true)
        XCTAssertEqual(feed("{\"", closed).refusedAt, 1)

        let open = try grammar(#"{"type":"object"}"#)
        XCTAssertEqual(feed(#"{"anything":[1,"x",{}]}"#, open).complete, true)

        let nullable = try grammar(#"{"type":"array","items":{"type":["integer","null"]}}"#)
        XCTAssertEqual(feed("[1,null,-3]", nullable).complete, true)
        XCTAssertEqual(feed("[1.5]", nullable).refusedAt, 2)

        let escaped = try grammar(#"{"properties":{"a\"b\\":{"const":"\u00e9\n"}},"required":["a\"b\\"]}"#)
        XCTAssertEqual(feed(#"{"a\"b\\":"é\n"}"#, escaped).complete, true, "keys and literals in their canonical escaping")
        XCTAssertEqual(feed(#"{"a\"b\\":"\u00e9\n"}"#, escaped).refusedAt, 11, "a non-canonical escape is not the literal")
    }
}
