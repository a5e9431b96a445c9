// The metrics log of a training run, `<checkpoint>.metrics.jsonl`: one JSON object per optimizer step (SnakeCaseJSON:
// keys in snake_case and sorted), so any tool (jq, pandas.read_json(lines=True)) can plot a run.
import Foundation

/// One line of the log.
public struct TrainingMetrics: Codable, Sendable, Equatable {
    public var step: Int
    /// This step's training loss (mean over its micro-batches), nats/token.
    public var trainLoss: Float
    /// Validation loss, on the steps that evaluated.
    public var valLoss: Float?
    /// Learning rate used by this step.
    public var lr: Float
    /// Training tokens per second of step time so far (evaluations and saves not counted).
    public var tokensPerS: Double
    /// Seconds of step time since the run began, summed over resumes.
    public var time: Double
    public var tokensSeen: Int
}

/// Appends one JSON object per line.
public final class MetricsLog {
    public let path: String
    let handle: FileHandle
    let encoder = SnakeCaseJSON.encoder()

    /// Opens `path` (creating its folder); `append` continues an existing log (a resumed run), else it starts empty.
    public init(path: String, append: Bool) throws {
        self.path = path
        let fm = FileManager.default
        let directory = (path as NSString).deletingLastPathComponent
        do { try fm.createDirectory(atPath: directory.isEmpty ? "." : directory, withIntermediateDirectories: true) } catch {
            throw DataError.io(path: path, reason: "cannot create its folder (\(error.localizedDescription)); check the --out path")
        }
        if !append || !fm.fileExists(atPath: path) { _ = fm.createFile(atPath: path, contents: nil) }
        guard let h = FileHandle(forWritingAtPath: path) else {
            throw DataError.io(path: path, reason: "cannot open the metrics log for writing; check that its folder is writable")
        }
        h.seekToEndOfFile()
        handle = h
    }

    public func append<T: Encodable>(_ value: T) throws {
        do { try handle.write(contentsOf: try encoder.encode(value) + Data("\n".utf8)) } catch {
            throw DataError.io(path: path, reason: "cannot append to the metrics log (\(error.localizedDescription)); is the disk full?")
        }
    }

    deinit { try? handle.close() }
}
