// `Checkpoint.tokenizer(path:)` reads only /tokenizer: the same tokenizer `Checkpoint.load` gives (same ids), nil
// for a checkpoint saved without one, and a CheckpointError naming the file for anything that is not a checkpoint.
// Any byte-level BPE is stored exactly (ids in another order than lmlab's trainer makes, added and unused tokens, a
// Llama 3 pre-tokenizer, unk/pad ids, BOS added), with the model's chat template; an lmlab-trained tokenizer keeps
// the lmlab-bpe-1 layout older lmlab versions read; h5py reads both.
import Foundation
import HDF5
import Tokenizers
import XCTest

@testable import Models

final class CheckpointTokenizerTests: XCTestCase {
    static let config = TransformerConfig(style: .gpt2, vocabSize: 300, contextLength: 8, width: 16, layers: 1, heads: 2)
    static let text = "the cat sat on the mat; the dog sat on the log."

    /// Reading the tokenizer closes every HDF5 object it opened.
    override func tearDown() {
        XCTAssertEqual(HDF5File.openObjectCount, 0, "HDF5 objects left open (a leaked id)")
        super.tearDown()
    }

    func temporaryPath(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmlab-ckpt-tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir.appendingPathComponent(name).path
    }

    func testTokenizerWithoutWeights() throws {
        let tokenizer = try BPETrainer(options: .init(vocabSize: 280, minPairCount: 1)).train(Self.text)
        let path = try temporaryPath("with.h5")
        try Checkpoint.save(to: path, model: GPT(config: Self.config, seed: 1), tokenizer: tokenizer)
        let read = try XCTUnwrap(try Checkpoint.tokenizer(path: path), "the checkpoint was saved with a tokenizer")
        let full = try XCTUnwrap(try Checkpoint.load(path: path).tokenizer)
        let expected = tokenizer.encode(Self.text, addSpecial: false)
        XCTAssertEqual(read.encode(Self.text, addSpecial: false), expected)
        XCTAssertEqual(full.encode(Self.text, addSpecial: false), expected)
        XCTAssertEqual(read.vocabSize, tokenizer.vocabSize)
    }

    func testNoTokenizerIsNil() throws {
        let path = try temporaryPath("without.h5")
        try Checkpoint.save(to: path, model: GPT(config: Self.config, seed: 1))
        XCTAssertNil(try Checkpoint.tokenizer(path: path))
    }

    func testNotACheckpoint() throws {
        let path = try temporaryPath("text.h5")
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("not hdf5".utf8)))
        XCTAssertThrowsError(try Checkpoint.tokenizer(path: path)) { error in
            XCTAssertEqual((error as? CheckpointError)?.path, path, "\(error)")
        }
        XCTAssertThrowsError(try Checkpoint.tokenizer(path: path + ".missing")) { error in
            XCTAssertEqual(error as? CheckpointError, .fileNotFound(path: path + ".missing"))
        }
    }

    /// The lmlab-trained tokenizer re-numbered the way Hugging Face's trainer numbers (special tokens first, so no merge
    /// makes id 256 + k), with a user-defined added token, two unused placeholders, Llama 3's pre-tokenizer with
    /// ignore_merges, unk/pad ids and BOS added: everything lmlab-bpe-1 cannot say.
    static func general(_ t: BPETokenizer) throws -> BPETokenizer {
        let special = (0..<t.vocabSize).filter { t.tokenTypes[$0].isSpecial }
        let order = special + (0..<t.vocabSize).filter { !t.tokenTypes[$0].isSpecial }  // new id → old id
        var newID = [Int32](repeating: 0, count: t.vocabSize)
        for (new, old) in order.enumerated() { newID[old] = Int32(new) }
        let merges = t.merges.map { BPETokenizer.Merge(left: newID[Int($0.left)], right: newID[Int($0.right)], result: newID[Int($0.result)]) }
        let n = t.vocabSize
        return try BPETokenizer(
            tokenBytes: order.map { t.tokenBytes[$0] } + [Array("<|sep|>".utf8), Array("[PAD\(n + 1)]".utf8), Array("[PAD\(n + 2)]".utf8)],
            pieces: order.map { t.pieces[$0] } + ["<|sep|>", "[PAD\(n + 1)]", "[PAD\(n + 2)]"],
            tokenTypes: order.map { t.tokenTypes[$0] } + [.userDefined, .unused, .unused], merges: merges,
            preTokenizer: PreTokenizer(name: "llama-bpe", rules: [.llama3], ignoreMerges: true),
            specialIDs: SpecialTokenIDs(bos: 0, eos: 0, eot: 0, unk: Int32(n + 1), pad: Int32(n + 2)), addBOS: true)
    }

    func testAnyByteLevelBPEAndItsChatTemplate() throws {
        let trained = try BPETrainer(options: .init(vocabSize: 280, minPairCount: 1)).train(Self.text)
        let tokenizer = try Self.general(trained)
        XCTAssertFalse(tokenizer.fitsFormat1)
        XCTAssertTrue(trained.fitsFormat1)
        let template = "{% for m in messages %}<|sep|>{{ m['content'] }}{% endfor %}"
        let path = try temporaryPath("general.h5")
        try Checkpoint.save(to: path, model: GPT(config: Self.config, seed: 1), tokenizer: tokenizer, chatTemplate: template)
        for read in [try XCTUnwrap(try Checkpoint.tokenizer(path: path)), try XCTUnwrap(try Checkpoint.load(path: path).tokenizer)] {
            XCTAssertEqual(read.pieces, tokenizer.pieces)
            XCTAssertEqual(read.tokenBytes, tokenizer.tokenBytes)
            XCTAssertEqual(read.tokenTypes, tokenizer.tokenTypes)
            XCTAssertEqual(read.merges, tokenizer.merges)
            XCTAssertEqual(read.preTokenizer, tokenizer.preTokenizer)
            XCTAssertEqual(read.specialIDs, tokenizer.specialIDs)
            XCTAssertEqual([read.addBOS, read.addEOS], [true, false])
            for text in [Self.text, "The cat's mat <|sep|> 12345 ünïcode", "a<|endoftext|>b"] {
                XCTAssertEqual(read.encode(text, parseSpecial: true), tokenizer.encode(text, parseSpecial: true), text)
            }
        }
        // Ids are the trained tokenizer's, renumbered: the same tokens.
        XCTAssertEqual(tokenizer.decode(tokenizer.encode(Self.text, addSpecial: false)), Self.text)
        XCTAssertEqual(try Checkpoint.chatTemplate(path: path), template)
        XCTAssertEqual(try Checkpoint.load(path: path).chatTemplate, template)
        let expect = try temporaryPath("general.expect.json")
        try InteropSupport.writeJSON(["tokenizer_vocab_size": tokenizer.vocabSize, "tokenizer_format": "lmlab-bpe-2",
                                      "chat_template": template], to: expect)
        let h5py = try InteropSupport.python("check_checkpoint_h5py.py", [path, expect], needs: ["h5py", "numpy"])
        XCTAssertEqual(h5py.status, 0, h5py.output)

        // The standalone file says the same.
        let file = try temporaryPath("general.tokenizer.json")
        try tokenizer.save(to: file)
        let back = try BPETokenizer(contentsOf: file)
        XCTAssertEqual(back.merges, tokenizer.merges)
        XCTAssertEqual(back.tokenTypes, tokenizer.tokenTypes)
        XCTAssertEqual(back.specialIDs, tokenizer.specialIDs)
        XCTAssertEqual([back.addBOS, back.addEOS], [true, false])
        XCTAssertEqual(back.jsonString(), tokenizer.jsonString())
    }

    /// A tokenizer lmlab trained is written exactly as before (lmlab-bpe-1, merges as pairs), so older lmlab versions
    /// and scripts read the checkpoints this one writes; no chat template means no dataset.
    func testTrainedTokenizerKeepsFormat1() throws {
        let trained = try BPETrainer(options: .init(vocabSize: 280, minPairCount: 1)).train(Self.text)
        let json = trained.jsonString()
        XCTAssertTrue(json.hasPrefix("{\n  \"format\": \"lmlab-bpe-1\",\n  \"pre_tokenizer\": \"gpt2\",\n  \"vocab\": [\n"), json)
        XCTAssertFalse(json.contains("add_bos") || json.contains("\"type\""))
        let path = try temporaryPath("trained.h5")
        try Checkpoint.save(to: path, model: GPT(config: Self.config, seed: 1), tokenizer: trained)
        let file = try HDF5File(path: path, mode: .readOnly)
        XCTAssertEqual(try file.group("tokenizer").dataset("json").readString(), json)
        XCTAssertEqual(try file.group("tokenizer").kind(of: "chat_template"), nil)
        XCTAssertNil(try Checkpoint.chatTemplate(path: path))
    }

    func testChatTemplateNeedsATokenizer() throws {
        let path = try temporaryPath("template-only.h5")
        XCTAssertThrowsError(try Checkpoint.save(to: path, model: GPT(config: Self.config, seed: 1), chatTemplate: "x")) { error in
            XCTAssertTrue("\(error)".contains("a chat template is stored with the tokenizer"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }
}
