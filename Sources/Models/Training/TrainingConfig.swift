// How a model is trained: optimizer, schedule, batch and bookkeeping, with nanoGPT's defaults for small models.
import Tensor

public struct TrainingConfig: Sendable, Codable, Equatable {
    /// Sequences per micro-batch; each is `contextLength` tokens.
    public var batchSize: Int = 16
    /// Micro-batches whose gradients add up before one optimizer step (effective batch = batchSize × this).
    public var gradientAccumulation: Int = 1
    /// Optimizer steps in the whole run (the cosine schedule ends here).
    public var steps: Int = 2000
    /// Peak learning rate after warm-up.
    public var learningRate: Float = 1e-3
    /// Learning rate at the end of the cosine decay.
    public var minLearningRate: Float = 1e-4
    /// Steps of linear warm-up.
    public var warmupSteps: Int = 100
    /// Decoupled weight decay on matrices; norms, biases and embeddings are never decayed.
    public var weightDecay: Float = 0.1
    /// AdamW β₁, β₂ (0.95 for β₂ as in GPT training: faster adaptation than PyTorch's 0.999 default).
    public var beta1: Float = 0.9
    public var beta2: Float = 0.95
    /// Global gradient-norm clip.
    public var gradientClip: Float = 1.0
    /// Seed of the trainer's RNG: weight init, batch windows and dropout masks all come from it.
    public var seed: UInt64 = 1337
    /// Evaluate validation loss (and print a sample) every this many steps.
    public var evalEvery: Int = 250
    /// Fixed windows of val.bin averaged per evaluation.
    public var evalBatches: Int = 20
    /// Write a checkpoint every this many steps (0: only at the end).
    public var saveEvery: Int = 500

    public init() {}

    public init(batchSize: Int) { self.batchSize = batchSize }

    /// Checks the numbers; the message names the field and the valid range.
    public func validate() throws {
        func fail(_ s: String) -> ModelError { .invalidConfig(s) }
        guard batchSize > 0 else { throw fail("batch size must be positive (got \(batchSize))") }
        guard gradientAccumulation > 0 else { throw fail("gradient accumulation must be positive (got \(gradientAccumulation))") }
        guard steps > 0 else { throw fail("steps must be positive (got \(steps))") }
        guard learningRate > 0, minLearningRate >= 0, minLearningRate <= learningRate else {
            throw fail("need 0 ≤ min learning rate ≤ learning rate, got \(minLearningRate) and \(learningRate)")
        }
        guard warmupSteps >= 0 else { throw fail("warm-up steps must be ≥ 0 (got \(warmupSteps))") }
        guard (0..<1).contains(beta1), (0..<1).contains(beta2) else { throw fail("betas must be in [0, 1)") }
        guard gradientClip > 0 else { throw fail("gradient clip must be positive (got \(gradientClip))") }
        guard evalEvery > 0, evalBatches > 0, saveEvery >= 0 else { throw fail("eval-every and eval batches must be positive") }
    }

    /// Batch sizes of the model presets (tiny 16, small 8, lecture 8).
    public static let presets: [String: TrainingConfig] = [
        "tiny": TrainingConfig(batchSize: 16), "small": TrainingConfig(batchSize: 8), "lecture": TrainingConfig(batchSize: 8),
    ]
}

/// Everything besides weights and optimizer moments that an exact resume needs. The learning-rate schedule's
/// position is `step`; the data sampler's state is the RNG (batch windows are drawn from it).
public struct TrainingState: Sendable, Codable, Equatable {
    /// Optimizer steps taken.
    public var step: Int = 0
    /// Training tokens consumed (batch × context × accumulation per step).
    public var tokensSeen: Int = 0
    /// The trainer's RNG after the last step.
    public var rng: RandomGenerator
    /// Best and latest validation loss seen so far (nil before the first evaluation).
    public var bestValidationLoss: Float? = nil
    public var lastValidationLoss: Float? = nil
    /// Wall-clock seconds spent training, summed over resumes.
    public var elapsedSeconds: Double = 0

    public init(rng: RandomGenerator) { self.rng = rng }
}

