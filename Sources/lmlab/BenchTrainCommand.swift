// `lmlab bench train`: training throughput on random tokens, the measurement `../shared/peers/torch_train.py`
// makes for PyTorch (same presets, styles, AdamW, clipping and thread count), so the two can run side by side.
import ArgumentParser
import Foundation
import Models
import Tensor

struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Measure training tokens/s and ms/step of a preset on random tokens.")

    @Option(help: "Model preset: tiny, small or lecture.") var preset = "tiny"
    @Option(help: "Block style: gpt2 or llama.") var style: TransformerConfig.Style = .gpt2
    @Option(help: "Threads for lmlab's kernels and OpenBLAS.") var threads = Parallel.threads
    @Option(help: "Timed steps.") var steps = 30
    @Option(help: "Untimed warm-up steps.") var warmup = 5
    @Option(help: "Random seed.") var seed: UInt64 = 1337
    @OptionGroup var output: JSONOption

    func validate() throws {
        guard TransformerConfig.presets[preset] != nil else {
            throw ValidationError("--preset must be one of \(TransformerConfig.presets.keys.sorted().joined(separator: ", ")) (got \(preset))")
        }
        guard threads >= 1, steps >= 1, warmup >= 0 else { throw ValidationError("--threads and --steps must be ≥ 1, --warmup ≥ 0") }
    }

    struct Report: Encodable {
        var preset: String, style: String, threads: Int, parameters: Int, batch: Int, context: Int, steps: Int
        var tokensPerS: Double, msPerStep: Double, msPerStepMedian: Double, lossStart: Float, lossEnd: Float, peakRssMib: Double
    }

    func run() throws {
        Parallel.setThreads(threads)
        let config = (TransformerConfig.presets[preset] ?? .tiny).with(style: style)
        var tc = TrainingConfig.presets[preset] ?? TrainingConfig()
        tc.steps = warmup + steps; tc.warmupSteps = 1; tc.learningRate = 3e-4; tc.minLearningRate = 3e-4; tc.evalBatches = 1
        var rng = RandomGenerator(seed: seed)
        let tokens = (0..<200_000).map { _ in Int32(rng.nextInt(below: config.vocabSize)) }
        let trainer = try runOrExit {
            try Trainer(model: GPT(config: config, seed: seed), config: tc, train: tokens, validation: tokens)
        }
        for _ in 0..<warmup { _ = trainer.step() }
        var times: [Double] = [], losses: [Float] = []
        let start = now()
        for _ in 0..<steps {
            let r = trainer.step()
            times.append(r.seconds); losses.append(r.loss)
        }
        let elapsed = now() - start
        let tokensPerStep = tc.batchSize * config.contextLength
        let report = Report(preset: preset, style: style.rawValue, threads: threads, parameters: trainer.model.parameterCount,
                            batch: tc.batchSize, context: config.contextLength, steps: steps,
                            tokensPerS: Double(tokensPerStep * steps) / elapsed, msPerStep: 1000 * elapsed / Double(steps),
                            msPerStepMedian: 1000 * median(times), lossStart: losses.first!, lossEnd: losses.last!,
                            peakRssMib: peakResidentMiB())
        if output.json { try printJSON(report); return }
        print("lmlab bench train — \(preset)/\(style.rawValue), \(threads) thread(s), \(report.parameters.formatted()) parameters, batch \(tc.batchSize)×\(config.contextLength)")
        print(String(format: "timed %d steps: %.0f tokens/s, %.1f ms/step (median %.1f ms), loss %.3f → %.3f, peak RSS %.0f MiB",
                     steps, report.tokensPerS, report.msPerStep, report.msPerStepMedian, report.lossStart, report.lossEnd, report.peakRssMib))
    }
}
