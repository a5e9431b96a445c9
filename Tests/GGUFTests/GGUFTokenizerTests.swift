// Tokenizers read from GGUF metadata (`GGUFFile.tokenizer()`), checked against independent implementations:
//   - SmolLM2-135M-Instruct.Q4_1.gguf (byte-level BPE, pre "smollm") against Hugging Face `tokenizers`
//     (Fixtures/smollm2-reference.json, a copy of the TokenizersTests fixture); skipped when the model is absent.
//   - spm-tiny.gguf (SentencePiece BPE with byte fallback, written by gguf-py's GGUFWriter with the keys llama.cpp's
//     converter writes) against `sentencepiece` itself (Fixtures/spm-tiny-reference.json).
//   - broken/*.gguf: a missing or mistyped key is a GGUFError naming the file and the key; arrays that disagree are
//     a TokenizerError naming the file.
// All fixtures: scripts/make-gguf-tokenizer-fixtures.py.
import Foundation
import GGUF
import Tokenizers
import XCTest

final class GGUFTokenizerTests: XCTestCase {
    struct SmolCase: Decodable { var text: String; var parse_special: Bool; var ids: [Int32] }
    struct SmolReference: Decodable { var source: String; var cases: [SmolCase] }
    struct SPMCase: Decodable { var text: String; var ids: [Int32]; var ids_with_bos: [Int32] }
    struct SPMReference: Decodable { var source: String; var cases: [SPMCase] }

    func reference<T: Decodable>(_ name: String, as: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(Fixture.bytes(name)))
    }

    /// The first position where two id lists differ, for failure messages.
    func firstDifference(_ expected: [Int32], _ observed: [Int32]) -> String {
        let i = (0..<min(expected.count, observed.count)).first { expected[$0] != observed[$0] } ?? min(expected.count, observed.count)
        return "first difference at index \(i): expected \(Array(expected[i...].prefix(6))), observed \(Array(observed[i...].prefix(6)))"
    }

    // MARK: SmolLM2 (byte-level BPE)

    func testSmolLM2MatchesHuggingFace() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf").standardized.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("\(path) absent; run scripts/get-model.sh to test the SmolLM2 tokenizer")
        }
        let file = try GGUFFile(path: path)
        let v = try file.vocabulary()
        XCTAssertEqual(v.model, "gpt2")
        XCTAssertEqual(v.pre, "smollm")
        XCTAssertEqual(v.tokens.count, 49152)
        XCTAssertEqual(v.merges?.count, 48900)
        XCTAssertEqual([v.bos, v.eos, v.unk, v.pad], [1, 2, 0, 2])
        XCTAssertNil(v.eot, "the file has no tokenizer.ggml.eot_token_id, and none is guessed")
        XCTAssertEqual(v.addBOS, false)

        let tok = try file.tokenizer()
        let ref = try reference("smollm2-reference.json", as: SmolReference.self)
        XCTAssertGreaterThan(ref.cases.count, 100)
        for c in ref.cases {
            // addSpecial: true adds nothing, because the file says add_bos_token = false (HF: add_special_tokens=False).
            let observed = tok.encode(c.text, addSpecial: true, parseSpecial: c.parse_special)
            XCTAssertEqual(observed, c.ids, "text \(c.text.debugDescription) parseSpecial \(c.parse_special): "
                           + firstDifference(c.ids, observed))
        }
    }

    // MARK: SentencePiece (llama)

    func testSentencePieceGGUFMatchesSentencePiece() throws {
        let file = try GGUFFile(path: Fixture.path("spm-tiny.gguf"))
        let v = try file.vocabulary()
        XCTAssertEqual(v.model, "llama")
        XCTAssertEqual(v.tokens.count, 600)
        XCTAssertEqual(v.scores?.count, 600)
        XCTAssertEqual(v.tokenTypes?.filter { $0 == TokenType.byte.rawValue }.count, 256, "byte-fallback pieces")
        XCTAssertEqual([v.bos, v.eos, v.unk], [1, 2, 0])
        XCTAssertNil(v.pad)
        XCTAssertEqual(v.addBOS, true)
        XCTAssertEqual(v.addEOS, false)
        XCTAssertEqual(v.addSpacePrefix, true)

        let tok = try XCTUnwrap(try file.tokenizer() as? SentencePieceTokenizer)
        let ref = try reference("spm-tiny-reference.json", as: SPMReference.self)
        XCTAssertGreaterThanOrEqual(ref.cases.count, 50)
        for c in ref.cases {
            let plain = tok.encode(c.text, addSpecial: false)
            XCTAssertEqual(plain, c.ids, "text \(c.text.debugDescription): " + firstDifference(c.ids, plain))
            // BOS comes from the file's add_bos_token and bos_token_id; sentencepiece's add_bos=True agrees.
            let withBOS = tok.encode(c.text)
            XCTAssertEqual(withBOS, c.ids_with_bos, "with BOS, text \(c.text.debugDescription)")
            XCTAssertEqual(tok.decodeText(plain), c.text, "decode for \(c.text.debugDescription)")
        }
        // The cases must reach byte fallback, or the test proves less than it claims.
        let usesBytes = ref.cases.contains { $0.ids.contains { tok.tokenType(of: $0) == .byte } }
        XCTAssertTrue(usesBytes, "no reference text falls back to <0xNN> pieces")
    }

    // MARK: Errors

    /// The error `tokenizer()` throws for a fixture in Fixtures/broken (or elsewhere), and the path it was loaded from.
    func tokenizerError(_ name: String) throws -> (error: any Error, path: String) {
        let path = try Fixture.path(name)
        let file = try GGUFFile(path: path)
        do {
            _ = try file.tokenizer()
        } catch {
            return (error, path)
        }
        XCTFail("\(name): expected an error, got a tokenizer")
        return (CancellationError(), path)
    }

    func testMissingKeysAreNamed() throws {
        for (name, key) in [("broken/no-tokens.gguf", "tokenizer.ggml.tokens"),
                            ("broken/no-scores.gguf", "tokenizer.ggml.scores"),  // "llama" needs scores
                            ("tiny.gguf", "tokenizer.ggml.merges")] {        // "gpt2" needs merges
            let (error, path) = try tokenizerError(name)
            XCTAssertEqual(error as? GGUFError, .missingKey(file: path, key: key), "\(name): \(error)")
            XCTAssertTrue("\(error)".hasPrefix(path + ": ") && "\(error)".contains(key), "\(error)")
        }
    }

    func testMistypedKeysAreNamed() throws {
        var (error, path) = try tokenizerError("broken/bos-is-string.gguf")
        XCTAssertEqual(error as? GGUFError, .wrongKeyType(file: path, key: "tokenizer.ggml.bos_token_id",
                                                          expected: "an integer", found: "STRING"), "\(error)")
        (error, path) = try tokenizerError("broken/scores-are-strings.gguf")
        XCTAssertEqual(error as? GGUFError, .wrongKeyType(file: path, key: "tokenizer.ggml.scores",
                                                          expected: "an array of floats", found: "an array of STRING"),
                       "\(error)")
    }

    func testInconsistentVocabularyNamesTheFile() throws {
        for (name, mention) in [("broken/short-scores.gguf", "tokenizer.ggml.scores has 3 entries"),
                                ("broken/unknown-model.gguf", "\"bert\"")] {
            let (error, path) = try tokenizerError(name)
            guard case let .badFile(file, reason)? = error as? TokenizerError else {
                return XCTFail("\(name): expected TokenizerError.badFile, got \(error)")
            }
            XCTAssertEqual(file, path)
            XCTAssertTrue(reason.contains(mention), "\(name): \(reason)")
        }
    }
}
