// SentencePiece-style BPE (`tokenizer.ggml.model = "llama"`) against the `sentencepiece` library itself, on a tiny
// model trained by scripts/make-tokenizer-fixtures.py (Fixtures/spm-tiny.json): merges by score, "▁" for spaces,
// the add-space-prefix rule, and byte fallback for characters the 600-piece vocabulary lacks (accents, CJK, emoji).
import XCTest

@testable import Tokenizers

final class SentencePieceTests: XCTestCase {
    struct Case: Decodable { var text: String; var ids: [Int32] }
    struct Model: Decodable {
        var pieces: [String]; var scores: [Float]; var token_types: [Int32]
        var bos: Int32; var eos: Int32; var unk: Int32; var cases: [Case]
    }

    func load() throws -> (SentencePieceTokenizer, Model) {
        let m = try Fixture.load("spm-tiny.json", as: Model.self)
        let v = GGUFVocabulary(model: "llama", tokens: m.pieces, scores: m.scores, tokenTypes: m.token_types,
                               bos: m.bos, eos: m.eos, unk: m.unk)
        let tok = try XCTUnwrap(try v.makeTokenizer() as? SentencePieceTokenizer)
        return (tok, m)
    }

    func testMatchesSentencePiece() throws {
        let (tok, m) = try load()
        XCTAssertGreaterThan(m.cases.count, 20)
        for c in m.cases {
            let observed = tok.encode(c.text, addSpecial: false)
            XCTAssertEqual(observed, c.ids, "text \(c.text.debugDescription): " + firstDifference(c.ids, observed))
            XCTAssertEqual(tok.decodeText(observed), c.text, "decode for \(c.text.debugDescription)")
        }
    }

    func testByteFallbackAndSpacePrefix() throws {
        let (tok, _) = try load()
        // "中" is E4 B8 AD and not a piece: three byte tokens after "▁".
        let ids = tok.encode("中", addSpecial: false)
        XCTAssertEqual(ids.map { tok.piece(for: $0) }, ["▁", "<0xE4>", "<0xB8>", "<0xAD>"])
        XCTAssertTrue(ids.dropFirst().allSatisfy { tok.tokenType(of: $0) == .byte })
        // addSpacePrefix: "the" at the start is tokenized like " the" in the middle of a text.
        let alone = tok.encode("the", addSpecial: false)
        XCTAssertEqual(alone.map { tok.piece(for: $0) }, ["▁the"])
        // BOS is added by default for SentencePiece vocabularies (llama.cpp's rule).
        XCTAssertEqual(tok.encode("the").first, 1)
        let noPrefix = try SentencePieceTokenizer(pieces: tok.pieces, scores: tok.scores, tokenTypes: tok.tokenTypes,
                                                  specialIDs: tok.specialIDs, addSpacePrefix: false)
        XCTAssertNotEqual(noPrefix.encode("the", addSpecial: false), alone)
    }

    func testControlTokensOnlyWhenParsed() throws {
        let (tok, _) = try load()
        let parsed = tok.encode("a</s>b", addSpecial: false, parseSpecial: true)
        XCTAssertTrue(parsed.contains(2), "</s> should become id 2 with parseSpecial: \(parsed)")
        // After a special token the space prefix applies again (llama.cpp): "b" is "▁b".
        XCTAssertEqual(Array(parsed.suffix(from: parsed.firstIndex(of: 2)! + 1)), tok.encode("b", addSpecial: false))
        XCTAssertFalse(tok.encode("a</s>b", addSpecial: false).contains(2))
    }
}
