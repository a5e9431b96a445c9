// `lmlab train`: train a tiny GPT on prepared token streams, with a live progress bar, periodic validation and
// samples, a metrics log, a loss-curve SVG, checkpoints, and a clean stop on Ctrl-C.
import ArgumentParser
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

    struct Metrics: Encodable {
        var step: Int, trainLoss: Float, valLoss: Float?, lr: Float, tokensPerS: Double, time: Double, tokensSeen: Int
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
        let dataDir = data ?? "corpora/cache/wikitext-2-\(config.vocabSize)"
        let meta = try DataPreparation.meta(in: dataDir)
        guard resume != nil || meta.vocabSize == config.vocabSize else {
            throw ModelError.invalidConfig("\(dataDir) was prepared with vocabulary \(meta.vocabSize), preset \(preset) needs \(config.vocabSize): run `lmlab prepare --vocab-size \(config.vocabSize)`")
        }
        let tokenizer = try BPETokenizer(contentsOf: "\(dataDir)/\(meta.tokenizer)")
        let trainTokens = try TokenFile.read("\(dataDir)/train.bin", dtype: meta.dtype, vocabSize: meta.vocabSize)
        let valTokens = try TokenFile.read("\(dataDir)/val.bin", dtype: meta.dtype, vocabSize: meta.vocabSize)
        let testTokens = try TokenFile.read("\(dataDir)/test.bin", dtype: meta.dtype, vocabSize: meta.vocabSize)
        let outPath = out ?? "checkpoints/\(preset)-\(style.rawValue).h5"

        var tc = trainingConfig
        let trainer: Trainer
        if let resume {
            let restored = try TrainingCheckpoint.load(resume)
            tc = restored.trainingConfig
            if let steps { tc.steps = steps }
            guard restored.model.config.vocabSize == meta.vocabSize else {
                throw ModelError.invalidConfig("\(resume) has a vocabulary of \(restored.model.config.vocabSize) but \(dataDir) was prepared with \(meta.vocabSize)")
            }
            trainer = try Trainer(model: restored.model, config: tc, train: trainTokens, validation: valTokens, state: restored.state)
            try restored.restoreOptimizer(trainer.optimizer)
        } else {
            trainer = try Trainer(model: GPT(config: config, seed: seed), config: tc, train: trainTokens, validation: valTokens)
        }
        let model = trainer.model
        let say = output.json ? { (_: String) in } : { (s: String) in print(s) }
        say("\(preset)/\(model.config.style.rawValue): \(model.parameterCount.formatted()) parameters, batch \(tc.batchSize)×\(model.config.contextLength) tokens"
            + (tc.gradientAccumulation > 1 ? " ×\(tc.gradientAccumulation) accumulated" : "")
            + ", \(trainTokens.count.formatted()) training tokens, \(Parallel.threads) threads"
            + (resume.map { ", resuming \($0) at step \(trainer.state.step)" } ?? ""))

        let interrupt = InterruptFlag()
        interrupt.install()
        let bar = ProgressBar(enabled: !output.json)
        let metricsPath = outPath + ".metrics.jsonl", curvePath = outPath + ".loss.svg"
        let metricsFile = try MetricsLog(path: metricsPath, append: resume != nil)
        var curve = LossCurve(title: "\(preset) \(model.config.style.rawValue) on WikiText-2")
        let promptIDs = tokenizer.encode(samplePrompt, addSpecial: false)
        let runStart = Date()
        var totalSteps = tc.steps
        var lastLoss: Float = .nan
        var windowTokens = 0, windowTime = 0.0
        var evalSeconds = 0.0

        func evaluate() {
            let evalStart = Date()
            defer { evalSeconds = Date().timeIntervalSince(evalStart) }
            let v = trainer.evaluate()
            curve.validation.append((Double(trainer.state.tokensSeen), Double(v)))
            bar.line(String(format: "step %5d  val loss %.4f  ppl %8.2f", trainer.state.step, v, Foundation.exp(v)))
            if !promptIDs.isEmpty {
                let sample = model.greedy(Array(promptIDs.suffix(model.config.contextLength - 24)), maxNewTokens: 24)
                bar.line("  sample: \((samplePrompt + tokenizer.decode(sample)).replacingOccurrences(of: "\n", with: "⏎"))")
            }
        }
        func save() throws {
            try TrainingCheckpoint.save(outPath, trainer: trainer, tokenizer: tokenizer, keep: keep, keepBest: keepBest,
                                        compression: compress == 0 ? nil : compress)
        }

        if trainer.state.step == 0 { evaluate() }
        // --minutes: the run length (and so the cosine horizon) comes from measured wall time. A first guess after 10
        // steps, the plan at the end of warm-up (whose learning rates do not depend on the horizon), then a re-plan
        // after each evaluation from the wall time per step since warm-up — evaluations and saves included — so the
        // decay reaches --min-lr when time is up. The clock has the last word: time up stops the run regardless.
        let firstStep = trainer.state.step
        let guessStep = firstStep + 10, planStep = max(guessStep, tc.warmupSteps)
        var mark = (time: runStart, step: firstStep)
        func plan(secondsPerStep: Double) {
            guard let minutes else { return }
            let remaining = minutes * 60 - Date().timeIntervalSince(runStart) - evalSeconds  // the final evaluation
            totalSteps = trainer.state.step + max(1, Int(remaining / secondsPerStep))
            trainer.setTotalSteps(totalSteps)
        }
        func wallPerStep() -> Double { Date().timeIntervalSince(mark.time) / Double(max(1, trainer.state.step - mark.step)) }
        while trainer.state.step < totalSteps && !interrupt.isRaised {
            let r = trainer.step()
            lastLoss = r.loss
            windowTokens += r.tokens; windowTime += r.seconds
            let tokensPerSecond = Double(windowTokens) / max(windowTime, 1e-9)
            if trainer.state.step == guessStep || (trainer.state.step == planStep && planStep > guessStep) {
                let evalShare = evalSeconds / Double(tc.evalEvery)
                plan(secondsPerStep: (trainer.state.step == guessStep ? windowTime / 10 : wallPerStep()) + evalShare)
                mark = (Date(), trainer.state.step)
            }
            if let minutes, Date().timeIntervalSince(runStart) > minutes * 60 { totalSteps = trainer.state.step }
            let elapsed = Date().timeIntervalSince(runStart)
            let eta = Double(totalSteps - trainer.state.step) * windowTime / Double(max(1, windowTokens / r.tokens))
            bar.update("step", done: trainer.state.step, total: totalSteps, suffix: String(
                format: "loss %.4f  lr %.1e  %.0f tok/s  %@ ETA %@", r.loss, r.learningRate, tokensPerSecond,
                Self.clock(elapsed), Self.clock(eta)))
            curve.train.append((Double(trainer.state.tokensSeen), Double(r.loss)))
            var valLoss: Float? = nil
            if trainer.state.step % tc.evalEvery == 0 || trainer.state.step == totalSteps {
                evaluate()
                valLoss = trainer.state.lastValidationLoss
            }
            try metricsFile.append(Metrics(step: trainer.state.step, trainLoss: r.loss, valLoss: valLoss, lr: r.learningRate,
                                           tokensPerS: tokensPerSecond, time: trainer.state.elapsedSeconds, tokensSeen: trainer.state.tokensSeen))
            if tc.saveEvery > 0 && trainer.state.step % tc.saveEvery == 0 && trainer.state.step < totalSteps { try save() }
            if valLoss != nil && trainer.state.step > planStep && trainer.state.step < totalSteps { plan(secondsPerStep: wallPerStep()) }
        }
        if interrupt.isRaised { evaluate() }
        try save()
        try curve.svg().write(toFile: curvePath, atomically: true, encoding: .utf8)
        let testLoss = model.meanLoss(over: testTokens, batchSize: tc.batchSize)
        let seconds = Date().timeIntervalSince(runStart)
        let report = Report(
            preset: preset, style: model.config.style.rawValue, parameters: model.parameterCount, steps: trainer.state.step,
            tokensSeen: trainer.state.tokensSeen, seconds: seconds, tokensPerS: Double(windowTokens) / max(windowTime, 1e-9),
            finalTrainLoss: lastLoss, valLoss: trainer.state.lastValidationLoss,
            valPerplexity: trainer.state.lastValidationLoss.map { Foundation.exp($0) }, testLoss: testLoss,
            testPerplexity: Foundation.exp(testLoss), interrupted: interrupt.isRaised, checkpoint: outPath,
            metrics: metricsPath, lossCurve: curvePath)
        if output.json { try printJSON(report); return }
        print(String(format: "test loss %.4f  perplexity %.2f on test.bin (%d tokens)", testLoss, report.testPerplexity, testTokens.count))
        print("wrote \(outPath), \(metricsPath), \(curvePath)")
    }

    static func clock(_ s: Double) -> String {
        guard s.isFinite else { return "--:--" }
        let t = Int(s)
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%02d:%02d", t / 60, t % 60)
    }
}

/// Appends one JSON object per line.
final class MetricsLog {
    let handle: FileHandle
    let encoder = JSONEncoder()

    init(path: String, append: Bool) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent,
                               withIntermediateDirectories: true)
        if !append || !fm.fileExists(atPath: path) { fm.createFile(atPath: path, contents: nil) }
        guard let h = FileHandle(forWritingAtPath: path) else { throw ModelError.invalidConfig("cannot write \(path)") }
        h.seekToEndOfFile()
        handle = h
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
    }

    func append<T: Encodable>(_ value: T) throws {
        handle.write(try encoder.encode(value) + Data("\n".utf8))
    }

    deinit { try? handle.close() }
}

/// The one place training talks to checkpoint files (HDF5 checkpoints: `Models/Checkpoint.swift`).
enum TrainingCheckpoint {
    struct Restored {
        var model: GPT, trainingConfig: TrainingConfig, state: TrainingState
        var restoreOptimizer: (AdamW) throws -> Void
    }

    /// Writes `path` atomically (Checkpoint.save writes path.tmp and renames it), then the extra copies:
    /// `<name>.step<N>.h5` (the last `keep` of them are kept) and `<name>.best.h5` when this is the best validation.
    static func save(_ path: String, trainer: Trainer, tokenizer: BPETokenizer, keep: Int, keepBest: Bool,
                     compression: Int?) throws {
        try Checkpoint.save(to: path, model: trainer.model, trainingConfig: trainer.config, state: trainer.state,
                            optimizer: trainer.optimizer, tokenizer: tokenizer, compression: compression)
        let base = path.hasSuffix(".h5") ? String(path.dropLast(3)) : path
        if keep > 0 {
            try copyAtomically(path, to: base + String(format: ".step%07d.h5", trainer.state.step))
            let dir = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
            let prefix = (base as NSString).lastPathComponent + ".step"
            let stamped = try FileManager.default.contentsOfDirectory(atPath: dir)
                .filter { $0.hasPrefix(prefix) && $0.hasSuffix(".h5") }.sorted()
            for old in stamped.dropLast(keep) { try? FileManager.default.removeItem(atPath: dir + "/" + old) }
        }
        if keepBest, let last = trainer.state.lastValidationLoss, last == trainer.state.bestValidationLoss {
            try copyAtomically(path, to: base + ".best.h5")
        }
    }

    static func copyAtomically(_ source: String, to destination: String) throws {
        let tmp = destination + ".tmp"
        try? FileManager.default.removeItem(atPath: tmp)
        try FileManager.default.copyItem(atPath: source, toPath: tmp)
        guard rename(tmp, destination) == 0 else {
            throw CheckpointCopyError(path: destination, reason: String(cString: strerror(errno)))
        }
    }

    static func load(_ path: String) throws -> Restored {
        let loaded = try Checkpoint.load(path: path)
        guard let tc = loaded.trainingConfig, let state = loaded.state, loaded.hasOptimizerState else {
            throw CheckpointCopyError(path: path, reason: "holds a model but no training state (optimizer moments, step, RNG), so training cannot resume from it exactly — start a new run, or sample from it with lmlab generate")
        }
        return Restored(model: loaded.model, trainingConfig: tc, state: state, restoreOptimizer: { try loaded.restore(into: $0) })
    }
}

struct CheckpointCopyError: Error, CustomStringConvertible {
    var path: String, reason: String
    var description: String { "\(path): \(reason)" }
}
