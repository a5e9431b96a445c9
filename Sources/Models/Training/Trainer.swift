// The training loop (nanoGPT's train.py, one step at a time):
//   for each micro-batch: loss = CE(model(x), y) / accumulation;  loss.backward()
//   clip the global gradient norm;  lr = schedule(step);  AdamW step;  zero the gradients
// Everything random — weight init, batch windows, dropout — comes from seeded generators, so a run is exactly
// reproducible, and `state` holds all an exact resume needs besides weights and optimizer moments.
import Foundation
import Tensor

public final class Trainer {
    public let model: GPT
    public private(set) var config: TrainingConfig
    public let optimizer: AdamW
    public private(set) var schedule: CosineSchedule
    public var state: TrainingState
    let train: [Int32], validation: [Int32]
    /// Fixed validation windows (the same every evaluation, so losses are comparable across steps).
    let validationStarts: [[Int]]

    public struct StepReport: Sendable {
        public var step: Int, loss: Float, learningRate: Float, gradientNorm: Float, tokens: Int, seconds: Double
    }

    /// Builds the optimizer for `model` and the validation windows. `state` resumes a run (nil starts fresh).
    public init(model: GPT, config: TrainingConfig, train: [Int32], validation: [Int32], state: TrainingState? = nil) throws {
        try config.validate()
        let t = model.config.contextLength
        guard train.count > t + 1 else { throw DataError.tooShort(path: "train.bin", tokens: train.count, needed: t + 2) }
        guard validation.count > t + 1 else { throw DataError.tooShort(path: "val.bin", tokens: validation.count, needed: t + 2) }
        self.model = model
        self.config = config
        self.train = train
        self.validation = validation
        // No weight decay on norms, biases and embeddings: decay only weight matrices.
        optimizer = AdamW(parameters: model.namedParameters(),
                          config: AdamWConfig(learningRate: config.learningRate, beta1: config.beta1, beta2: config.beta2,
                                              weightDecay: config.weightDecay),
                          decay: { name, tensor in tensor.rank >= 2 && !name.hasSuffix("Embedding") })
        schedule = CosineSchedule(peak: config.learningRate, floor: config.minLearningRate,
                                  warmupSteps: config.warmupSteps, totalSteps: config.steps)
        self.state = state ?? TrainingState(rng: RandomGenerator(seed: config.seed &+ 2))
        optimizer.stepCount = self.state.step
        var vrng = RandomGenerator(seed: config.seed &+ 1)
        validationStarts = (0..<config.evalBatches).map { _ in
            (0..<config.batchSize).map { _ in vrng.nextInt(below: validation.count - t - 1) }
        }
    }

    /// Changes the run's length (and so where the cosine schedule ends), e.g. once a time budget is converted
    /// into steps. The training config records it too, so a checkpoint resumes with the same schedule.
    public func setTotalSteps(_ steps: Int) {
        schedule.totalSteps = steps
        config.steps = steps
    }

    /// One optimizer step over `gradientAccumulation` micro-batches.
    public func step() -> StepReport {
        let start = Date()
        let t = model.config.contextLength, b = config.batchSize, accumulation = config.gradientAccumulation
        var total: Float = 0
        for _ in 0..<accumulation {
            let batch = BatchSampler.random(train, batchSize: b, time: t, rng: &state.rng)
            let loss = model.loss(batch.inputs, targets: batch.targets, batch: b, time: t, rng: &state.rng, training: true)
            total += loss.item
            (accumulation == 1 ? loss : loss * (1 / Float(accumulation))).backward()
        }
        let norm = optimizer.parameters.clipGradNorm(maxNorm: config.gradientClip)
        let lr = schedule.learningRate(at: state.step)
        optimizer.step(learningRate: lr)
        optimizer.zeroGrad()
        state.step += 1
        state.tokensSeen += b * t * accumulation
        let seconds = Date().timeIntervalSince(start)
        state.elapsedSeconds += seconds
        return StepReport(step: state.step, loss: total / Float(accumulation), learningRate: lr, gradientNorm: norm,
                          tokens: b * t * accumulation, seconds: seconds)
    }

    /// Mean loss over the fixed validation windows; updates the best/last validation loss.
    @discardableResult
    public func evaluate() -> Float {
        let t = model.config.contextLength
        var rng = RandomGenerator(seed: 0)  // unused: no dropout in evaluation
        let losses: [Float] = Tensor.noGrad {
            validationStarts.map { starts in
                let batch = BatchSampler.windows(validation, starts: starts, time: t)
                return model.loss(batch.inputs, targets: batch.targets, batch: starts.count, time: t, rng: &rng).item
            }
        }
        let mean = losses.reduce(0, +) / Float(losses.count)
        state.lastValidationLoss = mean
        state.bestValidationLoss = min(state.bestValidationLoss ?? .infinity, mean)
        return mean
    }
}

extension GPT {
    /// Mean next-token loss over a whole stream, cut into non-overlapping windows of the context length
    /// (batched `batchSize` at a time). exp of it is the stream's perplexity.
    public func meanLoss(over tokens: [Int32], batchSize: Int = 16) -> Float {
        let t = config.contextLength
        let starts = Array(stride(from: 0, to: tokens.count - t - 1, by: t))
        guard !starts.isEmpty else { return .nan }
        var rng = RandomGenerator(seed: 0)
        var total = 0.0
        Tensor.noGrad {
            for i in stride(from: 0, to: starts.count, by: batchSize) {
                let chunk = Array(starts[i..<min(i + batchSize, starts.count)])
                let batch = BatchSampler.windows(tokens, starts: chunk, time: t)
                let loss = self.loss(batch.inputs, targets: batch.targets, batch: chunk.count, time: t, rng: &rng)
                total += Double(loss.item) * Double(chunk.count)
            }
        }
        return Float(total / Double(starts.count))
    }
}
