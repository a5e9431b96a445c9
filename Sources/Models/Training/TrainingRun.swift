// TrainingRun: a whole run of `lmlab train`, for any front end — the CLI prints its events; a server or a notebook
// could show them. Around Trainer's one optimizer step it keeps the schedule of nanoGPT's train.py main loop:
//   - evaluate before the first step, every `evalEvery` steps and after the last one, each time with a sample from
//     the model as it is then (`TrainingSample`, written by the front end: generation lives in Decoding);
//   - append one line per step to the metrics log, <checkpoint>.metrics.jsonl (MetricsLog.swift);
//   - save the checkpoint every `saveEvery` steps and at the end, with its extra copies (TrainingCheckpoint.swift);
//   - with a time budget, plan the step count — and so the cosine horizon — from measured wall time (TimeBudget.swift);
//   - finally measure the loss over the whole test split.
// A stop request (Ctrl-C in the CLI) ends the run after the current step, with one more evaluation and the save.
import Foundation
import Tokenizers

/// What a training run shows after each evaluation: the model as it is, continuing a prompt. Models cannot see
/// Decoding, where the one generation loop lives, so the front end passes one (`lmlab train`: Decoding's GreedySample).
public protocol TrainingSample {
    /// The prompt and its continuation by `model`.
    func text(from model: GPT) throws -> String
}

public final class TrainingRun {
    public struct Options: Sendable {
        /// The checkpoint written; the metrics log is `<checkpoint>.metrics.jsonl`.
        public var checkpointPath: String
        /// Train for this many seconds — the steps planned from wall time — instead of `TrainingConfig.steps`; nil: steps.
        public var timeBudget: Double? = nil
        /// Keep the last this many step-stamped copies `<name>.step<N>.h5` (0: none).
        public var keep = 0
        /// Also keep the best-validation checkpoint as `<name>.best.h5`.
        public var keepBest = false
        /// gzip level 1–9 for checkpoint datasets of 64 KiB or more (nil: uncompressed).
        public var compression: Int? = nil
        /// Continue the metrics log of the run being resumed instead of starting it afresh.
        public var appendMetrics = false

        public init(checkpointPath: String) { self.checkpointPath = checkpointPath }

        public var metricsPath: String { checkpointPath + ".metrics.jsonl" }
    }

    /// What the front end hears, in order: per step `.step`, then `.evaluated` on the steps that evaluate.
    public enum Event {
        case step(Progress)
        case evaluated(Evaluation)
    }

    public struct Progress: Sendable {
        /// The step just taken: its loss, learning rate, gradient norm, tokens and seconds.
        public var report: Trainer.StepReport
        /// The run's length as planned now (a time budget changes it).
        public var totalSteps: Int
        public var tokensSeen: Int
        /// Training tokens per second of step time in this run so far.
        public var tokensPerSecond: Double
        /// Wall-clock seconds since the run began, and the estimate of those left.
        public var elapsed: Double, eta: Double
    }

    public struct Evaluation: Sendable {
        public var step: Int, tokensSeen: Int
        /// Mean loss over the fixed validation windows, nats/token.
        public var loss: Float
        /// The prompt and the model's continuation (nil without a TrainingSample).
        public var sample: String?
    }

    public struct Summary: Sendable {
        public var steps: Int, tokensSeen: Int
        /// Wall-clock seconds of the whole run, the test evaluation included.
        public var seconds: Double
        /// Training tokens per second of step time.
        public var tokensPerSecond: Double
        /// The last step's training loss (NaN when no step was taken).
        public var finalTrainLoss: Float
        public var validationLoss: Float?
        /// Mean loss over the test split, nats/token.
        public var testLoss: Float
        /// Whether a stop request ended the run early.
        public var interrupted: Bool
    }

    public let trainer: Trainer
    /// Saved in the checkpoint, so it can be sampled from later.
    public let tokenizer: BPETokenizer?
    public let test: [Int32]
    public let options: Options
    public let sample: (any TrainingSample)?

    public init(trainer: Trainer, tokenizer: BPETokenizer?, test: [Int32], options: Options,
                sample: (any TrainingSample)? = nil) {
        self.trainer = trainer
        self.tokenizer = tokenizer
        self.test = test
        self.options = options
        self.sample = sample
    }

    /// Trains until the planned step count, time is up, or `stopRequested` (asked after every step) says so.
    public func run(stopRequested: () -> Bool = { false }, report: (Event) -> Void) throws -> Summary {
        let metrics = try MetricsLog(path: options.metricsPath, append: options.appendMetrics)
        let start = Date()
        let config = trainer.config
        var budget = options.timeBudget.map {
            TimeBudget(seconds: $0, start: start, firstStep: trainer.state.step, warmupSteps: config.warmupSteps)
        }
        var totalSteps = config.steps
        var lastLoss: Float = .nan
        var stepTokens = 0, stepSeconds = 0.0   // summed over this run's steps: the throughput
        var evaluationSeconds = 0.0             // the latest evaluation, sample included

        func evaluate() throws {
            let evaluationStart = Date()
            defer { evaluationSeconds = Date().timeIntervalSince(evaluationStart) }
            let loss = trainer.evaluate()
            let text = try sample?.text(from: trainer.model)
            report(.evaluated(Evaluation(step: trainer.state.step, tokensSeen: trainer.state.tokensSeen, loss: loss,
                                         sample: text)))
        }
        func save() throws {
            try TrainingCheckpoint.save(options.checkpointPath, trainer: trainer, tokenizer: tokenizer, keep: options.keep,
                                        keepBest: options.keepBest, compression: options.compression)
        }
        func plan(_ steps: Int) {
            totalSteps = steps
            trainer.setTotalSteps(steps)
        }

        if trainer.state.step == 0 { try evaluate() }
        while trainer.state.step < totalSteps && !stopRequested() {
            let r = trainer.step()
            let step = trainer.state.step
            lastLoss = r.loss
            stepTokens += r.tokens; stepSeconds += r.seconds
            let tokensPerSecond = Double(stepTokens) / max(stepSeconds, 1e-9)
            if let planned = budget?.afterStep(step, stepSeconds: stepSeconds, lastEvaluation: evaluationSeconds,
                                               evalEvery: config.evalEvery) { plan(planned) }
            if budget?.isUp == true { totalSteps = step }
            let eta = Double(totalSteps - step) * stepSeconds / Double(max(1, stepTokens / r.tokens))
            report(.step(Progress(report: r, totalSteps: totalSteps, tokensSeen: trainer.state.tokensSeen,
                                  tokensPerSecond: tokensPerSecond, elapsed: Date().timeIntervalSince(start), eta: eta)))
            var validationLoss: Float? = nil
            if step % config.evalEvery == 0 || step == totalSteps {
                try evaluate()
                validationLoss = trainer.state.lastValidationLoss
            }
            try metrics.append(TrainingMetrics(step: step, trainLoss: r.loss, valLoss: validationLoss, lr: r.learningRate,
                                               tokensPerS: tokensPerSecond, time: trainer.state.elapsedSeconds,
                                               tokensSeen: trainer.state.tokensSeen))
            if config.saveEvery > 0 && step % config.saveEvery == 0 && step < totalSteps { try save() }
            if validationLoss != nil && step < totalSteps,
               let planned = budget?.afterEvaluation(step, lastEvaluation: evaluationSeconds) { plan(planned) }
        }
        let interrupted = stopRequested()
        if interrupted { try evaluate() }
        try save()
        let testLoss = trainer.model.meanLoss(over: test, batchSize: config.batchSize)
        return Summary(steps: trainer.state.step, tokensSeen: trainer.state.tokensSeen,
                       seconds: Date().timeIntervalSince(start), tokensPerSecond: Double(stepTokens) / max(stepSeconds, 1e-9),
                       finalTrainLoss: lastLoss, validationLoss: trainer.state.lastValidationLoss, testLoss: testLoss,
                       interrupted: interrupted)
    }
}
