// GGUF vocabularies: SmolLM2-135M's byte-level BPE (pre "smollm") against Hugging Face `tokenizers`, and the
// construction rules (unknown pre → default with a warning, unsupported model, length checks).
// Fixtures: smollm2-vocab.json (extracted from the GGUF) and smollm2-reference.json (HF ids), both made by
// scripts/make-tokenizer-fixtures.py.
import XCTest

@testable import Tokenizers

final class GGUFVocabularyTests: XCTestCase {
    struct Vocab: Decodable {
        var model: String; var pre: String; var bos: Int32; var eos: Int32; var unk: Int32; var pad: Int32
        var add_bos: Bool; var tokens: [String]; var merges: [String]; var token_types: [Int32]
    }
    struct Case: Decodable { var text: String; var parse_special: Bool; var ids: [Int32] }
    struct Reference: Decodable { var source: String; var cases: [Case] }

    nonisolated(unsafe) static var cached: (any Tokenizer)?
    func smollm2() throws -> any Tokenizer {
        if let t = Self.cached { return t }
        let v = try Fixture.load("smollm2-vocab.json", as: Vocab.self)
        let vocab = GGUFVocabulary(
            model: v.model, tokens: v.tokens, merges: v.merges, tokenTypes: v.token_types, pre: v.pre,
            bos: v.bos, eos: v.eos, unk: v.unk, pad: v.pad, addBOS: v.add_bos)
        let t = try vocab.makeTokenizer()
        Self.cached = t
        return t
    }

    func testSmolLM2MatchesHuggingFace() throws {
        let tok = try smollm2()
        XCTAssertEqual(tok.vocabSize, 49152)
        XCTAssertFalse(tok.addBOS, "SmolLM2's GGUF says add_bos_token = false")
        let ref = try Fixture.load("smollm2-reference.json", as: Reference.self)
        XCTAssertGreaterThan(ref.cases.count, 100)
        for c in ref.cases {
            let observed = tok.encode(c.text, addSpecial: true, parseSpecial: c.parse_special)
            XCTAssertEqual(observed, c.ids, "text \(c.text.debugDescription) parseSpecial \(c.parse_special): "
                           + firstDifference(c.ids, observed))
            XCTAssertEqual(tok.decode(observed), c.text, "decode(encode(x)) for \(c.text.debugDescription)")
        }
    }

    func testChatMLSpecialTokens() throws {
        let tok = try smollm2()
        let text = "<|im_start|>user\nHi<|im_end|>"
        let parsed = tok.encode(text, addSpecial: false, parseSpecial: true)
        XCTAssertEqual(parsed.first, 1, "<|im_start|> is id 1")
        XCTAssertEqual(parsed.last, 2, "<|im_end|> is id 2")
        XCTAssertEqual(tok.tokenType(of: 1), .control)
        let plain = tok.encode(text, addSpecial: false, parseSpecial: false)
        XCTAssertFalse(plain.contains(1) || plain.contains(2), "control tokens must stay text without parseSpecial: \(plain)")
    }

    func testUnknownPreFallsBackToDefaultWithWarning() {
        let v = GGUFVocabulary(model: "gpt2", tokens: ["a"], merges: [], pre: "no-such-pre")
        var warnings: [String] = []
        let pre = v.resolvedPreTokenizer { warnings.append($0) }
        XCTAssertEqual(pre, .default)
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings.first?.contains("no-such-pre") ?? false, "\(warnings)")
    }

    func testConstructionErrors() {
        XCTAssertThrowsError(try GGUFVocabulary(model: "bert", tokens: ["a"]).makeTokenizer()) {
            XCTAssertEqual($0 as? TokenizerError, .unsupportedModel("bert"))
        }
        XCTAssertThrowsError(try GGUFVocabulary(model: "gpt2", tokens: ["a", "b"], merges: ["a b"]).makeTokenizer()) {
            guard case .badMerge(0, "a b", _)? = $0 as? TokenizerError else { return XCTFail("expected badMerge, got \($0)") }
        }
        XCTAssertThrowsError(try GGUFVocabulary(model: "llama", tokens: ["a", "b"], scores: [0]).makeTokenizer()) {
            XCTAssertEqual($0 as? TokenizerError, .lengthMismatch(field: "tokenizer.ggml.scores", expected: 2, observed: 1))
        }
        XCTAssertThrowsError(try GGUFVocabulary(model: "gpt2", tokens: ["a"], merges: [], bos: 5).makeTokenizer()) {
            XCTAssertEqual($0 as? TokenizerError, .idOutOfRange(name: "bos", id: 5, vocabSize: 1))
        }
    }
}
