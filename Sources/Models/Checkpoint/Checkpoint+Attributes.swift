// How the configs, the training state and the tokenizer are stored in a checkpoint: one typed attribute per field
// with the field's snake_case name (what h5py and h5dump show), plus the config as one JSON string for tools that
// want the whole thing at once. Loading reads the typed attributes; each field is listed here by hand so the layout
// is plain to see.
import Foundation
import HDF5
import Tensor
import Tokenizers

extension TransformerConfig {
    func write(to group: HDF5Group) throws {
        try group.setAttribute("style", style.rawValue)
        try group.setAttribute("vocab_size", vocabSize)
        try group.setAttribute("context_length", contextLength)
        try group.setAttribute("width", width)
        try group.setAttribute("layers", layers)
        try group.setAttribute("heads", heads)
        try group.setAttribute("kv_heads", kvHeads)
        try group.setAttribute("mlp_hidden", mlpHidden)
        try group.setAttribute("dropout", dropout)
        try group.setAttribute("norm_eps", normEps)
        try group.setAttribute("rope_theta", ropeTheta)
        try group.setAttribute("tied_embeddings", tiedEmbeddings)
        // Absent means the exact GELU, so checkpoints of exact-GELU models are what they were before this field.
        if geluApproximation != .none { try group.setAttribute("gelu_approximation", geluApproximation.rawValue) }
        try group.setAttribute("json", SnakeCaseJSON.string(self))
    }

    init(checkpointGroup group: HDF5Group) throws {
        let styleName = try group.stringAttribute("style")
        guard let style = Style(rawValue: styleName) else {
            throw CheckpointError.invalid(path: group.file.path, object: group.objectPath + "@style",
                                          reason: "unknown style \"\(styleName)\", expected gpt2 or llama")
        }
        var gelu = GELUApproximation.none
        if try group.hasAttribute("gelu_approximation") {
            let name = try group.stringAttribute("gelu_approximation")
            guard let value = GELUApproximation(rawValue: name) else {
                throw CheckpointError.invalid(path: group.file.path, object: group.objectPath + "@gelu_approximation",
                                              reason: "unknown GELU approximation \"\(name)\", expected none or tanh")
            }
            gelu = value
        }
        self.init(style: style, vocabSize: try group.attribute("vocab_size"),
                  contextLength: try group.attribute("context_length"), width: try group.attribute("width"),
                  layers: try group.attribute("layers"), heads: try group.attribute("heads"),
                  kvHeads: try group.attribute("kv_heads"), mlpHidden: try group.attribute("mlp_hidden"),
                  dropout: try group.attribute("dropout"), normEps: try group.attribute("norm_eps"),
                  ropeTheta: try group.attribute("rope_theta"), tiedEmbeddings: try group.boolAttribute("tied_embeddings"),
                  geluApproximation: gelu)
    }
}

extension TrainingConfig {
    func write(to group: HDF5Group) throws {
        try group.setAttribute("batch_size", batchSize)
        try group.setAttribute("gradient_accumulation", gradientAccumulation)
        try group.setAttribute("steps", steps)
        try group.setAttribute("learning_rate", learningRate)
        try group.setAttribute("min_learning_rate", minLearningRate)
        try group.setAttribute("warmup_steps", warmupSteps)
        try group.setAttribute("weight_decay", weightDecay)
        try group.setAttribute("beta1", beta1)
        try group.setAttribute("beta2", beta2)
        try group.setAttribute("gradient_clip", gradientClip)
        try group.setAttribute("seed", seed)
        try group.setAttribute("eval_every", evalEvery)
        try group.setAttribute("eval_batches", evalBatches)
        try group.setAttribute("save_every", saveEvery)
        try group.setAttribute("json", SnakeCaseJSON.string(self))
    }

    init(checkpointGroup group: HDF5Group) throws {
        self.init()
        batchSize = try group.attribute("batch_size")
        gradientAccumulation = try group.attribute("gradient_accumulation")
        steps = try group.attribute("steps")
        learningRate = try group.attribute("learning_rate")
        minLearningRate = try group.attribute("min_learning_rate")
        warmupSteps = try group.attribute("warmup_steps")
        weightDecay = try group.attribute("weight_decay")
        beta1 = try group.attribute("beta1")
        beta2 = try group.attribute("beta2")
        gradientClip = try group.attribute("gradient_clip")
        seed = try group.attribute("seed")
        evalEvery = try group.attribute("eval_every")
        evalBatches = try group.attribute("eval_batches")
        saveEvery = try group.attribute("save_every")
    }
}

extension TrainingState {
    /// A validation loss that was never measured (nil) is stored as an absent attribute.
    func write(to group: HDF5Group) throws {
        try group.setAttribute("step", step)
        try group.setAttribute("tokens_seen", tokensSeen)
        try group.setAttribute("rng", [rng.s0, rng.s1, rng.s2, rng.s3])
        if let bestValidationLoss { try group.setAttribute("best_validation_loss", bestValidationLoss) }
        if let lastValidationLoss { try group.setAttribute("last_validation_loss", lastValidationLoss) }
        try group.setAttribute("elapsed_seconds", elapsedSeconds)
    }

    init(checkpointGroup group: HDF5Group) throws {
        let words = try group.attributeArray("rng", as: UInt64.self)
        guard words.count == 4 else {
            throw CheckpointError.invalid(path: group.file.path, object: group.objectPath + "@rng",
                                          reason: "\(words.count) words, expected the 4 words of xoshiro256** state")
        }
        var rng = RandomGenerator(seed: 0)
        (rng.s0, rng.s1, rng.s2, rng.s3) = (words[0], words[1], words[2], words[3])
        self.init(rng: rng)
        step = try group.attribute("step")
        tokensSeen = try group.attribute("tokens_seen")
        if try group.hasAttribute("best_validation_loss") { bestValidationLoss = try group.attribute("best_validation_loss") }
        if try group.hasAttribute("last_validation_loss") { lastValidationLoss = try group.attribute("last_validation_loss") }
        elapsedSeconds = try group.attribute("elapsed_seconds")
    }
}

extension BPETokenizer {
    /// The tokenizer's JSON (too large for an attribute, so a string dataset: lmlab-bpe-1 for the tokenizers lmlab
    /// trains, lmlab-bpe-2 for any other byte-level BPE) is what loading uses; `merges` repeats the merge rules'
    /// (left, right) ids as an (n, 2) int32 array for tools. `chatTemplate` (optional) is the model's chat template.
    func writeCheckpoint(to group: HDF5Group, chatTemplate: String?) throws {
        try group.setAttribute("kind", "bpe")
        try group.setAttribute("vocab_size", vocabSize)
        try group.setAttribute("pre_tokenizer", preTokenizer.name)
        try group.setAttribute("add_bos", addBOS)
        try group.setAttribute("add_eos", addEOS)
        try group.createStringDataset("json", jsonString())
        try group.createDataset("merges", merges.flatMap { [$0.left, $0.right] }, shape: [merges.count, 2])
        if let chatTemplate { try group.createStringDataset("chat_template", chatTemplate) }
    }

    init(checkpointGroup group: HDF5Group) throws {
        let path = group.file.path
        let json = try group.dataset("json")
        let loaded: BPETokenizer
        do {
            loaded = try BPETokenizer(json: Data(try json.readString().utf8), path: "\(path):\(json.objectPath)")
        } catch let error as TokenizerError {
            throw CheckpointError.invalid(path: path, object: json.objectPath, reason: "\(error)")
        }
        let stored = try group.dataset("merges").read(as: Int32.self)
        guard stored == loaded.merges.flatMap({ [$0.left, $0.right] }) else {
            throw CheckpointError.invalid(path: path, object: group.objectPath + "/merges",
                                          reason: "disagrees with the merges in the tokenizer's JSON; the file is damaged")
        }
        // lmlab-bpe-1 has no add-BOS/EOS flags; the attributes are authoritative for both versions.
        try self.init(tokenBytes: loaded.tokenBytes, pieces: loaded.pieces, tokenTypes: loaded.tokenTypes,
                      merges: loaded.merges, preTokenizer: loaded.preTokenizer, specialIDs: loaded.specialIDs,
                      addBOS: try group.boolAttribute("add_bos"), addEOS: try group.boolAttribute("add_eos"))
    }

    /// The chat template stored beside the tokenizer, nil when there is none.
    static func checkpointChatTemplate(_ group: HDF5Group) throws -> String? {
        try group.kind(of: "chat_template") == .dataset ? try group.dataset("chat_template").readString() : nil
    }
}

extension Checkpoint {
    /// A model cannot embed ids beyond its vocabulary (any byte-level BPE tokenizer can be stored).
    static func checkStorable(_ tokenizer: BPETokenizer, config: TransformerConfig, path: String) throws {
        guard tokenizer.vocabSize <= config.vocabSize else {
            throw CheckpointError.cannotWrite(
                path: path, reason: "the tokenizer has \(tokenizer.vocabSize) tokens but the model embeds only \(config.vocabSize)")
        }
    }
}
