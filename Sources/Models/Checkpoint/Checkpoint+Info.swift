// A checkpoint's summary without loading its weights: config, parameter count, progress and file size (what
// `lmlab info` prints).
import Foundation
import HDF5

public struct CheckpointInfo: Sendable, Codable, Equatable {
    public var path: String
    /// Size of the file on disk.
    public var fileBytes: Int
    public var formatVersion: Int
    /// When it was written (ISO 8601, UTC) and by which lmlab.
    public var created: String
    public var lmlabVersion: String
    public var config: TransformerConfig
    public var trainingConfig: TrainingConfig?
    /// Values stored under /model (tied weights counted once).
    public var parameterCount: Int
    /// Training progress, when the checkpoint has a /training group.
    public var step: Int?
    public var tokensSeen: Int?
    public var lastValidationLoss: Float?
    public var bestValidationLoss: Float?
    public var elapsedSeconds: Double?
    public var hasOptimizerState: Bool
    /// Tokens in the stored tokenizer, if there is one.
    public var tokenizerVocabSize: Int?
    /// True when a chat template is stored with the tokenizer; nil (absent from JSON) otherwise.
    public var hasChatTemplate: Bool?
}

extension Checkpoint {
    public static func info(path: String) throws -> CheckpointInfo {
        let file = try openFile(path)
        return try reading(path) {
            let config = try modelConfig(file)
            let weights = try file.group("model")
            var count = 0
            for name in try datasetPaths(in: weights) { count += try weights.dataset(name).count }
            let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            var info = CheckpointInfo(
                path: path, fileBytes: bytes, formatVersion: try file.attribute("format_version"),
                created: try file.stringAttribute("created"), lmlabVersion: try file.stringAttribute("lmlab_version"),
                config: config, parameterCount: count, hasOptimizerState: try file.kind(of: "optimizer") == .group)
            if try file.kind(of: "config/training") == .group {
                info.trainingConfig = try TrainingConfig(checkpointGroup: file.group("config/training"))
            }
            if try file.kind(of: "training") == .group {
                let state = try TrainingState(checkpointGroup: file.group("training"))
                info.step = state.step
                info.tokensSeen = state.tokensSeen
                info.lastValidationLoss = state.lastValidationLoss
                info.bestValidationLoss = state.bestValidationLoss
                info.elapsedSeconds = state.elapsedSeconds
            }
            if try file.kind(of: "tokenizer") == .group {
                info.tokenizerVocabSize = try file.group("tokenizer").attribute("vocab_size", as: Int.self)
                if try file.group("tokenizer").kind(of: "chat_template") == .dataset { info.hasChatTemplate = true }
            }
            return info
        }
    }
}
