// tokenizer.json (Hugging Face `tokenizers`): an lmlab BPE written and read back is the same tokenizer (pieces,
// merges, special tokens, BOS/EOS rules, pre-tokenizer) for every pre-tokenizer that has a `tokenizers` equivalent;
// files lmlab cannot honour (SentencePiece-style byte fallback, a normalizer, an unknown pre-tokenizer, gaps in the
// ids, vocabularies with two tokens of the same text) are refused with the reason. That the `tokenizers` library
// itself encodes an exported file to lmlab's ids is checked in ModelsTests/HFExportTests (check_hf_export.py).
import Foundation
import XCTest

@testable import Tokenizers

final class HuggingFaceTokenizerTests: XCTestCase {
    static let text = "the cat sat on the mat; the dog sat on the log. In 1990 , 12 @,@ 000 copies were sold in Japan .\n"

    /// tokenizer.json names BOS/EOS only when it adds them; otherwise tokenizer_config.json does (HFExport writes it),
    /// and its texts are passed here as the folder import passes them.
    func roundTrip(_ t: BPETokenizer) throws -> BPETokenizer {
        try BPETokenizer(huggingFaceJSON: Data(t.huggingFaceJSON().utf8), path: "tokenizer.json",
                         bosText: t.specialIDs.bos.map { t.pieces[Int($0)] }, eosText: t.specialIDs.eos.map { t.pieces[Int($0)] })
    }

    func assertSame(_ a: BPETokenizer, _ b: BPETokenizer, _ what: String) {
        XCTAssertEqual(b.pieces, a.pieces, what)
        XCTAssertEqual(b.merges, a.merges, what)
        XCTAssertEqual(b.tokenTypes, a.tokenTypes, what)
        XCTAssertEqual(b.specialIDs, a.specialIDs, what)
        XCTAssertEqual(b.preTokenizer, a.preTokenizer, what)
        XCTAssertEqual([b.addBOS, b.addEOS], [a.addBOS, a.addEOS], what)
        for s in [Self.text, "<|endoftext|>x", "  two  spaces and 12345 digits"] {
            XCTAssertEqual(b.encode(s, addSpecial: true, parseSpecial: true), a.encode(s, addSpecial: true, parseSpecial: true), what)
        }
    }

    func testRoundTripEveryPreTokenizer() throws {
        for pre in [PreTokenizer.gpt2, .smollm, .llama3, .qwen2] {
            let trained = try BPETrainer(options: .init(vocabSize: 330, preTokenizer: pre, minPairCount: 1)).train(Self.text)
            assertSame(trained, try roundTrip(trained), pre.name)
        }
    }

    /// BOS and EOS added by a TemplateProcessing post-processor, as Llama 3's tokenizer.json does.
    func testBOSAndEOSTemplate() throws {
        let trained = try BPETrainer(options: .init(vocabSize: 300, specialTokens: ["<s>", "</s>"], minPairCount: 1)).train(Self.text)
        let withSpecials = try BPETokenizer(
            tokenBytes: trained.tokenBytes, tokenTypes: trained.tokenTypes, merges: trained.merges, preTokenizer: trained.preTokenizer,
            specialIDs: SpecialTokenIDs(bos: 298, eos: 299, eot: 299), addBOS: true, addEOS: true)
        let json = try withSpecials.huggingFaceJSON()
        XCTAssertTrue(json.contains("\"TemplateProcessing\""), json)
        let back = try roundTrip(withSpecials)
        assertSame(withSpecials, back, "template")
        XCTAssertEqual(back.encode("the", addSpecial: true).first, 298)
        XCTAssertEqual(back.encode("the", addSpecial: true).last, 299)
    }

    /// A GPT-2 tokenizer.json in the form transformers saves it (merges as [a, b] arrays, an explicit ByteLevel
    /// post-processor, bos/eos given by the caller from tokenizer_config.json).
    func testReadsGPT2StyleFile() throws {
        let json = """
            {"version": "1.0", "added_tokens": [{"id": 6, "content": "<|endoftext|>", "special": true}],
             "normalizer": null, "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
             "post_processor": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
             "decoder": {"type": "ByteLevel"},
             "model": {"type": "BPE", "dropout": null, "unk_token": null, "byte_fallback": false, "ignore_merges": false,
                       "vocab": {"a": 0, "b": 1, "Ġ": 2, "ab": 3, "Ġab": 4, "c": 5, "<|endoftext|>": 6},
                       "merges": [["a", "b"], "Ġ ab"]}}
            """
        let t = try BPETokenizer(huggingFaceJSON: Data(json.utf8), path: "gpt2/tokenizer.json", bosText: "<|endoftext|>", eosText: "<|endoftext|>")
        XCTAssertEqual(t.vocabSize, 7)
        XCTAssertEqual(t.specialIDs, SpecialTokenIDs(bos: 6, eos: 6, eot: 6))
        XCTAssertEqual(t.encode(" abab c", addSpecial: true), [4, 3, 2, 5])
        XCTAssertEqual(t.tokenType(of: 6), .control)
        XCTAssertFalse(t.addBOS)
    }

    func testRefusals() throws {
        func refusal(_ json: String) -> String {
            do { _ = try BPETokenizer(huggingFaceJSON: Data(json.utf8), path: "x/tokenizer.json"); return "no error" } catch { return "\(error)" }
        }
        let model = #""model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": []}"#
        let byteLevel = #""pre_tokenizer": {"type": "ByteLevel", "use_regex": true}"#
        XCTAssertTrue(refusal(#"{"model": {"type": "Unigram", "vocab": []}, "# + byteLevel + "}").contains("model type \"Unigram\" is not BPE"))
        XCTAssertTrue(refusal(#"{"model": {"type": "BPE", "byte_fallback": true, "vocab": {}, "merges": []}, "# + byteLevel + "}").contains("byte_fallback"))
        XCTAssertTrue(refusal("{" + model + #", "normalizer": {"type": "NFC"}, "# + byteLevel + "}").contains("a normalizer (NFC) is set"))
        XCTAssertTrue(refusal("{" + model + #", "pre_tokenizer": {"type": "Metaspace"}}"#).contains("pre_tokenizer [Metaspace]"))
        XCTAssertTrue(refusal(#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 2}, "merges": []}, "# + byteLevel + "}").contains("without gaps"))
        XCTAssertTrue(refusal(#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a c"]}, "# + byteLevel + "}").contains("merge #0"))
        XCTAssertTrue(refusal("[]").contains("x/tokenizer.json: not a JSON object"))
        for text in ["[]", "{" + model + #", "pre_tokenizer": {"type": "Metaspace"}}"#] { XCTAssertFalse(refusal(text).contains("\n")) }

        // Two tokens spelling the same bytes cannot be a HF vocabulary.
        let twice = try BPETokenizer(tokenBytes: [[97], [98], [97, 98], [97, 98]], tokenTypes: [.normal, .normal, .normal, .normal],
                                     merges: [.init(left: 0, right: 1, result: 2)], preTokenizer: .gpt2, specialIDs: SpecialTokenIDs())
        XCTAssertEqual(twice.duplicatePieces.map { [$0.first, $0.second] }, [[2, 3]])
        XCTAssertThrowsError(try twice.huggingFaceJSON()) { XCTAssertTrue("\($0)".contains("tokens 2 and 3 are both \"ab\""), "\($0)") }
    }
}
