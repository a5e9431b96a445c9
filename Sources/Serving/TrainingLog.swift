// TrainingLog: a training run's curves as `lmlab train` writes them beside its checkpoint — <checkpoint>.metrics.jsonl,
// one JSON object per step: {"step", "tokens_seen", "train_loss", "lr", "time", "tokens_per_s"} and "val_loss" on the
// steps that evaluated. Read for the playground's Training view (GET /v1/training), also while the run is going: a
// half-written last line is skipped, and the file is read again on each request.
import Foundation

public struct TrainingLog: Sendable, Codable, Equatable {
    /// One line of the metrics file.
    public struct Point: Sendable, Codable, Equatable {
        public var step: Int
        public var tokensSeen: Int?
        /// Mean cross-entropy of the step's batch, in nats per token.
        public var trainLoss: Double?
        /// Cross-entropy on the validation split, on evaluation steps only.
        public var valLoss: Double?
        /// Learning rate of the step.
        public var lr: Double?
        /// Seconds since the run started.
        public var time: Double?

        public init(step: Int, tokensSeen: Int? = nil, trainLoss: Double? = nil, valLoss: Double? = nil,
                    lr: Double? = nil, time: Double? = nil) {
            self.step = step; self.tokensSeen = tokensSeen; self.trainLoss = trainLoss; self.valLoss = valLoss
            self.lr = lr; self.time = time
        }

        enum CodingKeys: String, CodingKey {
            case step, tokensSeen = "tokens_seen", trainLoss = "train_loss", valLoss = "val_loss", lr, time
        }
    }

    /// The checkpoint file the run writes (it may not exist yet).
    public var checkpoint: String
    /// The checkpoint's file name without extension (a served model's name).
    public var name: String
    /// Whether <checkpoint>.metrics.jsonl exists.
    public var found: Bool
    /// Steps in the file (before any thinning).
    public var steps: Int
    /// The points, in file order; every evaluation point is kept when thinned.
    public var points: [Point]

    enum CodingKeys: String, CodingKey { case checkpoint, name, found, steps, points }

    /// The metrics file of `checkpoint`: `lmlab train --out X` writes X.metrics.jsonl.
    public static func metricsPath(checkpoint: String) -> String { checkpoint + ".metrics.jsonl" }

    /// Reads the metrics of `checkpoint`, keeping at most `maxPoints` training points (evenly spaced, the last one
    /// and every evaluation kept). A missing file gives an empty log (`found` false); lines that do not parse (a
    /// line still being written) are skipped.
    public init(checkpoint: String, maxPoints: Int = 2000) throws {
        self.checkpoint = checkpoint
        name = ((checkpoint as NSString).lastPathComponent as NSString).deletingPathExtension
        let path = Self.metricsPath(checkpoint: checkpoint)
        guard let data = FileManager.default.contents(atPath: path) else {
            found = false; steps = 0; points = []
            return
        }
        found = true
        let decoder = JSONDecoder()
        let all = data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(Point.self, from: Data($0)) }
        steps = all.count
        points = Self.thinned(all, to: maxPoints)
    }

    /// Every k-th point so that about `maxPoints` remain, plus the evaluations and the last point.
    static func thinned(_ all: [Point], to maxPoints: Int) -> [Point] {
        guard maxPoints > 0, all.count > maxPoints else { return all }
        let every = (all.count + maxPoints - 1) / maxPoints
        return all.enumerated().filter { i, p in i % every == 0 || p.valLoss != nil || i == all.count - 1 }.map(\.element)
    }
}
