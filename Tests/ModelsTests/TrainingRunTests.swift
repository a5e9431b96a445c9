// TrainingRun, the whole run `lmlab train` drives: its schedule (evaluations before the first step, every evalEvery
// steps and after the last; saves every saveEvery steps and at the end, with the step-stamped and best copies), the
// metrics log (one line per step), a stop request, and a run resumed from its checkpoint through
// TrainingCheckpoint.resume that continues bit for bit like the run that never stopped. The corpus is prepared by
// DataPreparation from a small text, so PreparedCorpus reads what `lmlab prepare` writes.
import Foundation
import Tensor
import Tokenizers
import XCTest
@testable import Models

final class TrainingRunTests: XCTestCase {
    /// Records which model states the samples were drawn from (by step) and writes a recognisable text.
    final class RecordingSample: TrainingSample {
        var calls = 0
        func text(from model: GPT) throws -> String { calls += 1; return "sample \(calls)" }
    }

    func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmlab-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir.path
    }

    /// A prepared corpus in `dir`/cache/toy-300 from three small text splits.
    func preparedCorpus(in dir: String) throws -> PreparedCorpus {
        let corpus = dir + "/corpus"
        try FileManager.default.createDirectory(atPath: corpus, withIntermediateDirectories: true)
        let words = ["the", "cat", "sat", "on", "mat", "dog", "log", "a", "ran", "to", "and", "far", "away", "."]
        var rng = RandomGenerator(seed: 3)
        for split in ["train", "valid", "test"] {
            let text = (0..<(split == "train" ? 1500 : 400)).map { _ in words[rng.nextInt(below: words.count)] }
            try text.joined(separator: " ").write(toFile: "\(corpus)/\(split).txt", atomically: true, encoding: .utf8)
        }
        let prep = DataPreparation(corpusDirectory: corpus, corpusName: "toy", vocabSize: 300, cacheDirectory: dir + "/cache")
        try prep.run()
        return try PreparedCorpus(directory: prep.outputDirectory)
    }

    func config(_ corpus: PreparedCorpus) -> (TransformerConfig, TrainingConfig) {
        var model = TransformerConfig(style: .llama, vocabSize: corpus.meta.vocabSize, contextLength: 8, width: 16,
                                      layers: 1, heads: 2, kvHeads: 1)
        model.dropout = 0.1   // masks come from the trainer's RNG: a resume must carry it
        var training = TrainingConfig(batchSize: 2)
        training.steps = 7; training.warmupSteps = 2; training.evalEvery = 3; training.evalBatches = 2
        training.saveEvery = 2; training.seed = 5
        return (model, training)
    }

    func metricsLines(_ path: String) throws -> [TrainingMetrics] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            .map { line in
                // The log's own keys, read without lmlab's decoder: what jq or pandas would see.
                XCTAssertEqual(Set(line.keys).subtracting(["val_loss"]), ["step", "train_loss", "lr", "tokens_per_s", "time", "tokens_seen"])
                return TrainingMetrics(step: line["step"] as! Int, trainLoss: (line["train_loss"] as! NSNumber).floatValue,
                                       valLoss: (line["val_loss"] as? NSNumber)?.floatValue, lr: (line["lr"] as! NSNumber).floatValue,
                                       tokensPerS: line["tokens_per_s"] as! Double, time: line["time"] as! Double,
                                       tokensSeen: line["tokens_seen"] as! Int)
            }
    }

    func testScheduleEventsMetricsAndCheckpointCopies() throws {
        let dir = try temporaryDirectory()
        let corpus = try preparedCorpus(in: dir)
        let (model, training) = config(corpus)
        let trainer = try Trainer(model: GPT(config: model, seed: training.seed), config: training, train: corpus.train,
                                  validation: corpus.validation)
        var options = TrainingRun.Options(checkpointPath: dir + "/out/run.h5")   // the folder is created
        options.keep = 2
        options.keepBest = true
        let sample = RecordingSample()
        let run = TrainingRun(trainer: trainer, tokenizer: corpus.tokenizer, test: corpus.test, options: options, sample: sample)
        var steps: [Int] = [], evaluations: [Int] = [], samples: [String] = []
        let summary = try run.run { event in
            switch event {
            case .step(let p): steps.append(p.report.step); XCTAssertEqual(p.totalSteps, 7)
            case .evaluated(let e): evaluations.append(e.step); samples.append(e.sample ?? "none")
            }
        }
        XCTAssertEqual(steps, Array(1...7))
        XCTAssertEqual(evaluations, [0, 3, 6, 7], "before the first step, every evalEvery steps, after the last")
        XCTAssertEqual(samples, ["sample 1", "sample 2", "sample 3", "sample 4"])
        XCTAssertEqual(summary.steps, 7)
        XCTAssertFalse(summary.interrupted)
        XCTAssertEqual(summary.tokensSeen, 7 * 2 * 8)
        XCTAssertTrue(summary.testLoss.isFinite && summary.testLoss > 0, "test loss \(summary.testLoss)")
        XCTAssertEqual(summary.validationLoss, trainer.state.lastValidationLoss)

        let lines = try metricsLines(options.metricsPath)
        XCTAssertEqual(lines.map(\.step), Array(1...7))
        XCTAssertEqual(lines.map { $0.valLoss != nil }, [false, false, true, false, false, true, true])
        XCTAssertEqual(lines.last?.tokensSeen, summary.tokensSeen)
        XCTAssertEqual(lines.last?.trainLoss, summary.finalTrainLoss)

        // Saves at steps 2, 4, 6 and the end (7); the last two stamped copies are kept, and the best-validation copy.
        let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/out").sorted()
        XCTAssertEqual(files, ["run.best.h5", "run.h5", "run.h5.metrics.jsonl", "run.step0000006.h5", "run.step0000007.h5"])
        let saved = try Checkpoint.load(path: options.checkpointPath)
        XCTAssertEqual(saved.state, trainer.state)
        XCTAssertEqual(saved.tokenizer?.vocabSize, corpus.tokenizer.vocabSize)
    }

    func testStoppedRunResumedFromItsCheckpointContinuesExactly() throws {
        let dir = try temporaryDirectory()
        let corpus = try preparedCorpus(in: dir)
        let (model, training) = config(corpus)

        let straight = try Trainer(model: GPT(config: model, seed: training.seed), config: training, train: corpus.train,
                                   validation: corpus.validation)
        let straightOptions = TrainingRun.Options(checkpointPath: dir + "/straight.h5")
        _ = try TrainingRun(trainer: straight, tokenizer: corpus.tokenizer, test: corpus.test, options: straightOptions).run { _ in }

        // The same run, asked to stop after step 4 (as Ctrl-C does): it evaluates once more and saves.
        let first = try Trainer(model: GPT(config: model, seed: training.seed), config: training, train: corpus.train,
                                validation: corpus.validation)
        var options = TrainingRun.Options(checkpointPath: dir + "/resumed.h5")
        var evaluations: [Int] = []
        let stopped = try TrainingRun(trainer: first, tokenizer: corpus.tokenizer, test: corpus.test, options: options)
            .run(stopRequested: { first.state.step >= 4 }) { if case .evaluated(let e) = $0 { evaluations.append(e.step) } }
        XCTAssertTrue(stopped.interrupted)
        XCTAssertEqual(stopped.steps, 4)
        XCTAssertEqual(evaluations, [0, 3, 4], "a stopped run evaluates once more")

        let second = try TrainingCheckpoint.resume(options.checkpointPath, on: corpus)
        XCTAssertEqual(second.state.step, 4)
        options.appendMetrics = true
        let resumed = try TrainingRun(trainer: second, tokenizer: corpus.tokenizer, test: corpus.test, options: options).run { _ in }
        XCTAssertEqual(resumed.steps, 7)
        XCTAssertFalse(resumed.interrupted)

        for ((name, a), (_, b)) in zip(straight.model.namedParameters(), second.model.namedParameters()) {
            XCTAssertEqual(a.scalars, b.scalars, "weights of \(name) differ after resuming")
        }
        XCTAssertEqual(second.state.rng, straight.state.rng)
        let a = try metricsLines(straightOptions.metricsPath), b = try metricsLines(options.metricsPath)
        XCTAssertEqual(b.map(\.step), Array(1...7), "the resumed run appends to the log")
        XCTAssertEqual(b.map(\.trainLoss), a.map(\.trainLoss))
        XCTAssertEqual(b.map(\.lr), a.map(\.lr))
        XCTAssertEqual(b.map(\.valLoss), a.map(\.valLoss))
    }

    func testResumeNeedsTrainingStateAndTheSameVocabulary() throws {
        let dir = try temporaryDirectory()
        let corpus = try preparedCorpus(in: dir)
        let (model, _) = config(corpus)
        let modelOnly = dir + "/model-only.h5"
        try Checkpoint.save(to: modelOnly, model: GPT(config: model, seed: 1))
        XCTAssertThrowsError(try TrainingCheckpoint.resume(modelOnly, on: corpus)) { error in
            XCTAssertEqual(error as? CheckpointError, .noTrainingState(path: modelOnly))
            XCTAssertTrue("\(error)".contains("cannot resume from it exactly"), "\(error)")
        }

        var other = model
        other.vocabSize += 1
        let trainer = try Trainer(model: GPT(config: other, seed: 1), config: TrainingConfig(batchSize: 2),
                                  train: corpus.train, validation: corpus.validation)
        let path = dir + "/other-vocab.h5"
        try TrainingCheckpoint.save(path, trainer: trainer, tokenizer: nil, keep: 0, keepBest: false, compression: nil)
        XCTAssertThrowsError(try TrainingCheckpoint.resume(path, on: corpus)) { error in
            XCTAssertTrue("\(error)".contains("has a vocabulary of \(other.vocabSize) but \(corpus.directory)"), "\(error)")
        }
    }

    /// The --minutes planner: steps that fit the time left at the measured pace, room kept for the last evaluation.
    func testTimeBudgetPlansFromMeasuredTime() {
        let tenSecondsAgo = Date().addingTimeInterval(-10)
        var budget = TimeBudget(seconds: 100, start: tenSecondsAgo, firstStep: 0, warmupSteps: 30)
        XCTAssertEqual(budget.guessStep, 10)
        XCTAssertEqual(budget.planStep, 30)
        XCTAssertFalse(budget.isUp)
        XCTAssertNil(budget.afterStep(9, stepSeconds: 0.9, lastEvaluation: 0, evalEvery: 10))
        // Guess at step 10: 0.1 s/step of step time + 2 s of evaluation per 10 steps = 0.3 s/step; 100 − 10 − 2 s left.
        let guess = budget.afterStep(10, stepSeconds: 1.0, lastEvaluation: 2, evalEvery: 10)
        XCTAssertEqual(Double(guess ?? 0), 10 + 88 / 0.3, accuracy: 2)
        XCTAssertNil(budget.afterEvaluation(20, lastEvaluation: 2), "no re-plan before the plan")
        XCTAssertTrue(TimeBudget(seconds: 5, start: tenSecondsAgo, firstStep: 0, warmupSteps: 0).isUp)
        // Out of time: still one more step, never zero or negative.
        var late = TimeBudget(seconds: 5, start: tenSecondsAgo, firstStep: 0, warmupSteps: 0)
        XCTAssertEqual(late.afterStep(10, stepSeconds: 1, lastEvaluation: 0, evalEvery: 10), 11)
    }
}
