// JSON mode's closing budget: the shortest completion of a grammar state against a table of hand-written answers
// and against the Bellman inequality (no single byte can shorten it by more than one, and its own text is a
// completion — together: it is the shortest); random walks with tiny token budgets that must all end in documents
// JSONSerialization parses (and, with a schema, that validate); the never-empty mask at the edges of the budget;
// and the budget through Generator and BeamSearch on a toy model, then on SmolLM2 and the lessons' tiny GPT
// (skipped when their checkpoints are absent).
import Foundation
import Models
import Tensor
import XCTest
@testable import Decoding

final class JSONClosingBudgetTests: XCTestCase {
    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    func grammar(_ schema: String? = nil, scalars: Bool = false) throws -> JSONGrammar {
        JSONGrammar(schema: try schema.map { try JSONSchema(parsing: Array($0.utf8)) },
                    options: .init(allowScalarTopLevel: scalars))
    }

    /// The shortest completion of `prefix`, checked to have the length the fast path gives and to complete the document.
    func completion(_ start: JSONGrammar, _ prefix: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> String? {
        completionBytes(start, prefix, file: file, line: line).map { String(decoding: $0, as: UTF8.self) }
    }

    func completionBytes(_ start: JSONGrammar, _ prefix: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> [UInt8]? {
        var g = start
        guard g.consume(prefix) else {
            XCTFail("the grammar refuses \(String(decoding: prefix, as: UTF8.self).debugDescription)", file: file, line: line)
            return nil
        }
        let text = g.shortestCompletion
        XCTAssertEqual(g.shortestCompletionLength, text.count, "length vs text after \(String(decoding: prefix, as: UTF8.self))",
                       file: file, line: line)
        var done = g
        XCTAssertTrue(done.consume(text) && done.isComplete,
                      "\(String(decoding: prefix + text, as: UTF8.self).debugDescription) is not a complete document", file: file, line: line)
        return text
    }

    func testShortestCompletionKnownAnswers() throws {
        let plain = try grammar()
        let table: [(String, String)] = [
            ("", "[]"), ("[", "]"), ("{", "}"), ("[]", ""), ("{\"a\":[1]}", ""),
            ("{\"a\": [1, \"x", "\"]}"),
            ("{\"a", "\":0}"), ("{\"a\"", ":0}"), ("{\"a\" :", "0}"), ("{\"a\":1,", "\"\":0}"), ("{\"a\":1 ", "}"),
            ("[-", "0]"), ("[1.", "0]"), ("[1e", "0]"), ("[1e+", "0]"), ("[0.5", "]"), ("[12", "]"),
            ("[t", "rue]"), ("[fa", "lse]"), ("[n", "ull]"), ("[true", "]"), ("[1,", "0]"),
            ("[\"\\", "n\"]"), ("[\"\\u", "0000\"]"), ("[\"\\u12", "00\"]"), ("[\"\\uD", "000\"]"),
            ("[\"\\uD8", "00\\uDC00\"]"), ("[\"\\uD83D", "\\uDC00\"]"), ("[\"\\uD83D\\", "uDC00\"]"),
            ("[\"\\uD83D\\u", "DC00\"]"), ("[\"\\uD83D\\uD", "C00\"]"), ("[\"\\uD83D\\uDE0", "0\"]"),
            ("[[{\"k\":[", "]}]]"), ("[{\"k\":{\"j\":[[", "]]}}]"), ("[{},", "0]"),
        ]
        for (prefix, expected) in table {
            XCTAssertEqual(completion(plain, Array(prefix.utf8)), expected, "after \(prefix.debugDescription)")
        }
        // Inside a UTF-8 character: the smallest continuation byte its lead byte allows (RFC 3629 table 3-7).
        let close: [UInt8] = Array("\"]".utf8)
        XCTAssertEqual(completionBytes(plain, Array("[\"".utf8) + [0xC3]), [0x80] + close)
        XCTAssertEqual(completionBytes(plain, Array("[\"".utf8) + [0xE0]), [0xA0, 0x80] + close)
        XCTAssertEqual(completionBytes(plain, Array("[\"".utf8) + [0xED]), [0x80, 0x80] + close)
        XCTAssertEqual(completionBytes(plain, Array("[\"".utf8) + [0xF0, 0x90]), [0x80, 0x80] + close)
        XCTAssertEqual(completionBytes(plain, Array("[\"".utf8) + [0xF4]), [0x80, 0x80, 0x80] + close)
        // A scalar document: a number may end where it is; a literal must be finished.
        let scalars = try grammar(scalars: true)
        XCTAssertEqual(completion(scalars, Array("".utf8)), "0")
        XCTAssertEqual(completion(scalars, Array("12".utf8)), "")
        XCTAssertEqual(completion(scalars, Array("-".utf8)), "0")
        XCTAssertEqual(completion(scalars, Array("nu".utf8)), "ll")
    }

    func testShortestCompletionUnderSchemas() throws {
        let person = try grammar(JSONSchemaTests.personSchema)
        // Required: name (string), age (integer), kind (enum "cat", "dog", 3, 1.5, null: `3` is shortest), in the
        // order `properties` lists them; optional keys are written only after a comma that asks for one.
        let table: [(String, String)] = [
            ("", "{\"name\":\"\",\"age\":0,\"kind\":3}"),
            ("{", "\"name\":\"\",\"age\":0,\"kind\":3}"),
            ("{\"", "name\":\"\",\"age\":0,\"kind\":3}"),
            ("{\"age\":4", ",\"name\":\"\",\"kind\":3}"),
            ("{\"na", "me\":\"\",\"age\":0,\"kind\":3}"),
            ("{\"s", "core\":0,\"name\":\"\",\"age\":0,\"kind\":3}"),
            ("{\"kind\":\"c", "at\",\"name\":\"\",\"age\":0}"),
            ("{\"kind\":1", ".5,\"name\":\"\",\"age\":0}"),
            ("{\"address\":{", "\"city\":\"\"},\"name\":\"\",\"age\":0,\"kind\":3}"),
            ("{\"address\":{\"zip\":n", "ull,\"city\":\"\"},\"name\":\"\",\"age\":0,\"kind\":3}"),
            ("{\"tags\":[\"a", "\"],\"name\":\"\",\"age\":0,\"kind\":3}"),
            ("{\"extra\":{\"q\":[", "]},\"name\":\"\",\"age\":0,\"kind\":3}"),
            ("{\"name\":\"x\",\"age\":1,\"kind\":null", "}"),
            ("{\"name\":\"x\",\"age\":1,\"kind\":null,", "\"score\":0}"),
        ]
        for (prefix, expected) in table {
            XCTAssertEqual(completion(person, Array(prefix.utf8)), expected, "after \(prefix.debugDescription)")
        }
        let review = try JSONSchema(contentsOfFile: Self.here.appendingPathComponent("../../lectures/data/review.schema.json").path)
        XCTAssertEqual(completion(JSONGrammar(schema: review), []), #"{"title":"","rating":0,"sentiment":"mixed"}"#)
        // A node that admits a string or an object ties at two bytes: the scalar is taken, so the completion never
        // needs a container past maxDepth.
        let tie = try grammar(#"{"type": "array", "items": {"type": ["object", "string"]}}"#)
        XCTAssertEqual(completion(tie, Array("[".utf8)), "]")
        XCTAssertEqual(completion(tie, Array("[{},".utf8)), "\"\"]")
    }

    /// Along random walks, at every state: the length is 0 exactly when the document is complete, and no byte the
    /// grammar reads shortens the completion by more than one. With the completion text being a completion, this
    /// makes the length the true distance to a complete document (by induction along any shortest path).
    func testShortestCompletionIsTheDistanceToAComplete() throws {
        let (vocab, eos) = syntheticVocabulary()
        let schemas: [JSONSchema?] = [nil, try JSONSchema(parsing: Array(JSONSchemaTests.personSchema.utf8))]
        var rng = RandomGenerator(seed: 7)
        var states = 0
        for (s, schema) in schemas.enumerated() {
            let start = JSONConstraint(vocabulary: vocab, endOfSequence: [eos], schema: schema)
            for walk in 0..<40 {
                var c = start
                while !c.isFinished {
                    let g = c.grammar
                    let n = g.shortestCompletionLength
                    XCTAssertEqual(n == 0, g.isComplete, "schema \(s) walk \(walk): length \(n), complete \(g.isComplete)")
                    _ = completion(g, [])
                    for b in 0...255 {
                        var next = g
                        if next.consume(UInt8(b)) {
                            XCTAssertGreaterThanOrEqual(next.shortestCompletionLength, n - 1, "byte \(b) shortens the completion by more than one")
                        }
                    }
                    states += 1
                    let allowed = c.allowedTokens()
                    let ids = allowed.indices.filter { allowed[$0] }
                    c.didSample(Int32(ids[Int(rng.next() % UInt64(ids.count))]))
                    if states > 20_000 { return XCTFail("walks did not end") }
                }
            }
        }
        print("shortest completion checked at \(states) states")
    }

    /// Draws uniformly among the allowed tokens with a budget of `budget` tokens; checks the mask is never empty,
    /// agrees with the reference now and then, and that the completion always fits the tokens left.
    func budgetedWalk(_ start: JSONConstraint, budget: Int, _ rng: inout RandomGenerator, check: Bool) -> [UInt8]? {
        var c = start
        c.setTokenBudget(budget)
        var out: [UInt8] = []
        for step in 0..<budget {
            let allowed = c.allowedTokens()
            if check { XCTAssertEqual(allowed, c.allowedTokensReference(), "fast vs reference mask after \(String(decoding: out, as: UTF8.self).debugDescription)") }
            let ids = allowed.indices.filter { allowed[$0] }
            guard !ids.isEmpty else {
                XCTFail("empty mask after \(String(decoding: out, as: UTF8.self).debugDescription), \(budget - step) tokens left")
                return nil
            }
            let id = Int32(ids[Int(rng.next() % UInt64(ids.count))])
            c.didSample(id)
            if c.isFinished { return out }
            out += c.vocabulary[Int(id)]
            XCTAssertLessThanOrEqual(c.shortestCompletion, c.tokensLeft!, "after \(String(decoding: out, as: UTF8.self).debugDescription)")
        }
        return out
    }

    /// 400 walks with budgets of 5 to 40 tokens (schema: 28 to 60, its shortest document has 28 bytes): every
    /// output parses, is an object or array, and under the schema validates (two independent checks).
    func testTinyBudgetsAlwaysParse() throws {
        let (vocab, eos) = syntheticVocabulary()
        let plain = JSONConstraint(vocabulary: vocab, endOfSequence: [eos])
        let schema = try JSONSchema(parsing: Array(JSONSchemaTests.personSchema.utf8))
        let person = JSONConstraint(vocabulary: vocab, endOfSequence: [eos], schema: schema)
        XCTAssertEqual(person.shortestCompletion, 28)
        var rng = RandomGenerator(seed: 2024)
        var ended = 0
        for walk in 0..<200 {
            let budget = 5 + walk % 36
            guard let doc = budgetedWalk(plain, budget: budget, &rng, check: walk < 20) else { return }
            let parsed = try? JSONSerialization.jsonObject(with: Data(doc))
            XCTAssertTrue(parsed is [Any] || parsed is [String: Any],
                          "walk \(walk), budget \(budget): \(String(decoding: doc, as: UTF8.self).debugDescription)")
        }
        for walk in 0..<200 {
            let budget = 28 + walk % 33
            guard let doc = budgetedWalk(person, budget: budget, &rng, check: walk < 20) else { return }
            let text = String(decoding: doc, as: UTF8.self).debugDescription
            guard let object = try? JSONSerialization.jsonObject(with: Data(doc)) as? [String: Any] else {
                return XCTFail("walk \(walk), budget \(budget): not a JSON object: \(text)")
            }
            XCTAssertEqual(JSONSchemaTests.validatePerson(object), [], "walk \(walk), budget \(budget): \(text)")
            XCTAssertNil(schema.violation(in: try JSONValue(parsing: doc)), "walk \(walk): \(text)")
            if doc.count < budget { ended += 1 }
        }
        print("budgeted walks: 400 documents parse; \(ended) of the 200 under the schema ended before their budget")
    }

    func testMaskAtTheEdgesOfTheBudget() throws {
        let (vocab, eos) = syntheticVocabulary()
        func allowedTexts(_ c: JSONConstraint) -> [String] {
            let allowed = c.allowedTokens()
            XCTAssertEqual(allowed, c.allowedTokensReference())
            return allowed.indices.filter { allowed[$0] }.map { $0 == Int(eos) ? "EOS" : String(decoding: vocab[$0], as: UTF8.self) }.sorted()
        }
        // One token left after `[1`: only what completes the document.
        var c = JSONConstraint(vocabulary: vocab, endOfSequence: [eos])
        XCTAssertTrue(c.advance(Array("[1".utf8)))
        c.setTokenBudget(1)
        XCTAssertEqual(allowedTexts(c), ["]"])
        // Two left inside a string, whose completion `"]` is two bytes: the string must end within this token —
        // `"` (then `]`), `"]` at once, or `{"` (a brace of text, then the quote); another letter, `",` or `\` would
        // need more than the one token left after it.
        c = JSONConstraint(vocabulary: vocab, endOfSequence: [eos])
        XCTAssertTrue(c.advance(Array("[\"a".utf8)))
        c.setTokenBudget(2)
        XCTAssertEqual(allowedTexts(c), ["\"", "\"]", "{\""])
        c.setTokenBudget(3)
        XCTAssertTrue(allowedTexts(c).contains("b"), "with three left the string may go on")
        c.setTokenBudget(1)
        XCTAssertEqual(allowedTexts(c), ["\"]"])
        // A complete top-level number with zero tokens left: only the end; with one left, a digit too.
        c = JSONConstraint(vocabulary: vocab, endOfSequence: [eos], options: .init(allowScalarTopLevel: true))
        XCTAssertTrue(c.advance(Array("12".utf8)))
        c.setTokenBudget(0)
        XCTAssertEqual(allowedTexts(c), ["EOS"])
        c.setTokenBudget(1)
        XCTAssertEqual(allowedTexts(c), ["0", "0.5", "1", "12", "2", "3", "4", "5", "6", "7", "8", "9", "EOS", "e+1"],
                       "tokens that leave a complete number")
        // A budget below the shortest document: nothing fits, so the tokens that shorten the completion most.
        let schema = try JSONSchema(parsing: Array(JSONSchemaTests.personSchema.utf8))
        c = JSONConstraint(vocabulary: vocab, endOfSequence: [eos], schema: schema)
        c.setTokenBudget(3)
        XCTAssertEqual(allowedTexts(c), ["{\""], "`{\"` leaves 26 bytes, `{` 27")
        // The sparse path (most logits already −∞) keeps, among the finite ones, the same rule.
        c = JSONConstraint(vocabulary: vocab, endOfSequence: [eos])
        XCTAssertTrue(c.advance(Array("[\"a".utf8)))
        c.setTokenBudget(1)
        var logits = [Float](repeating: -.infinity, count: vocab.count)
        let quote = vocab.firstIndex(of: Array("\"".utf8))!, close = vocab.firstIndex(of: Array("\"]".utf8))!
        let letter = vocab.firstIndex(of: Array("b".utf8))!
        for id in [quote, close, letter] { logits[id] = 0 }
        c.process(&logits)
        XCTAssertEqual(logits.indices.filter { logits[$0] == 0 }, [close])
        logits = [Float](repeating: -.infinity, count: vocab.count)
        for id in [quote, letter] { logits[id] = 0 }
        c.process(&logits)
        XCTAssertEqual(logits.indices.filter { logits[$0] == 0 }, [quote], "none fits: the one that shortens most")
    }

    // MARK: Through the decoders

    /// A toy model that wants `["aaaa…` forever: `[` after anything, then `"`, then `a` again and again.
    func eagerModel() -> ToyModel {
        let alphabet = "[\"a]{},:0 E"   // E is the end-of-sequence id 10
        var table = [[Float]](repeating: [Float](repeating: 0, count: 11), count: 11)
        for prev in 0..<11 {
            table[prev][0] = 4
            table[prev][1] = prev == 0 ? 8 : 0
            table[prev][2] = prev == 1 || prev == 2 ? 8 : 0
        }
        return ToyModel(table: table, alphabet: alphabet, eos: 10)
    }

    func testGeneratorClosesInsideMaxTokensAndContext() throws {
        let model = eagerModel()
        let generator = Generator(model: model, tokenizer: model.charTokenizer)
        let constraint = JSONConstraint(tokenizer: model.charTokenizer)
        XCTAssertEqual(constraint.missingBytes.count, 3 + 95 + 64 - 10, "the toy alphabet has 10 of the bytes a document may need")
        for maxTokens in [2, 3, 5, 8, 13, 40] {
            for seed in 0..<10 as Range<UInt64> {
                var sampler = Sampler(parameters: SamplingParameters(), seed: seed, constraint: constraint)
                var options = GenerationOptions()
                options.maxTokens = maxTokens
                let g = try generator.run(prompt: [9], sampler: &sampler, options: options)
                XCTAssertLessThanOrEqual(g.tokens.count, maxTokens)
                XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(g.text.utf8)),
                                "max tokens \(maxTokens), seed \(seed): \(g.text.debugDescription) (\(g.finishReason))")
            }
        }
        // The context, not max tokens, is what ends it: 64 positions, a 58-token prompt leaves 6.
        // Greedy, so the text is known: `[`, `"`, letters while two tokens can still close the string, `"`, `]`.
        var sampler = Sampler(parameters: .greedy, seed: 0, constraint: constraint)
        var options = GenerationOptions()
        options.maxTokens = 100
        let g = try generator.run(prompt: [Int32](repeating: 9, count: 58), sampler: &sampler, options: options)
        XCTAssertEqual(g.finishReason, .contextFull)
        XCTAssertEqual(g.text, "[\"aa\"]")
        XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(g.text.utf8)), g.text)
    }

    func testBeamSearchClosesInsideMaxTokens() throws {
        let model = eagerModel()
        var parameters = BeamSearchParameters()
        parameters.numBeams = 3
        parameters.numReturnSequences = 3
        for maxTokens in [2, 4, 7, 12] {
            let hyps = try BeamSearch(model: model, parameters: parameters)
                .run(prompt: [9], maxTokens: maxTokens, constraint: JSONConstraint(tokenizer: model.charTokenizer))
            for h in hyps {
                let text = model.charTokenizer.decode(h.tokens.filter { $0 != 10 })
                XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(text.utf8)), "max tokens \(maxTokens): \(text.debugDescription)")
            }
        }
    }

    // MARK: Real checkpoints

    /// `samples` seeded samples at temperature 1 with `maxTokens`: every one parses (and fits `schema`).
    func sampleJSON(_ path: String, prompt: (TransformerRuntime) -> [Int32], samples: Int, maxTokens: Int,
                    schema: JSONSchema? = nil) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) absent") }
        let lm = try TransformerRuntime.load(path: path)
        let tokenizer = lm.tokenizer!
        let constraint = JSONConstraint(tokenizer: tokenizer, schema: schema)
        XCTAssertEqual(constraint.missingBytes, [], "every byte is a token of its own, which the budget relies on")
        let ids = prompt(lm)
        var options = GenerationOptions()
        options.maxTokens = maxTokens
        var lengths: [Int] = []
        for seed in 0..<UInt64(samples) {
            var sampler = Sampler(parameters: SamplingParameters(), seed: seed, constraint: constraint)
            let g = try Generator(model: lm, tokenizer: tokenizer).run(prompt: ids, sampler: &sampler, options: options)
            let bytes = g.tokens.flatMap { tokenizer.bytes(for: $0) }
            lengths.append(g.tokens.count)
            XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(bytes)),
                            "seed \(seed): \(String(decoding: bytes, as: UTF8.self).debugDescription)")
            if let schema { XCTAssertNil(schema.violation(in: try JSONValue(parsing: bytes)), "seed \(seed)") }
        }
        print("\((path as NSString).lastPathComponent): \(samples) samples parse; tokens \(lengths)")
    }

    func testSmolLM2SamplesParse() throws {
        let path = Self.here.appendingPathComponent("../../checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf").standardized.path
        // SmolLM2's chat template (ChatML) written out, so this test needs no template engine.
        let chat = "<|im_start|>user\nDescribe a movie you like as a JSON object.<|im_end|>\n<|im_start|>assistant\n"
        try sampleJSON(path, prompt: { $0.tokenizer!.encode(chat, addSpecial: false, parseSpecial: true) }, samples: 8, maxTokens: 20)
    }

    func testLessonsTinySamplesParse() throws {
        let path = Self.here.appendingPathComponent("../../checkpoints/lessons-tiny.h5").standardized.path
        try sampleJSON(path, prompt: { $0.tokenizer!.encode("The film", addSpecial: true, parseSpecial: false) }, samples: 20, maxTokens: 24)
    }
}
