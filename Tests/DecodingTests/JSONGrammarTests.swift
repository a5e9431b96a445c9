// JSONGrammar against RFC 8259: its examples are accepted byte by byte, invalid texts are refused at the byte
// where they go wrong, no accepted prefix is a dead end, and completed documents parse with Foundation's
// JSONSerialization (an independent parser) over random documents and their one-byte mutations.
import Foundation
import Tensor
import XCTest
@testable import Decoding

/// Feeds `text` byte by byte: the index of the first refused byte (nil if all read) and whether the value is complete.
func feed(_ text: [UInt8], _ grammar: JSONGrammar = JSONGrammar()) -> (refusedAt: Int?, complete: Bool) {
    var g = grammar
    for (i, b) in text.enumerated() {
        let before = g
        if !g.consume(b) {
            precondition(g.mode == before.mode && g.depth == before.depth, "a refused byte changed the state")
            return (i, false)
        }
    }
    return (nil, g.isComplete)
}

func feed(_ text: String, _ grammar: JSONGrammar = JSONGrammar()) -> (refusedAt: Int?, complete: Bool) {
    feed(Array(text.utf8), grammar)
}

/// Whether JSONSerialization parses `bytes` as one document (any top-level value).
func foundationParses(_ bytes: [UInt8]) -> Bool {
    (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
}

final class JSONGrammarTests: XCTestCase {
    /// RFC 8259 §13's two examples, and a few more covering every construct.
    static let valid: [String] = [
        """
        {
              "Image": {
                  "Width":  800,
                  "Height": 600,
                  "Title":  "View from 15th Floor",
                  "Thumbnail": {
                      "Url":    "http://www.example.com/image/481989943",
                      "Height": 125,
                      "Width":  100
                  },
                  "Animated" : false,
                  "IDs": [116, 943, 234, 38793]
                }
            }
        """,
        """
        [
          {
             "precision": "zip",
             "Latitude":  37.7668,
             "Longitude": -122.3959,
             "Address":   "",
             "City":      "SAN FRANCISCO",
             "State":     "CA",
             "Zip":       "94107",
             "Country":   "US"
          },
          {
             "precision": "zip",
             "Latitude":  37.371991,
             "Longitude": -122.026020,
             "Address":   "",
             "City":      "SUNNYVALE",
             "State":     "CA",
             "Zip":       "94085",
             "Country":   "US"
          }
        ]
        """,
        "{}", "[]", "[[]]", "[{}]", "{\"\":{}}", "[0,-0,1,-1,0.5,-0.25e10,1E+2,1e-2,12345678901234567890]",
        "[true,false,null]", "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\"]",
        "{\"caf\u{e9}\":\"\u{65e5}\u{672c}\u{1F600}\"}", "\t[ 1 ,\r\n2 ]",
    ]

    func testValidDocumentsAreAcceptedWithEveryPrefix() {
        // The RFC's examples indent by up to 10 spaces, past the default run of 8 (checked below).
        let roomy = JSONGrammar(options: .init(maxWhitespaceRun: 16))
        for doc in Self.valid {
            let bytes = Array(doc.utf8)
            var g = roomy
            for (i, b) in bytes.enumerated() {
                XCTAssertFalse(g.isComplete, "prefix of \(i) bytes of \(doc) claims completeness")
                guard g.consume(b) else { return XCTFail("byte \(i) (\(b)) of \(doc) refused") }
            }
            XCTAssertTrue(g.isComplete, "\(doc) not complete")
            XCTAssertTrue(foundationParses(bytes), "JSONSerialization disagrees on \(doc)")
        }
        XCTAssertEqual(feed(Self.valid[0]).refusedAt, 26, "the default whitespace limit refuses the 9th space of a run")
    }

    /// (text, index of the first byte that must be refused).
    static let invalid: [(String, Int)] = [
        ("[01]", 2), ("[-]", 2), ("[1.]", 3), ("[1e]", 3), ("[1e+]", 4), ("[.5]", 1), ("[+1]", 1), ("[1,]", 3),
        ("[,1]", 1), ("{\"a\" 1}", 5), ("{\"a\":1,}", 7), ("{a:1}", 1), ("{\"a\":}", 5), ("[tru]", 4), ("[nul]", 4),
        ("[True]", 1), ("[\"\\q\"]", 3), ("[\"\\u12G4\"]", 6), ("[\"\\uD800x\"]", 8), ("[\"\\uD800\\n\"]", 9),
        ("[\"\\uDC00\"]", 5), ("[\"\\uD83D\\uD83D\"]", 11), ("[1]]", 3), ("{}x", 2), ("{} ", 2), ("[1}", 2),
        ("{\"a\":1]", 6), ("[\"a\nb\"]", 3), ("1", 0), ("\"a\"", 0), ("true", 0), ("[1 2]", 3), ("{\"a\":1 \"b\":2}", 7),
    ]

    func testInvalidDocumentsAreRefusedAtTheRightByte() {
        for (doc, index) in Self.invalid {
            XCTAssertEqual(feed(doc).refusedAt, index, "\(doc.debugDescription)")
        }
    }

    func testMalformedUTF8IsRefusedAtTheRightByte() {
        let cases: [([UInt8], Int)] = [
            ([0x5B, 0x22, 0xC0, 0x80, 0x22, 0x5D], 2),         // overlong lead byte
            ([0x5B, 0x22, 0x80, 0x22, 0x5D], 2),               // lone continuation
            ([0x5B, 0x22, 0xE0, 0x80, 0x80, 0x22, 0x5D], 3),   // overlong 3-byte
            ([0x5B, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x5D], 3),   // UTF-8-encoded surrogate
            ([0x5B, 0x22, 0xF4, 0x90, 0x80, 0x80, 0x22, 0x5D], 3),   // past U+10FFFF
            ([0x5B, 0x22, 0xF5, 0x22, 0x5D], 2),
            ([0x5B, 0x22, 0xC3, 0x22, 0x5D], 3),               // cut short by the quote
        ]
        for (bytes, index) in cases { XCTAssertEqual(feed(bytes).refusedAt, index, "\(bytes)") }
        // é split across two reads is fine.
        XCTAssertEqual(feed([0x5B, 0x22, 0xC3, 0xA9, 0x22, 0x5D]).complete, true)
    }

    func testOptionsTopLevelAndWhitespace() {
        let scalars = JSONGrammar(options: .init(allowScalarTopLevel: true))
        for doc in ["1", "-0.5e3", "\"a\"", "true", "null"] { XCTAssertEqual(feed(doc, scalars).complete, true, doc) }
        XCTAssertEqual(feed("12", scalars).complete, true)
        XCTAssertEqual(feed("1", scalars).complete, true, "a top-level number is complete yet may go on")
        XCTAssertEqual(feed("-", scalars).complete, false)

        let eight = String(repeating: " ", count: 8)
        XCTAssertEqual(feed("[" + eight + "1]").complete, true)
        XCTAssertEqual(feed("[" + eight + " 1]").refusedAt, 9, "the 9th whitespace byte in a row")
        XCTAssertEqual(feed("[1" + eight + "," + eight + "2]").complete, true, "the limit is per run")
        let none = JSONGrammar(options: .init(maxWhitespaceRun: 0))
        XCTAssertEqual(feed("[1, 2]", none).refusedAt, 3)

        let shallow = JSONGrammar(options: .init(maxDepth: 2))
        XCTAssertEqual(feed("[[1]]", shallow).complete, true)
        XCTAssertEqual(feed("[[[1]]]", shallow).refusedAt, 2)
    }

    func testNumberLimits() {
        let twenty = String(repeating: "9", count: 20)
        XCTAssertEqual(feed("[" + twenty + "]").complete, true)
        XCTAssertEqual(feed("[" + twenty + "9]").refusedAt, 21, "the 21st digit of the integer part")
        XCTAssertEqual(feed("[0." + twenty + "]").complete, true)
        XCTAssertEqual(feed("[0." + twenty + "1]").refusedAt, 23, "the 21st digit of the fraction")
        XCTAssertEqual(feed("[" + twenty + "." + twenty + "e+99]").complete, true)
        XCTAssertEqual(feed("[1e100]").refusedAt, 5, "the exponent's third digit")
        XCTAssertEqual(feed("[1E-099]").refusedAt, 6)
        XCTAssertEqual(feed("[12]", JSONGrammar(options: .init(maxNumberDigits: 1))).refusedAt, 2)
        // The largest number admitted is still a finite Double.
        XCTAssertTrue(foundationParses(Array(("[" + twenty + "." + twenty + "e+99]").utf8)))
    }

    /// From every state a random walk reaches, some byte is accepted or the value is complete: no dead ends.
    func testNoStateIsADeadEnd() {
        var rng = RandomGenerator(seed: 7)
        for options in [JSONGrammar.Options(), .init(allowScalarTopLevel: true, maxWhitespaceRun: 1, maxDepth: 3)] {
            for _ in 0..<300 {
                var g = JSONGrammar(options: options)
                for _ in 0..<200 {
                    let next = (0...255).map { UInt8($0) }.filter { var h = g; return h.consume($0) }
                    if next.isEmpty {
                        XCTAssertTrue(g.isComplete, "dead end in mode \(g.mode)")
                        break
                    }
                    // Favour structure over string contents so walks visit many modes.
                    let structural = next.filter { "{}[],:\"0123456789-.eE+tfn \\u".utf8.contains($0) }
                    let pool = !structural.isEmpty && rng.nextFloat() < 0.8 ? structural : next
                    XCTAssertTrue(g.consume(pool[Int(rng.next() % UInt64(pool.count))]))
                }
            }
        }
    }

    // MARK: Against JSONSerialization

    /// Each documented strictness, shown on a text JSONSerialization reads but the default grammar refuses.
    func testStricterThanJSONSerializationOnlyWhereDocumented() {
        let cases: [(String, [UInt8], Int)] = [
            ("top-level scalar", Array("1".utf8), 0),
            ("whitespace run of 9", Array("[         1]".utf8), 9),
            ("whitespace after the value", Array("{} ".utf8), 2),
            ("21-digit integer part", Array(("[" + String(repeating: "1", count: 21) + "]").utf8), 21),
            ("3-digit exponent", Array("[1e100]".utf8), 5),
            ("nesting deeper than 32", Array((String(repeating: "[", count: 33) + String(repeating: "]", count: 33)).utf8), 32),
        ]
        for (name, bytes, index) in cases {
            XCTAssertTrue(foundationParses(bytes), "\(name): JSONSerialization should read it")
            XCTAssertEqual(feed(bytes).refusedAt, index, name)
        }
        // A lone surrogate escape is refused here (JSONSerialization refuses it too, as of Swift 6.3).
        XCTAssertEqual(feed(#"["\uD800"]"#).refusedAt, 8)
    }

    /// A random valid document as text, with random whitespace, escapes and non-ASCII characters.
    static func randomDocument(_ rng: inout RandomGenerator, depth: Int = 0) -> String {
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        let ws = pick(["", "", " ", "\n  ", "\t"])
        func string() -> String {
            let pieces = ["a", "Z", " ", "\\\"", "\\\\", "\\/", "\\n", "\\u00e9", "\\uD83D\\uDE00", "\u{e9}", "\u{65e5}", "\u{1F600}", "0", "{", "]"]
            return "\"" + (0..<Int(rng.next() % 5)).map { _ in pick(pieces) }.joined() + "\""
        }
        let kind = depth >= 3 ? Int(rng.next() % 5) + 2 : Int(rng.next() % 7)
        switch kind {
        case 0:
            let members = (0..<Int(rng.next() % 4)).map { _ in string() + ws + ":" + ws + randomDocument(&rng, depth: depth + 1) }
            return "{" + ws + members.joined(separator: "," + ws) + ws + "}"
        case 1:
            return "[" + ws + (0..<Int(rng.next() % 4)).map { _ in randomDocument(&rng, depth: depth + 1) }.joined(separator: ws + "," + ws) + "]"
        case 2: return string()
        case 3: return pick(["0", "-0", "7", "-12", "3.25", "1e5", "-2.5E-3", "10e+2", "0.0"])
        default: return pick(["true", "false", "null"])
        }
    }

    /// Completed documents parse with JSONSerialization; where it accepts what we refuse, the reason is one of
    /// our documented strictnesses. Random documents, their one-byte mutations, and random byte strings.
    func testAgreesWithJSONSerialization() {
        var rng = RandomGenerator(seed: 2024)
        // Lenient options so that only the intended differences remain.
        let grammar = JSONGrammar(options: .init(allowScalarTopLevel: true, maxWhitespaceRun: 255, maxDepth: 64))
        let alphabet = Array("{}[],:\"\\ 0123456789-+.eEtrufalsn\u{e9}x".utf8) + [0x0A, 0xC3, 0xA9, 0xFF]
        var accepted = 0, compared = 0
        for trial in 0..<400 {
            var bytes = Array(Self.randomDocument(&rng).utf8)
            if trial % 4 == 3 {
                bytes = (0..<Int(rng.next() % 8) + 1).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            } else if trial % 2 == 1 && !bytes.isEmpty {
                let i = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes.remove(at: i)
                case 1: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: i)
                default: bytes[i] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                }
            }
            let ours = feed(bytes, grammar)
            let ok = ours.refusedAt == nil && ours.complete
            let theirs = foundationParses(bytes)
            compared += 1
            if ok {
                accepted += 1
                XCTAssertTrue(theirs, "we accept, JSONSerialization refuses: \(String(decoding: bytes, as: UTF8.self).debugDescription)")
            } else if theirs {
                // Documented strictness: nothing, not even whitespace, after the top-level value.
                var trimmed = bytes
                while let last = trimmed.last, [0x20, 0x09, 0x0A, 0x0D].contains(last) { trimmed.removeLast() }
                let afterTrim = feed(trimmed, grammar)
                if trimmed.count < bytes.count && afterTrim.refusedAt == nil && afterTrim.complete { continue }
                XCTFail("JSONSerialization accepts, we refuse at \(ours.refusedAt.map(String.init) ?? "end"): \(String(decoding: bytes, as: UTF8.self).debugDescription)")
            }
            if trial % 2 == 0 && trial % 4 != 3 {
                XCTAssertTrue(ok, "an unmutated random document is refused: \(String(decoding: bytes, as: UTF8.self).debugDescription)")
            }
        }
        XCTAssertGreaterThan(accepted, 150)
        XCTAssertEqual(compared, 400)
    }
}
