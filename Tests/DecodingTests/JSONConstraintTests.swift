// JSONConstraint: the trie walk agrees with the per-token reference, the mask is never empty, random walks that
// draw only allowed tokens always end in a document JSONSerialization parses (and, with a schema, one that
// validates), and the mask's cost on SmolLM2's 49,152-token vocabulary (skipped when the GGUF is absent).
import Foundation
import GGUF
import Tensor
import XCTest
@testable import Decoding

/// A small vocabulary: a control token (no bytes), an EOS whose printed text is `</s>`, every printable ASCII byte,
/// whitespace, the bytes of é € 😀 one by one, and multi-byte tokens that cross JSON's token boundaries, including
/// é cut in the middle (`"\xC3` then `\xA9"`).
func syntheticVocabulary() -> (bytes: [[UInt8]], eos: Int32) {
    var v: [[UInt8]] = [[], Array("</s>".utf8)]
    for b in UInt8(0x20)...UInt8(0x7E) { v.append([b]) }
    for b: UInt8 in [0x0A, 0x09, 0x0D, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80] { v.append([b]) }
    let pieces = ["{\"", "\":", "\",", "\"}", "\"]", "true", "false", "null", "\\u00e9", "\\uD83D", "\\uDE00", "0.5", "e+1",
                  "},{", "],[", "  ", "\n  ", "\u{e9}", "\u{20AC}", "\"name", "\"age", "name", "\":\"", "},", "[{", "12", "-3"]
    v += pieces.map { Array($0.utf8) }
    v += [[0x22, 0xC3], [0xA9, 0x22], [0xA9]]
    return (v, 1)
}

/// Draws uniformly among allowed tokens until EOS; nil (and a failure) on an empty mask or a runaway walk.
/// Every `checkEvery` steps the fast mask is compared with the reference.
func randomWalk(_ start: JSONConstraint, _ rng: inout RandomGenerator, checkEvery: Int = 0,
                file: StaticString = #filePath, line: UInt = #line) -> [UInt8]? {
    var c = start
    var out: [UInt8] = []
    for step in 0..<20_000 {
        let allowed = c.allowedTokens()
        if checkEvery > 0 && step % checkEvery == 0 {
            let reference = c.allowedTokensReference()
            if allowed != reference {
                let diff = allowed.indices.filter { allowed[$0] != reference[$0] }
                XCTFail("fast and reference masks differ after \(String(decoding: out, as: UTF8.self).debugDescription) "
                    + "on ids \(diff.prefix(8)) (fast \(diff.prefix(8).map { allowed[$0] }))", file: file, line: line)
                return nil
            }
        }
        let ids = allowed.indices.filter { allowed[$0] }
        guard !ids.isEmpty else {
            XCTFail("empty mask after \(String(decoding: out, as: UTF8.self).debugDescription)", file: file, line: line)
            return nil
        }
        let id = Int32(ids[Int(rng.next() % UInt64(ids.count))])
        c.didSample(id)
        if c.isFinished { return out }
        out += c.vocabulary[Int(id)]
    }
    XCTFail("walk did not end in 20000 steps", file: file, line: line)
    return nil
}

final class JSONConstraintTests: XCTestCase {
    /// The trie walk against a loop over the tokens, on random vocabularies (duplicates, prefixes of each other, an
    /// empty token) and a toy state machine: bytes must not decrease, and the state counts the bytes read.
    func testTokenTrieWalkMatchesPerTokenLoop() {
        var rng = RandomGenerator(seed: 3)
        for _ in 0..<50 {
            let vocabulary: [[UInt8]] = (0..<Int(rng.next() % 60)).map { _ in
                (0..<Int(rng.next() % 5)).map { _ in UInt8(97 + rng.next() % 4) }
            }
            let trie = TokenTrie(vocabulary) { $0 % 7 != 3 }
            typealias State = (last: UInt8, count: Int)
            let step: (inout State, UInt8) -> Bool = { s, b in
                guard b >= s.last else { return false }
                s = (b, s.count + 1)
                return true
            }
            for start: State in [(0, 0), (98, 0)] {
                var walked: [Int32] = []
                trie.forEachAccepted(from: start, step: step) { walked.append($0) }
                let expected = vocabulary.indices.filter { id in
                    var s = start
                    return id % 7 != 3 && !vocabulary[id].isEmpty && vocabulary[id].allSatisfy { step(&s, $0) }
                }
                XCTAssertEqual(walked.map(Int.init).sorted(), expected, "\(vocabulary) from \(start)")
            }
        }
    }

    func testEOSOnlyWhenCompleteAndControlTokensNever() {
        let (vocab, eos) = syntheticVocabulary()
        var c = JSONConstraint(vocabulary: vocab, endOfSequence: [eos])
        XCTAssertEqual(c.missingBytes.count, 64 - 6, "the synthetic vocabulary has 6 of the 64 continuation bytes")
        var allowed = c.allowedTokens()
        XCTAssertFalse(allowed[Int(eos)], "EOS before any value")
        XCTAssertFalse(allowed[0], "a token without bytes")
        XCTAssertEqual(allowed.indices.filter { allowed[$0] }.map { String(decoding: vocab[$0], as: UTF8.self) }.sorted(),
                       ["\t", "\n", "\r", " ", "  ", "\n  ", "[", "[{", "{", "{\""].sorted())
        XCTAssertTrue(c.advance(Array("{\"a\":[1]".utf8)))
        XCTAssertFalse(c.advance(Array("]".utf8)), "refused bytes change nothing")
        allowed = c.allowedTokens()
        XCTAssertFalse(allowed[Int(eos)])
        XCTAssertTrue(c.advance(Array("}".utf8)))
        allowed = c.allowedTokens()
        XCTAssertEqual(allowed.indices.filter { allowed[$0] }, [Int(eos)], "after the value only EOS")
    }

    func testProcessSetsMinusInfinityExactlyOnRefusedTokens() {
        let (vocab, eos) = syntheticVocabulary()
        var c = JSONConstraint(vocabulary: vocab, endOfSequence: [eos])
        XCTAssertTrue(c.advance(Array("[\"ab".utf8)))
        let allowed = c.allowedTokensReference()
        var logits = (0..<vocab.count).map { Float($0 % 7) }
        c.process(&logits)
        for id in vocab.indices {
            XCTAssertEqual(logits[id] == -.infinity, !allowed[id], "token \(id) \(vocab[id])")
        }
        // The sparse path (most logits already −∞) gives the same mask on the finite ones.
        var sparse = [Float](repeating: -.infinity, count: vocab.count)
        for id in [2, 36, 62, Int(eos), 0] { sparse[id] = 1 }   // ' ', 'B', '\', EOS, control
        c.process(&sparse)
        for id in vocab.indices {
            let expected: Float = [2, 36, 62].contains(id) && allowed[id] ? 1 : -.infinity
            XCTAssertEqual(sparse[id], expected, "token \(id) \(vocab[id])")
        }
    }

    /// 200 seeded walks over the synthetic vocabulary: each ends (EOS drawn) in a document JSONSerialization
    /// parses, as an object or array; the mask is never empty; fast and reference masks agree along the way.
    func testRandomWalksEndInValidJSON() throws {
        let (vocab, eos) = syntheticVocabulary()
        let start = JSONConstraint(vocabulary: vocab, endOfSequence: [eos])
        var rng = RandomGenerator(seed: 42)
        var totalBytes = 0
        for walk in 0..<200 {
            guard let doc = randomWalk(start, &rng, checkEvery: walk < 40 ? 3 : 0) else { return }
            totalBytes += doc.count
            let parsed = try? JSONSerialization.jsonObject(with: Data(doc))
            XCTAssertTrue(parsed is [Any] || parsed is [String: Any],
                          "walk \(walk): not a JSON object/array: \(String(decoding: doc, as: UTF8.self).debugDescription)")
        }
        print("random walks: 200 documents, \(totalBytes) bytes")
    }

    /// The same walks under a schema: every document has the required keys, only listed keys, and typed values.
    func testRandomWalksUnderASchemaValidate() throws {
        let (vocab, eos) = syntheticVocabulary()
        let schema = try JSONSchema(parsing: Array(JSONSchemaTests.personSchema.utf8))
        let start = JSONConstraint(vocabulary: vocab, endOfSequence: [eos], schema: schema)
        var rng = RandomGenerator(seed: 43)
        for walk in 0..<200 {
            guard let doc = randomWalk(start, &rng, checkEvery: walk < 40 ? 3 : 0) else { return }
            let text = String(decoding: doc, as: UTF8.self)
            guard let object = try? JSONSerialization.jsonObject(with: Data(doc)) as? [String: Any] else {
                return XCTFail("walk \(walk): not a JSON object: \(text.debugDescription)")
            }
            let problems = JSONSchemaTests.validatePerson(object)
            XCTAssertEqual(problems, [], "walk \(walk): \(text.debugDescription)")
        }
    }

    // MARK: SmolLM2

    func loadSmolLM2() throws -> JSONConstraint {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf").standardized.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("\(path) absent; run scripts/get-model.sh to time the JSON mask on SmolLM2")
        }
        let tokenizer = try GGUFFile(path: path).tokenizer()
        let t0 = DispatchTime.now().uptimeNanoseconds
        let c = JSONConstraint(tokenizer: tokenizer)
        print(String(format: "JSONConstraint(tokenizer:) on SmolLM2 (tries and string-body set): %.0f ms",
                     Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6))
        return c
    }

    /// ms per `process` call at a few states; fails above a generous 20 ms (a decode step is ~45 ms).
    func testMaskCostOnSmolLM2() throws {
        let plain = try loadSmolLM2()
        XCTAssertEqual(plain.vocabulary.count, 49152)
        XCTAssertEqual(plain.missingBytes, [])
        print("SmolLM2: \(plain.stringBody.filter { $0 }.count) tokens fit anywhere inside a string; the string trie has \(plain.stringTrie.nodeCount) nodes")
        XCTAssertEqual(plain.endOfSequence, [2])
        print("SmolLM2 trie: \(plain.trie.nodeCount) nodes for \(plain.vocabulary.count) tokens, longest \(plain.trie.maxDepth) bytes")
        let schema = try JSONSchema(parsing: Array(JSONSchemaTests.personSchema.utf8))
        let withSchema = JSONConstraint(vocabulary: plain.vocabulary, endOfSequence: plain.endOfSequence, schema: schema)
        let states: [(String, JSONConstraint, [UInt8])] = [
            ("start", plain, Array("".utf8)),
            ("inside a string", plain, Array("{\"name\": \"Jo".utf8)),
            ("after a key", plain, Array("{\"name\":".utf8)),
            ("in a number", plain, Array("[12".utf8)),
            ("after a backslash", plain, Array("[\"a\\".utf8)),
            ("in a \\u escape", plain, Array("[\"\\u00".utf8)),
            ("inside a UTF-8 character", plain, Array("[\"".utf8) + [0xC3]),
            ("schema: start of a key", withSchema, Array("{\"".utf8)),
            ("schema: after a key", withSchema, Array("{\"name\":".utf8)),
            ("schema: inside a string", withSchema, Array("{\"name\": \"Jo".utf8)),
        ]
        for (name, base, prefix) in states {
            var c = base
            XCTAssertTrue(c.advance(prefix), name)
            let allowed = c.allowedTokens()
            XCTAssertEqual(allowed, c.allowedTokensReference(), "fast and reference masks differ at \(name)")
            let count = allowed.filter { $0 }.count
            XCTAssertGreaterThan(count, 0, name)
            var times: [Double] = []
            for _ in 0..<15 {
                var logits = [Float](repeating: 0, count: c.vocabulary.count)
                let t0 = DispatchTime.now().uptimeNanoseconds
                c.process(&logits)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            }
            let median = times.sorted()[times.count / 2]
            print(String(format: "JSON mask on SmolLM2, %@ (%@): %.2f ms median of 15, %d tokens allowed",
                         name, String(decoding: prefix, as: UTF8.self).debugDescription, median, count))
            XCTAssertLessThan(median, 20, "mask at \(name) takes \(median) ms")
        }

        // Every state along a realistic document (RFC 8259's first example, compacted to our whitespace limit,
        // plus escapes and non-ASCII text): the slowest mask.
        let doc = Array(JSONGrammarTests.valid[0].replacingOccurrences(of: "          ", with: "  ")
            .replacingOccurrences(of: "        ", with: "  ").utf8)
            + Array(", [\"caf\u{e9} \\u00e9\\n \u{65e5}\u{672c}\", -1.5e+3, true, null]]".utf8)
        var walker = plain
        XCTAssertTrue(walker.advance([UInt8(ascii: "[")]))
        var slowest = (ms: 0.0, at: 0)
        for (i, b) in doc.enumerated() {
            // The best of 3, so that a moment of load from elsewhere on the machine is not taken for the mask.
            let t = (0..<3).map { _ in
                milliseconds { var logits = [Float](repeating: 0, count: walker.vocabulary.count); walker.process(&logits) }
            }.min()!
            if t > slowest.ms { slowest = (t, i) }
            XCTAssertTrue(walker.advance([b]), "byte \(i) of the document")
        }
        print(String(format: "slowest mask over the %d states of a %d-byte document: %.2f ms (before byte %d, %@)", doc.count,
                     doc.count, slowest.ms, slowest.at, String(decoding: doc[max(0, slowest.at - 12)..<slowest.at], as: UTF8.self).debugDescription))
        XCTAssertLessThan(slowest.ms, 20)

        // For comparison, inside a string: the per-token reference, and the walk over the whole trie that the
        // string-body set replaces.
        var c = plain
        XCTAssertTrue(c.advance(Array("{\"name\": \"Jo".utf8)))
        let reference = (0..<5).map { _ in milliseconds { _ = c.allowedTokensReference() } }.min()!
        var walked = 0
        let wholeTrie = (0..<5).map { _ in
            walked = 0
            return milliseconds { c.trie.forEachAccepted(from: c.grammar, step: { $0.consume($1) }) { _ in walked += 1 } }
        }.min()!
        XCTAssertEqual(walked, c.allowedTokens().filter { $0 }.count)
        print(String(format: "inside a string, best of 5: per-token reference %.2f ms, whole-trie walk %.2f ms", reference, wholeTrie))
        let atStart = (0..<5).map { _ in milliseconds { _ = plain.allowedTokensReference() } }.min()!
        let fastAtStart = (0..<5).map { _ in milliseconds { _ = plain.allowedTokens() } }.min()!
        print(String(format: "at the start, best of 5: per-token reference %.2f ms, trie walk %.2f ms", atStart, fastAtStart))
    }

    func milliseconds(_ body: () -> Void) -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
    }

    /// Walks with SmolLM2's own tokens: the mask is never empty and agrees with the reference at sampled steps.
    func testSmolLM2WalksAgreeWithReference() throws {
        let plain = try loadSmolLM2()
        let schema = try JSONSchema(parsing: Array(JSONSchemaTests.personSchema.utf8))
        let withSchema = JSONConstraint(vocabulary: plain.vocabulary, endOfSequence: plain.endOfSequence, schema: schema)
        var rng = RandomGenerator(seed: 5)
        for walk in 0..<8 {
            var c = walk % 2 == 0 ? plain : withSchema
            for step in 0..<30 {
                let allowed = c.allowedTokens()
                if step % 5 == 0 { XCTAssertEqual(allowed, c.allowedTokensReference(), "step \(step)") }
                // Prefer short tokens so walks visit structure, not only long string pieces.
                let ids = allowed.indices.filter { allowed[$0] }
                XCTAssertFalse(ids.isEmpty)
                let short = ids.filter { c.vocabulary[$0].count <= 2 || c.endOfSequence.contains(Int32($0)) }
                let pool = short.isEmpty ? ids : short
                let id = Int32(pool[Int(rng.next() % UInt64(pool.count))])
                c.didSample(id)
                if c.isFinished { break }
            }
        }
    }
}
