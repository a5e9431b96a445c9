// Damaged lmlab checkpoints (HDF5): Checkpoint.load, its tokenizer and summary readers and the one model loader
// (ModelHandle) give a CheckpointError naming the file — never a crash (libhdf5 can crash on a damaged string
// heap, which is why checkpoints carry an integrity record checked before HDF5 parses a byte) or a hang. The
// checkpoint is written at test time by lmlab itself: a small GPT with its optimizer moments, training state and
// tokenizer, as `lmlab train` saves it.
import Foundation
import Models
import Serving
import Tokenizers
import XCTest

final class CheckpointBadInputTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws { directory = try scratchDirectory(self) }

    /// A checkpoint of a one-layer GPT (width 8, context 8) after one training step, with its tokenizer (~50 KB).
    func goodCheckpoint() throws -> [UInt8] {
        let tokenizer = try BPETrainer(options: .init(vocabSize: 264, minPairCount: 1))
            .train(String(repeating: "the cat sat on the mat; the dog sat on the log. ", count: 4))
        let config = TransformerConfig(style: .gpt2, vocabSize: tokenizer.vocabSize, contextLength: 8, width: 8,
                                       layers: 1, heads: 2)
        let tokens = (0..<200).map { Int32($0 % tokenizer.vocabSize) }
        var training = TrainingConfig(batchSize: 2)
        training.evalBatches = 1
        let trainer = try Trainer(model: GPT(config: config, seed: 1), config: training, train: tokens, validation: tokens)
        _ = trainer.step()
        trainer.evaluate()
        let path = directory + "/good.h5"
        try TrainingCheckpoint.save(path, trainer: trainer, tokenizer: tokenizer, keep: 0, keepBest: false, compression: nil)
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Every loader of .h5 files: the checkpoint (a resumable trainer), its summary (`lmlab info`), its tokenizer
    /// alone (`lmlab tokenize --model`), and ModelHandle (generate, chat, serve…). The header: the user block with
    /// the integrity record (512 bytes), HDF5's superblock and the root group's object header.
    func testEveryCheckpointLoader() throws {
        let good = try goodCheckpoint()
        let path = directory + "/damaged.h5"
        let tally = loadCorrupted(good, header: 1024, sample: 150, path: path, names: path, [
            Loader(name: "Checkpoint.load", allowed: [CheckpointError.self]) { _ in
                let loaded = try Checkpoint.load(path: path)
                XCTAssertEqual(loaded.model.config.contextLength, 8, "a damaged file loaded as another model")
            },
            Loader(name: "Checkpoint.info", allowed: [CheckpointError.self]) { _ in _ = try Checkpoint.info(path: path) },
            Loader(name: "ModelHandle.tokenizer", allowed: [CheckpointError.self, TokenizerError.self]) { _ in
                _ = try ModelHandle.tokenizer(path: path)
            },
            Loader(name: "ModelHandle", allowed: [CheckpointError.self, RuntimeError.self]) { _ in
                let m = try ModelHandle(path: path)
                _ = try m.runtime.feed([0], cache: m.runtime.makeCache(capacity: 2))
            },
        ])
        XCTAssertGreaterThan(tally["Checkpoint.load"]?.errors["CheckpointError"] ?? 0, 1024)
    }
}
