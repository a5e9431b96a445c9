// TrainingCheckpoint: the one place a training run talks to checkpoint files (their HDF5 layout: Checkpoint.swift).
// It saves the run's checkpoint with its extra copies — the last N step-stamped ones and the best-validation one —
// and reopens a checkpoint as a Trainer that continues the run exactly.
import Files
import Foundation
import Tokenizers

public enum TrainingCheckpoint {
    /// Writes `path` atomically (Checkpoint.save writes path.tmp and renames it), then the extra copies:
    /// `<name>.step<N>.h5` (the last `keep` of them are kept) and `<name>.best.h5` when this is the best validation.
    public static func save(_ path: String, trainer: Trainer, tokenizer: BPETokenizer?, keep: Int, keepBest: Bool,
                            compression: Int?) throws {
        try Checkpoint.save(to: path, model: trainer.model, trainingConfig: trainer.config, state: trainer.state,
                            optimizer: trainer.optimizer, tokenizer: tokenizer, compression: compression)
        let base = path.hasSuffix(".h5") ? String(path.dropLast(3)) : path
        if keep > 0 {
            try copyAtomically(path, to: base + String(format: ".step%07d.h5", trainer.state.step))
            let dir = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
            let prefix = (base as NSString).lastPathComponent + ".step"
            let stamped = try FileManager.default.contentsOfDirectory(atPath: dir)
                .filter { $0.hasPrefix(prefix) && $0.hasSuffix(".h5") }.sorted()
            for old in stamped.dropLast(keep) { try? FileManager.default.removeItem(atPath: dir + "/" + old) }
        }
        if keepBest, let last = trainer.state.lastValidationLoss, last == trainer.state.bestValidationLoss {
            try copyAtomically(path, to: base + ".best.h5")
        }
    }

    /// Copies through `destination.tmp` and a rename (AtomicFile), so a crash never leaves half a copy under the
    /// real name.
    static func copyAtomically(_ source: String, to destination: String) throws {
        do {
            try AtomicFile.replace(destination) { tmp in try FileManager.default.copyItem(atPath: source, toPath: tmp) }
        } catch let error as FileError {
            throw CheckpointError.cannotWrite(path: destination, reason: error.reason)
        } catch {
            throw CheckpointError.cannotWrite(path: destination, reason: error.localizedDescription)
        }
    }

    /// A trainer that continues the run saved at `path` exactly — weights, AdamW moments, step, RNG and its
    /// training config (`steps`, if given, as the new total) — on the streams of `corpus`.
    public static func resume(_ path: String, on corpus: PreparedCorpus, steps: Int? = nil) throws -> Trainer {
        let loaded = try Checkpoint.load(path: path)
        guard var config = loaded.trainingConfig, let state = loaded.state, loaded.hasOptimizerState else {
            throw CheckpointError.noTrainingState(path: path)
        }
        if let steps { config.steps = steps }
        guard loaded.model.config.vocabSize == corpus.meta.vocabSize else {
            throw ModelError.invalidConfig("\(path) has a vocabulary of \(loaded.model.config.vocabSize) but \(corpus.directory) was prepared with \(corpus.meta.vocabSize)")
        }
        let trainer = try Trainer(model: loaded.model, config: config, train: corpus.train, validation: corpus.validation,
                                  state: state)
        try loaded.restore(into: trainer.optimizer)
        return trainer
    }
}
