// JSONSchema.violation(in:): the after-the-fact check `bench json-mode` and the budget tests use, on documents
// written by hand — valid ones pass, and each kind of violation is named with its path.
import XCTest
@testable import Decoding

final class JSONSchemaValidationTests: XCTestCase {
    func testViolationsAreFoundAndNamed() throws {
        let schema = try JSONSchema(parsing: Array(JSONSchemaTests.personSchema.utf8))
        func check(_ doc: String) throws -> String? { schema.violation(in: try JSONValue(parsing: Array(doc.utf8))) }
        XCTAssertNil(try check(#"{"name":"a","age":1,"kind":"cat"}"#))
        XCTAssertNil(try check(#"{"kind":null,"age":-0,"name":"","tags":["x"],"address":{"city":"P","zip":null},"extra":[{}]}"#))
        let table: [(String, String)] = [
            (#"{"name":"a","kind":3}"#, #"$: required key "age" is missing"#),
            (#"{"name":"a","age":1,"kind":3,"x":0}"#, #"$: key "x" is not listed"#),
            (#"{"name":"a","age":1.5,"kind":3}"#, "$.age: expected integer, found 1.5"),
            (#"{"name":"a","age":1e2,"kind":3}"#, "$.age: expected integer, found 1e2"),
            (#"{"name":"a","age":1,"kind":"bird"}"#, #"$.kind: expected "cat" | "dog" | 3 | 1.5 | null, found "bird""#),
            (#"{"name":"a","age":1,"kind":1.50}"#, #"$.kind: expected "cat" | "dog" | 3 | 1.5 | null, found 1.50"#),
            (#"{"name":"a","age":1,"kind":3,"tags":["x",1]}"#, "$.tags[1]: expected string, found 1"),
            (#"{"name":"a","age":1,"kind":3,"address":{}}"#, #"$.address: required key "city" is missing"#),
            (#"{"name":"a","age":1,"kind":3,"address":{"city":"c","zip":0}}"#, "$.address.zip: expected string | null, found 0"),
            (#"{"name":true,"age":1,"kind":3}"#, "$.name: expected string, found true"),
            (#"[]"#, "$: expected object, found []"),
        ]
        for (doc, expected) in table { XCTAssertEqual(try check(doc), expected, doc) }
    }
}
