// Checkpoints: everything an exact resume needs, in one HDF5 file that any HDF5 tool can read (h5dump, h5py).
// The layout (docs/checkpoint-format.md has the full table):
//
//   /                      @format = "lmlab-checkpoint", @format_version = 1, @created (ISO 8601), @lmlab_version
//   /config/model          TransformerConfig: one typed attribute per field (@vocab_size, @width…) and @json
//   /config/training       TrainingConfig, the same way (optional)
//   /model/<parameter>     one float32 dataset per parameter, shaped as in the model:
//                          "blocks.3.attention.wq" → /model/blocks/3/attention/wq, "tokenEmbedding" → token_embedding
//   /optimizer/m/<param>   AdamW first moments, same paths and shapes; /optimizer/v/… second moments; @step (optional)
//   /training              TrainingState: @step, @tokens_seen, @rng (4 × uint64), @best_validation_loss… (optional)
//   /tokenizer             the BPE tokenizer: json (its lmlab-bpe JSON, authoritative), merges (n, 2) int32, and the
//                          model's chat_template when it has one (optional)
//
// The file opens with a 512-byte integrity record (its length and CRC-32, see CheckpointIntegrity.swift) that
// loading checks first. Saving writes `path.tmp`, seals it, flushes it to disk and renames it over `path`
// (AtomicFile): rename is atomic, so a crash leaves either the old checkpoint or the new one, never half of one.
import Files
import Foundation
import HDF5
import Tensor
import Tokenizers

public enum Checkpoint {
    /// The root group's `format` attribute: how lmlab recognises its own files.
    public static let formatTag = "lmlab-checkpoint"
    /// Bumped when the layout changes in a way older readers cannot follow; readers refuse newer versions.
    public static let formatVersion = 1
    /// Recorded in every checkpoint, for the humans reading it later.
    public static let lmlabVersion = "0.1.0"

    /// Writes a checkpoint atomically. `compression` is a gzip level (1–9) for weights and moments of ≥ 64 KiB;
    /// random-looking float32 weights shrink only ~10 %, so the default is none. `chatTemplate` (a Jinja source, as
    /// a GGUF file's tokenizer.chat_template) is stored with the tokenizer, so it needs one.
    public static func save(
        to path: String, model: GPT, trainingConfig: TrainingConfig? = nil, state: TrainingState? = nil,
        optimizer: AdamW? = nil, tokenizer: BPETokenizer? = nil, chatTemplate: String? = nil, compression: Int? = nil
    ) throws {
        if let level = compression, !(1...9).contains(level) {
            throw CheckpointError.cannotWrite(path: path, reason: "gzip level \(level) is outside 1…9")
        }
        // Everything that can be refused is checked before the disk is touched.
        let parameters = model.namedParameters()
        var adam: (AdamW, slots: [Int])? = nil
        if let optimizer { adam = (optimizer, try optimizerSlots(optimizer, parameters: parameters, path: path)) }
        if let tokenizer { try checkStorable(tokenizer, config: model.config, path: path) }
        if chatTemplate != nil, tokenizer == nil {
            throw CheckpointError.cannotWrite(path: path, reason: "a chat template is stored with the tokenizer, and none was given")
        }

        do {
            try AtomicFile.replace(path) { temporary in
                try write(to: temporary, model: model, parameters: parameters, trainingConfig: trainingConfig,
                          state: state, optimizer: adam, tokenizer: tokenizer, chatTemplate: chatTemplate,
                          compression: compression)
                try CheckpointIntegrity.seal(temporary)
            }
        } catch {
            switch error {
            case let error as CheckpointError: throw error
            case let error as HDF5Error: throw CheckpointError.cannotWrite(path: path, reason: error.description)
            case let error as FileError: throw CheckpointError.cannotWrite(path: path, reason: error.reason)
            default: throw CheckpointError.cannotWrite(path: path, reason: error.localizedDescription)
            }
        }
    }

    /// The file's content; the file is closed when this returns (every HDF5 object here is a local).
    static func write(
        to path: String, model: GPT, parameters: [(name: String, tensor: Tensor)], trainingConfig: TrainingConfig?,
        state: TrainingState?, optimizer: (AdamW, [Int])?, tokenizer: BPETokenizer?, chatTemplate: String?,
        compression: Int?
    ) throws {
        let file = try HDF5File(path: path, mode: .truncate, userBlockSize: CheckpointIntegrity.blockSize)
        try file.setAttribute("format", formatTag)
        try file.setAttribute("format_version", formatVersion)
        try file.setAttribute("created", ISO8601DateFormatter().string(from: Date()))
        try file.setAttribute("lmlab_version", lmlabVersion)

        try model.config.write(to: file.createGroup("config/model"))
        if let trainingConfig { try trainingConfig.write(to: file.createGroup("config/training")) }

        let weights = try file.createGroup("model")
        try weights.setAttribute("parameter_count", model.parameterCount)
        for (name, tensor) in parameters {
            try writeTensor(tensor, to: weights, at: datasetPath(name), compression: compression)
        }
        if let (adam, slots) = optimizer {
            let group = try file.createGroup("optimizer")
            try group.setAttribute("step", adam.stepCount)
            for ((name, _), slot) in zip(parameters, slots) {
                try writeTensor(adam.m[slot], to: group, at: "m/" + datasetPath(name), compression: compression)
                try writeTensor(adam.v[slot], to: group, at: "v/" + datasetPath(name), compression: compression)
            }
        }
        if let state { try state.write(to: file.createGroup("training")) }
        if let tokenizer { try tokenizer.writeCheckpoint(to: file.createGroup("tokenizer"), chatTemplate: chatTemplate) }
    }

    static func writeTensor(_ tensor: Tensor, to group: HDF5Group, at path: String, compression: Int?) throws {
        try group.createDataset(path, shape: tensor.shape, values: UnsafeBufferPointer(tensor.storage.buffer),
                                compression: compression)
    }

    /// A parameter's dataset path below /model: dots become slashes and camelCase becomes snake_case, so
    /// "blocks.3.attentionNorm.weight" is "blocks/3/attention_norm/weight".
    public static func datasetPath(_ parameterName: String) -> String {
        parameterName.split(separator: ".").map { part in
            var out = ""
            for c in part {
                if c.isUppercase, !out.isEmpty { out += "_" }
                out += c.lowercased()
            }
            return out
        }.joined(separator: "/")
    }

    /// For each named parameter, its index in `optimizer.parameters`; the optimizer must hold exactly these tensors.
    static func optimizerSlots(_ optimizer: AdamW, parameters: [(name: String, tensor: Tensor)], path: String) throws -> [Int] {
        var slotOf: [ObjectIdentifier: Int] = [:]
        for (i, p) in optimizer.parameters.enumerated() { slotOf[ObjectIdentifier(p)] = i }
        guard optimizer.parameters.count == parameters.count else {
            throw CheckpointError.optimizerMismatch(
                path: path, reason: "the optimizer holds \(optimizer.parameters.count) tensors, the model has \(parameters.count) parameters")
        }
        return try parameters.map { name, tensor in
            guard let slot = slotOf[ObjectIdentifier(tensor)] else {
                throw CheckpointError.optimizerMismatch(path: path, reason: "the optimizer does not hold the model's parameter \(name)")
            }
            return slot
        }
    }
}
