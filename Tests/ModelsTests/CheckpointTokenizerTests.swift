// `Checkpoint.tokenizer(path:)` reads only /tokenizer: the same tokenizer `Checkpoint.load` gives (same ids), nil
// for a checkpoint saved without one, and a CheckpointError naming the file for anything that is not a checkpoint.
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
}
