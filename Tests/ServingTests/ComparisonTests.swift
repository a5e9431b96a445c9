// Comparison (lmlab compare, /v1/compare) and TrainingLog (/v1/training): the strategy syntax with its errors, the
// repetition figures on sequences counted by hand, a comparison on the tiny GPT whose rows agree with the plain
// completions they summarise, and the metrics file read as `lmlab train` writes it (also half-written).
import Decoding
import Foundation
import XCTest
@testable import Serving

final class ComparisonTests: XCTestCase {
    func testStrategySyntax() throws {
        let s = try DecodingStrategy("top-p:0.9@0.8")
        XCTAssertEqual(s.sampling.topP, 0.9)
        XCTAssertEqual(s.sampling.temperature, 0.8)
        XCTAssertEqual(s.beams, 1)
        let beam = try DecodingStrategy("beam:4")
        XCTAssertEqual(beam.beams, 4)
        XCTAssertTrue(beam.sampling.isGreedy)
        XCTAssertEqual(try DecodingStrategy("top-k:40").sampling.topK, 40)
        XCTAssertEqual(try DecodingStrategy("top-k:40").sampling.temperature, 1, "sampling strategies default to T = 1")
        XCTAssertTrue(try DecodingStrategy("greedy").sampling.isGreedy)
        for (text, reason) in [("top-k:0", "k must be ≥ 1"), ("temp:0", "temperature must be > 0 (use greedy for 0)"),
                               ("top-p:1.5", "p must be in (0, 1]"), ("top-p", "top-p needs a value, e.g. top-p:0.9"),
                               ("top-p:0.9@0", "@T needs a temperature > 0"), ("nucleus:0.9", "expected greedy, beam:N, top-k:K, top-p:P, min-p:P, typical:P or temp:T"),
                               ("", "expected \(DecodingStrategy.forms)")] {
            XCTAssertThrowsError(try DecodingStrategy(text), text) { error in
                XCTAssertEqual(error as? DecodingStrategy.Invalid, .init(text: text, reason: reason))
            }
        }
    }

    /// [1 2 1 2 1]: bigrams 12 21 12 21 (2 distinct of 4); 3-grams 121 212 121 (one repeat).
    func testRepetitionFigures() {
        XCTAssertEqual(Comparison.distinct([1, 2, 1, 2, 1], n: 2), 0.5)
        XCTAssertEqual(Comparison.repeated([1, 2, 1, 2, 1], n: 3), 1)
        XCTAssertEqual(Comparison.distinct([1, 2, 3, 4], n: 2), 1)
        XCTAssertEqual(Comparison.repeated([7, 7, 7, 7, 7, 7], n: 3), 3)
        XCTAssertEqual(Comparison.distinct([5], n: 2), 1, "no bigram: nothing repeats")
        XCTAssertEqual(Comparison.repeated([5, 6], n: 3), 0)
    }

    /// Each row is the plain completion of its strategy (same text, same seed), and its mean log p is the mean of the
    /// continuation's teacher-forced scores.
    func testRowsSummariseTheCompletions() throws {
        let path = ModelHandleTests.tiny
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) absent (lesson 1 trains it)") }
        let model = try ModelHandle(path: path)
        let strategies = try ["greedy", "beam:3", "top-k:20@0.8"].map(DecodingStrategy.init)
        let rows = try model.compare(prompt: " The game", strategies: strategies, maxTokens: 12, seed: 7)
        XCTAssertEqual(rows.map(\.strategy), ["greedy", "beam:3", "top-k:20@0.8"])
        for (row, s) in zip(rows, strategies) {
            let alone = try model.complete(s.request(prompt: " The game", maxTokens: 12, seed: 7, parseSpecial: false))
            XCTAssertEqual(row.text, alone.choices[0].text, s.name)
            XCTAssertEqual(row.tokens, alone.choices[0].tokens.count, s.name)
            let ids = alone.promptTokens, new = alone.choices[0].tokens
            let scores = try Scoring.score(model.runtime, ids + new, from: ids.count)
            XCTAssertEqual(row.meanLogprob, scores.map(\.logprob).reduce(0, +) / Double(scores.count), accuracy: 1e-9, s.name)
            XCTAssertEqual(row.distinct2, Comparison.distinct(new, n: 2), s.name)
            XCTAssertLessThan(row.meanLogprob, 0)
        }
        XCTAssertGreaterThanOrEqual(rows[0].meanLogprob, rows[2].meanLogprob, "greedy's text is at least as probable as sampled text")
    }
}

final class TrainingLogTests: XCTestCase {
    func write(_ text: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmlab-traininglog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let checkpoint = dir.appendingPathComponent("run.h5").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: TrainingLog.metricsPath(checkpoint: checkpoint)))
        return checkpoint
    }

    /// Lines as `lmlab train` writes them (sorted snake_case keys); the last one cut mid-write is skipped.
    func testReadsTheMetricsFileAndSkipsAHalfWrittenLine() throws {
        let checkpoint = try write("""
            {"lr":1e-05,"step":1,"time":0.4,"tokens_per_s":5130.9,"tokens_seen":2048,"train_loss":8.34}
            {"lr":2e-05,"step":2,"time":0.7,"tokens_per_s":5665.1,"tokens_seen":4096,"train_loss":8.33,"val_loss":8.1}
            {"lr":3e-05,"step":3,"ti
            """)
        let log = try TrainingLog(checkpoint: checkpoint)
        XCTAssertTrue(log.found)
        XCTAssertEqual(log.name, "run")
        XCTAssertEqual(log.steps, 2)
        XCTAssertEqual(log.points, [
            .init(step: 1, tokensSeen: 2048, trainLoss: 8.34, lr: 1e-05, time: 0.4),
            .init(step: 2, tokensSeen: 4096, trainLoss: 8.33, valLoss: 8.1, lr: 2e-05, time: 0.7),
        ])
    }

    func testMissingFileIsAnEmptyLog() throws {
        let log = try TrainingLog(checkpoint: "/nonexistent/run.h5")
        XCTAssertFalse(log.found)
        XCTAssertEqual(log.points, [])
    }

    /// 1000 steps thinned to 100: every 10th, every evaluation (every 75th step), and the last.
    func testThinningKeepsEvaluationsAndTheLastPoint() {
        let all = (1...1000).map { TrainingLog.Point(step: $0, trainLoss: 1, valLoss: $0 % 75 == 0 ? 2 : nil) }
        let thin = TrainingLog.thinned(all, to: 100)
        XCTAssertEqual(thin.filter { $0.valLoss != nil }.count, 13)
        XCTAssertEqual(thin.last?.step, 1000)
        XCTAssertEqual(thin.first?.step, 1)
        XCTAssertLessThanOrEqual(thin.count, 100 + 13 + 1)
        XCTAssertEqual(TrainingLog.thinned(Array(all.prefix(50)), to: 100).count, 50, "short logs stay whole")
    }
}
