// Loading a checkpoint: open and recognise the file, rebuild the model its config describes, and fill every
// parameter from its dataset after checking the shape. Anything missing, misshapen or left over is an error,
// never a silently half-loaded model. Optimizer moments are read only on request (`restore(into:)`), so loading a
// model for generation never touches them.
import Foundation
import HDF5
import Tensor
import Tokenizers

/// A checkpoint read back: the model with its weights, and what the trainer needs to resume.
public struct LoadedCheckpoint {
    /// The file it came from (`restore(into:)` reads the optimizer state from it).
    public let path: String
    public let formatVersion: Int
    public let config: TransformerConfig
    /// The model, built from `config`, with every parameter loaded.
    public let model: GPT
    public let trainingConfig: TrainingConfig?
    public let state: TrainingState?
    public let tokenizer: BPETokenizer?
    /// The model's chat template (Jinja), when the checkpoint stores one with its tokenizer.
    public let chatTemplate: String?
    /// Whether the file holds AdamW moments that `restore(into:)` can load.
    public let hasOptimizerState: Bool

    /// Loads the AdamW moments and step count into `optimizer`, which must have been built over
    /// `model.namedParameters()` (any order). Everything is read and checked before the optimizer is touched.
    public func restore(into optimizer: AdamW) throws {
        let parameters = model.namedParameters()
        let slots = try Checkpoint.optimizerSlots(optimizer, parameters: parameters, path: path)
        let file = try Checkpoint.openFile(path)
        try Checkpoint.reading(path) {
            guard try file.kind(of: "optimizer") == .group else { throw CheckpointError.noOptimizerState(path: path) }
            let group = try file.group("optimizer")
            let step = try group.attribute("step", as: Int.self)
            var moments: [(slot: Int, m: [Float], v: [Float])] = []
            for ((name, tensor), slot) in zip(parameters, slots) {
                let m = try Checkpoint.readValues(group, "m/" + Checkpoint.datasetPath(name), shape: tensor.shape)
                let v = try Checkpoint.readValues(group, "v/" + Checkpoint.datasetPath(name), shape: tensor.shape)
                moments.append((slot, m, v))
            }
            for (slot, m, v) in moments {
                optimizer.m[slot].pointer.update(from: m, count: m.count)
                optimizer.v[slot].pointer.update(from: v, count: v.count)
            }
            optimizer.stepCount = step
        }
    }
}

extension Checkpoint {
    /// Reads a checkpoint written by `save(to:…)`.
    public static func load(path: String) throws -> LoadedCheckpoint {
        let file = try openFile(path)
        return try reading(path) {
            let version = try file.attribute("format_version", as: Int.self)
            let config = try modelConfig(file)
            let model = GPT(config: config, seed: 0)  // its random weights are all overwritten below
            try readWeights(file, into: model)
            let trainingConfig = try file.kind(of: "config/training") == .group
                ? try TrainingConfig(checkpointGroup: file.group("config/training")) : nil
            let state = try file.kind(of: "training") == .group ? try TrainingState(checkpointGroup: file.group("training")) : nil
            let tokenizerGroup = try file.kind(of: "tokenizer") == .group ? try file.group("tokenizer") : nil
            let tokenizer = try tokenizerGroup.map { try BPETokenizer(checkpointGroup: $0) }
            let chatTemplate = try tokenizerGroup.flatMap { try BPETokenizer.checkpointChatTemplate($0) }
            if let tokenizer, tokenizer.vocabSize > config.vocabSize {
                throw CheckpointError.invalid(path: path, object: "/tokenizer", reason: "\(tokenizer.vocabSize) tokens, "
                    + "more than the model's vocabulary of \(config.vocabSize); the file is inconsistent — use another checkpoint")
            }
            return LoadedCheckpoint(path: path, formatVersion: version, config: config, model: model,
                                    trainingConfig: trainingConfig, state: state, tokenizer: tokenizer,
                                    chatTemplate: chatTemplate,
                                    hasOptimizerState: try file.kind(of: "optimizer") == .group)
        }
    }

    /// Opens `path` and checks it is an lmlab checkpoint of a version this code reads.
    static func openFile(_ path: String) throws -> HDF5File {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CheckpointError.fileNotFound(path: path)
        }
        guard !isDirectory.boolValue else { throw CheckpointError.notACheckpoint(path: path, reason: "it is a directory") }
        let sealed = try CheckpointIntegrity.verify(path)  // before HDF5 parses anything
        let file: HDF5File
        do {
            file = try HDF5File(path: path, mode: .readOnly)
        } catch let error as HDF5Error {
            throw error.kind == .notHDF5 ? CheckpointError.notHDF5(path: path) : CheckpointError.damaged(path: path, reason: error.problem)
        }
        return try reading(path) {
            guard try file.hasAttribute("format") else {
                throw CheckpointError.notACheckpoint(path: path, reason: "no `format` attribute on /")
            }
            let tag = (try? file.stringAttribute("format")) ?? "(not a string)"
            guard tag == formatTag else {
                throw CheckpointError.notACheckpoint(path: path, reason: "/@format is \"\(tag)\", expected \"\(formatTag)\"")
            }
            guard sealed else {
                throw CheckpointError.damaged(path: path, reason: "its integrity record (the first 512 bytes) is missing or damaged")
            }
            let version = try file.attribute("format_version", as: Int.self)
            guard version <= formatVersion else {
                throw CheckpointError.newerFormat(path: path, version: version, supported: formatVersion)
            }
            guard version >= 1 else {
                throw CheckpointError.invalid(path: path, object: "/@format_version", reason: "version \(version) does not exist; the file is damaged")
            }
            return file
        }
    }

    /// Runs `body`, turning HDF5 errors into checkpoint errors about `path`.
    static func reading<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as HDF5Error { throw CheckpointError.reading(error, path: path) }
    }

    static func modelConfig(_ file: HDF5File) throws -> TransformerConfig {
        let config = try TransformerConfig(checkpointGroup: file.group("config/model"))
        do { try config.validate() } catch {
            throw CheckpointError.invalid(path: file.path, object: "/config/model", reason: "\(error); the file is damaged")
        }
        return config
    }

    /// Fills every parameter of `model` from /model, and refuses datasets the model has no parameter for.
    static func readWeights(_ file: HDF5File, into model: GPT) throws {
        let group = try file.group("model")
        let parameters = model.namedParameters()
        for (name, tensor) in parameters {
            try checkedDataset(group, datasetPath(name), shape: tensor.shape).read(into: tensor.storage.buffer)
        }
        let expected = Set(parameters.map { datasetPath($0.name) })
        for stored in try datasetPaths(in: group) where !expected.contains(stored) {
            throw CheckpointError.unexpected(path: file.path, object: "/model/" + stored)
        }
    }

    /// The dataset at `path` below `group`, which must have exactly `shape`.
    static func checkedDataset(_ group: HDF5Group, _ path: String, shape: [Int]) throws -> HDF5Dataset {
        let dataset = try group.dataset(path)
        guard dataset.shape == shape else {
            throw CheckpointError.shapeMismatch(path: group.file.path, object: dataset.objectPath, expected: shape, found: dataset.shape)
        }
        return dataset
    }

    /// The values of the float dataset at `path` below `group`, which must have exactly `shape`.
    static func readValues(_ group: HDF5Group, _ path: String, shape: [Int]) throws -> [Float] {
        try checkedDataset(group, path, shape: shape).read(as: Float.self)
    }

    /// Paths (relative to `group`) of every dataset below it.
    static func datasetPaths(in group: HDF5Group, prefix: String = "") throws -> [String] {
        var out: [String] = []
        for name in try group.children() {
            switch try group.kind(of: name) {
            case .group?: out += try datasetPaths(in: group.group(name), prefix: prefix + name + "/")
            case .dataset?: out.append(prefix + name)
            default: continue
            }
        }
        return out
    }
}
