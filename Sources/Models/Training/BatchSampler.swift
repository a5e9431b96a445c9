// Training batches are random windows of the token stream (nanoGPT's get_batch): for each row pick a start s
// uniformly, inputs are tokens s…s+T−1 and targets are s+1…s+T (the next token at every position). The starts
// come from the trainer's seeded RNG, so saving the RNG saves the sampler.

public struct Batch {
    /// (batch, time) token ids, row-major.
    public var inputs: [Int32]
    /// The ids that follow each input position.
    public var targets: [Int32]
    public var batchSize: Int, time: Int
}

public enum BatchSampler {
    /// A batch of windows starting at `starts`.
    public static func windows(_ tokens: [Int32], starts: [Int], time: Int) -> Batch {
        var inputs = [Int32](), targets = [Int32]()
        inputs.reserveCapacity(starts.count * time); targets.reserveCapacity(starts.count * time)
        for s in starts {
            inputs.append(contentsOf: tokens[s..<(s + time)])
            targets.append(contentsOf: tokens[(s + 1)...(s + time)])
        }
        return Batch(inputs: inputs, targets: targets, batchSize: starts.count, time: time)
    }

    /// `batchSize` random windows of `time` tokens (plus one target each).
    public static func random(_ tokens: [Int32], batchSize: Int, time: Int, rng: inout RandomGenerator) -> Batch {
        precondition(tokens.count > time + 1, "BatchSampler: \(tokens.count) tokens cannot hold a window of \(time + 1)")
        let starts = (0..<batchSize).map { _ in rng.nextInt(below: tokens.count - time - 1) }
        return windows(tokens, starts: starts, time: time)
    }
}

import Tensor
