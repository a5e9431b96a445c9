// What can be wrong with a checkpoint file, each as one line that names the file, the object inside it and the
// problem, and ends with what to do.
import Foundation
import HDF5

public enum CheckpointError: Error, Equatable, CustomStringConvertible, LocalizedError {
    case fileNotFound(path: String)
    /// Not HDF5 at all (a GGUF, a tokenizer JSON, a text file…).
    case notHDF5(path: String)
    /// HDF5 could not open or read it: truncated by an interrupted copy, or damaged.
    case damaged(path: String, reason: String)
    /// An HDF5 file, but not one lmlab wrote (no `format` = "lmlab-checkpoint" on the root group).
    case notACheckpoint(path: String, reason: String)
    /// Written by a newer lmlab whose format this one does not know.
    case newerFormat(path: String, version: Int, supported: Int)
    /// A group, dataset or attribute the format requires is absent.
    case missing(path: String, object: String)
    /// A weight's shape disagrees with the shape the checkpoint's own config gives it.
    case shapeMismatch(path: String, object: String, expected: [Int], found: [Int])
    /// A weight the config's model does not have (e.g. an output head while the config says tied embeddings).
    case unexpected(path: String, object: String)
    /// A value that is there but unusable (an unknown style, an invalid config, a broken tokenizer).
    case invalid(path: String, object: String, reason: String)
    /// `restore(into:)` on a checkpoint saved without optimizer state.
    case noOptimizerState(path: String)
    /// Resuming training from a checkpoint that holds a model but not the training config, state or optimizer moments.
    case noTrainingState(path: String)
    /// The AdamW given to save or restore was not built over this model's parameters.
    case optimizerMismatch(path: String, reason: String)
    /// Saving failed (the previous file at `path`, if any, is unchanged).
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): no such checkpoint file; check the path (checkpoints are written by `lmlab train --out FILE`)"
        case .notHDF5(let path):
            return "\(path): not an HDF5 file, so not an lmlab checkpoint; pass a .h5 file written by `lmlab train --out`"
        case .damaged(let path, let reason):
            return "\(path): cannot read the checkpoint (\(reason)); the file is truncated or damaged (an interrupted "
                + "copy?) — copy it again or use an earlier checkpoint"
        case .notACheckpoint(let path, let reason):
            return "\(path): an HDF5 file but not an lmlab checkpoint (\(reason)); pass a file written by `lmlab train --out`"
        case .newerFormat(let path, let version, let supported):
            return "\(path): checkpoint format version \(version) is newer than this lmlab reads (up to \(supported)); "
                + "update lmlab to load it"
        case .missing(let path, let object):
            return "\(path): \(object) is missing; the checkpoint is incomplete or not written by lmlab — use another checkpoint"
        case .shapeMismatch(let path, let object, let expected, let found):
            return "\(path): \(object) has shape \(found) but the checkpoint's config needs \(expected); the weights do "
                + "not belong to this config — use another checkpoint"
        case .unexpected(let path, let object):
            return "\(path): \(object) is not a weight of the model the checkpoint's config describes; the weights do not "
                + "belong to this config — use another checkpoint"
        case .invalid(let path, let object, let reason):
            return "\(path): \(object): \(reason)"
        case .noOptimizerState(let path):
            return "\(path): the checkpoint has no optimizer state (/optimizer); resume from a checkpoint saved during "
                + "training, or start the optimizer afresh"
        case .noTrainingState(let path):
            return "\(path): holds a model but no training state (optimizer moments, step, RNG), so training cannot "
                + "resume from it exactly — start a new run, or sample from it with lmlab generate"
        case .optimizerMismatch(let path, let reason):
            return "\(path): \(reason); build the AdamW over this model's namedParameters()"
        case .cannotWrite(let path, let reason):
            return "\(path): cannot write the checkpoint (\(reason)); check that the directory exists, is writable and "
                + "has space — any earlier checkpoint at this path is unchanged"
        }
    }

    public var errorDescription: String? { description }

    /// The checkpoint file the error is about.
    public var path: String {
        switch self {
        case .fileNotFound(let p), .notHDF5(let p), .noOptimizerState(let p), .noTrainingState(let p): return p
        case .damaged(let p, _), .notACheckpoint(let p, _), .optimizerMismatch(let p, _), .cannotWrite(let p, _): return p
        case .newerFormat(let p, _, _), .missing(let p, _), .unexpected(let p, _): return p
        case .shapeMismatch(let p, _, _, _), .invalid(let p, _, _): return p
        }
    }

    /// The checkpoint error for an HDF5 error met while reading `path`.
    static func reading(_ error: HDF5Error, path: String) -> CheckpointError {
        switch error.kind {
        case .notFound: return .missing(path: path, object: error.object)
        case .notHDF5: return .notHDF5(path: path)
        case .wrongType: return .invalid(path: path, object: error.object, reason: error.problem + "; the file was not written by lmlab or is damaged")
        case .cannotOpen, .cannotRead, .cannotWrite: return .damaged(path: path, reason: "\(error.object): \(error.problem)")
        }
    }
}
