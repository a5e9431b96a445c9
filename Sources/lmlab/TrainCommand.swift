// `lmlab train`: train a tiny GPT on prepared token streams. The run itself — evaluations with greedy samples, the
// metrics log, checkpoints, the --minutes planner — is Models' TrainingRun; this command turns flags into its options,
// draws its events as a live progress bar and lines, writes the loss-curve SVG, and stops it cleanly on Ctrl-C.
import ArgumentParser
import Decoding
import Foundation
import Models
import Tensor
import Tokenizers

extension TransformerConfig.Style: ExpressibleByArgument {}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a GPT (gpt2 or llama style) on WikiText with cross-entropy.",
        discussion: "Reads the streams `lmlab prepare` wrote. Writes <out>, <out>.metrics.jsonl and <out>.loss.svg.")

    @Option(help: "Model preset: tiny, small or lecture.") var preset = "tiny"
    @Option(help: "Block style: gpt2 or llama.") var style: TransformerConfig.Style = .gpt2
    @Option(help: "Optimizer steps (default 2000).") var steps: Int?
    @Option(help: "Train for this many minutes instead: the step count (the cosine horizon) is planned from the measured wall time, evaluations included, and re-planned after each evaluation so the decay ends on time.") var minutes: Double?
    @Option(help: "Checkpoint to write (default checkpoints/<preset>-<style>.h5).") var out: String?
    @Option(help: "Continue training from this checkpoint.") var resume: String?
    @Option(help: "Folder of prepared streams (default corpora/cache/wikitext-2-<vocab>).") var data: String?
    @Option(name: .customLong("lr"), help: "Peak learning rate.") var learningRate: Float = 1e-3
    @Option(name: .customLong("min-lr"), help: "Learning rate at the end of the cosine decay.") var minLearningRate: Float = 1e-4
    @Option(help: "Linear warm-up steps.") var warmupSteps = 100
    @Option(help: "AdamW weight decay (matrices only).") var weightDecay: Float = 0.1
    @Option(help: "AdamW β₁.") var beta1: Float = 0.9
    @Option(help: "AdamW β₂.") var beta2: Float = 0.95
    @Option(help: "Clip the global gradient norm to this.") var gradClip: Float = 1.0
    @Option(help: "Sequences per micro-batch (default: the preset's).") var batchSize: Int?
    @Option(help: "Micro-batches per optimizer step.") var gradAccumulation = 1
    @Option(help: "Dropout probability.") var dropout: Float = 0
    @Option(help: "Random seed (init, batches, dropout).") var seed: UInt64 = 1337
    @Option(help: "Validate and sample every this many steps.") var evalEvery = 250
    @Option(help: "Validation windows per evaluation (each a batch).") var evalBatches = 20
    @Option(help: "Save a checkpoint every this many steps (0: only at the end).") var saveEvery = 500
    @Option(help: "Keep the last N step-stamped checkpoint copies (0: none).") var keep = 0
    @Flag(help: "Also keep the best-validation checkpoint as <out>.best.h5.") var keepBest = false
    @Option(help: "gzip level 1–4 for checkpoint datasets of 64 KiB or more (0: uncompressed; float weights shrink ~10%, zero-heavy optimizer moments more).") var compress = 0
    @Option(help: "Prompt of the greedy samples printed at each evaluation.") var samplePrompt = " The"
    @Option(help: "Threads for lmlab's kernels and OpenBLAS.") var threads = Parallel.threads
    @OptionGroup var output: JSONOption

    func validate() throws {
        guard TransformerConfig.presets[preset] != nil else {
            throw ValidationError("--preset must be one of \(TransformerConfig.presets.keys.sorted().joined(separator: ", ")) (got \(preset))")
        }
        if let steps, steps <= 0 { throw ValidationError("--steps must be positive (got \(steps))") }
        if let minutes, minutes <= 0 { throw ValidationError("--minutes must be positive (got \(minutes))") }
        if steps != nil && minutes != nil { throw ValidationError("give --steps or --minutes, not both") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard (0..<1).contains(dropout) else { throw ValidationError("--dropout must be in [0, 1) (got \(dropout))") }
        guard keep >= 0 else { throw ValidationError("--keep must be ≥ 0") }
        guard (0...4).contains(compress) else { throw ValidationError("--compress must be a gzip level from 1 to 4, or 0 for none (got \(compress))") }
    }

    var trainingConfig: TrainingConfig {
        var c = TrainingConfig.presets[preset] ?? TrainingConfig()
        if let batchSize { c.batchSize = batchSize }
        c.steps = steps ?? c.steps
        c.learningRate = learningRate; c.minLearningRate = minLearningRate; c.warmupSteps = warmupSteps
        c.weightDecay = weightDecay; c.beta1 = beta1; c.beta2 = beta2; c.gradientClip = gradClip
        c.gradientAccumulation = gradAccumulation; c.seed = seed
        c.evalEvery = evalEvery; c.evalBatches = evalBatches; c.saveEvery = saveEvery
        return c
    }

    struct Report: Encodable {
        var preset: String, style: String, parameters: Int, steps: Int, tokensSeen: Int, seconds: Double
        var tokensPerS: Double, finalTrainLoss: Float, valLoss: Float?, valPerplexity: Float?
        var testLoss: Float, testPerplexity: Float, interrupted: Bool, checkpoint: String, metrics: String, lossCurve: String
    }

    func run() throws {
        Parallel.setThreads(threads)
        try runOrExit { try train() }
    }

    func train() throws {
        var config = (TransformerConfig.presets[preset] ?? .tiny).with(style: style)
        config.dropout = dropout
        try config.validate()
        let corpus = try PreparedCorpus(directory: data ?? "corpora/cache/wikitext-2-\(config.vocabSize)")
        guard resume != nil || corpus.meta.vocabSize == config.vocabSize else {
            throw ModelError.invalidConfig("\(corpus.directory) was prepared with vocabulary \(corpus.meta.vocabSize), preset \(preset) needs \(config.vocabSize): run `lmlab prepare --vocab-size \(config.vocabSize)`")
        }
        let outPath = out ?? "checkpoints/\(preset)-\(style.rawValue).h5"
        let trainer = try resume.map { try TrainingCheckpoint.resume($0, on: corpus, steps: steps) }
            ?? Trainer(model: GPT(config: config, seed: seed), config: trainingConfig, train: corpus.train,
                       validation: corpus.validation)
        let model = trainer.model, tc = trainer.config
        let say = output.json ? { (_: String) in } : { (s: String) in print(s) }
        say("\(preset)/\(model.config.style.rawValue): \(model.parameterCount.formatted()) parameters, batch \(tc.batchSize)×\(model.config.contextLength) tokens"
            + (tc.gradientAccumulation > 1 ? " ×\(tc.gradientAccumulation) accumulated" : "")
            + ", \(corpus.train.count.formatted()) training tokens, \(Parallel.threads) threads"
            + (resume.map { ", resuming \($0) at step \(trainer.state.step)" } ?? ""))

        var options = TrainingRun.Options(checkpointPath: outPath)
        options.timeBudget = minutes.map { $0 * 60 }
        options.keep = keep
        options.keepBest = keepBest
        options.compression = compress == 0 ? nil : compress
        options.appendMetrics = resume != nil
        let run = TrainingRun(trainer: trainer, tokenizer: corpus.tokenizer, test: corpus.test, options: options,
                              sample: GreedySample(prompt: samplePrompt, tokenizer: corpus.tokenizer))

        let interrupt = InterruptFlag()
        interrupt.install()
        let bar = ProgressBar(enabled: !output.json)
        var curve = LossCurve(title: "\(preset) \(model.config.style.rawValue) on WikiText-2")
        let summary = try run.run(stopRequested: { interrupt.isRaised }) { event in
            switch event {
            case .step(let p):
                bar.update("step", done: p.report.step, total: p.totalSteps, suffix: String(
                    format: "loss %.4f  lr %.1e  %.0f tok/s  %@ ETA %@", p.report.loss, p.report.learningRate,
                    p.tokensPerSecond, Self.clock(p.elapsed), Self.clock(p.eta)))
                curve.train.append((Double(p.tokensSeen), Double(p.report.loss)))
            case .evaluated(let e):
                curve.validation.append((Double(e.tokensSeen), Double(e.loss)))
                bar.line(String(format: "step %5d  val loss %.4f  ppl %8.2f", e.step, e.loss, Foundation.exp(e.loss)))
                if let sample = e.sample { bar.line("  sample: \(oneLine(sample))") }
            }
        }
        let curvePath = outPath + ".loss.svg"
        try curve.svg().write(toFile: curvePath, atomically: true, encoding: .utf8)
        let report = Report(
            preset: preset, style: model.config.style.rawValue, parameters: model.parameterCount, steps: summary.steps,
            tokensSeen: summary.tokensSeen, seconds: summary.seconds, tokensPerS: summary.tokensPerSecond,
            finalTrainLoss: summary.finalTrainLoss, valLoss: summary.validationLoss,
            valPerplexity: summary.validationLoss.map { Foundation.exp($0) }, testLoss: summary.testLoss,
            testPerplexity: Foundation.exp(summary.testLoss), interrupted: summary.interrupted, checkpoint: outPath,
            metrics: options.metricsPath, lossCurve: curvePath)
        if output.json { try printJSON(report); return }
        print(String(format: "test loss %.4f  perplexity %.2f on test.bin (%d tokens)", summary.testLoss, report.testPerplexity, corpus.test.count))
        print("wrote \(outPath), \(options.metricsPath), \(curvePath)")
    }

    static func clock(_ s: Double) -> String {
        guard s.isFinite else { return "--:--" }
        let t = Int(s)
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%02d:%02d", t / 60, t % 60)
    }
}
