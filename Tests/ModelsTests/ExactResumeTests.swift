// Exact resume: train K steps, save a checkpoint, load it and continue to N, and compare with a run that never
// stopped — losses, weights and optimizer moments must be bit-identical.
import XCTest
import Foundation
import Tensor
import Tokenizers
@testable import Models

final class ExactResumeTests: XCTestCase {
    func makeRun() throws -> (config: TransformerConfig, training: TrainingConfig, tokens: [Int32]) {
        var config = GPTTests.toyConfig(.llama)
        config.dropout = 0.1  // dropout masks come from the trainer's RNG, which the checkpoint must carry
        var training = TrainingConfig(batchSize: 3)
        training.steps = 9; training.warmupSteps = 3; training.evalBatches = 2; training.seed = 11
        var rng = RandomGenerator(seed: 12)
        let tokens = (0..<4000).map { _ in Int32(rng.nextInt(below: config.vocabSize)) }
        return (config, training, tokens)
    }

    func testResumeIsBitIdenticalToAnUninterruptedRun() throws {
        let (config, training, tokens) = try makeRun()
        let straight = try Trainer(model: GPT(config: config, seed: training.seed), config: training, train: tokens, validation: tokens)
        let straightLosses = (0..<9).map { _ in straight.step().loss }
        let straightVal = straight.evaluate()

        let first = try Trainer(model: GPT(config: config, seed: training.seed), config: training, train: tokens, validation: tokens)
        var resumedLosses = (0..<4).map { _ in first.step().loss }
        let path = NSTemporaryDirectory() + "lmlab-resume-\(UUID().uuidString).h5"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Checkpoint.save(to: path, model: first.model, trainingConfig: first.config, state: first.state, optimizer: first.optimizer)

        let loaded = try Checkpoint.load(path: path)
        let second = try Trainer(model: loaded.model, config: try XCTUnwrap(loaded.trainingConfig), train: tokens,
                                 validation: tokens, state: try XCTUnwrap(loaded.state))
        try loaded.restore(into: second.optimizer)
        resumedLosses += (4..<9).map { _ in second.step().loss }

        XCTAssertEqual(resumedLosses, straightLosses, "losses of the resumed run differ from the uninterrupted run")
        XCTAssertEqual(second.evaluate(), straightVal)
        XCTAssertEqual(second.state.step, 9)
        XCTAssertEqual(second.state.rng, straight.state.rng)
        for ((name, a), (_, b)) in zip(straight.model.namedParameters(), second.model.namedParameters()) {
            XCTAssertEqual(a.scalars, b.scalars, "weights of \(name) differ after resuming")
        }
        for i in straight.optimizer.parameters.indices {
            XCTAssertEqual(straight.optimizer.m[i].scalars, second.optimizer.m[i].scalars, "first moment \(i) differs")
            XCTAssertEqual(straight.optimizer.v[i].scalars, second.optimizer.v[i].scalars, "second moment \(i) differs")
        }
    }

    /// Without the optimizer moments the continuation is not the same run: the test above can tell.
    func testResumeWithoutOptimizerStateDiverges() throws {
        let (config, training, tokens) = try makeRun()
        let straight = try Trainer(model: GPT(config: config, seed: training.seed), config: training, train: tokens, validation: tokens)
        let straightLosses = (0..<9).map { _ in straight.step().loss }
        let first = try Trainer(model: GPT(config: config, seed: training.seed), config: training, train: tokens, validation: tokens)
        var losses = (0..<4).map { _ in first.step().loss }
        let second = try Trainer(model: first.model, config: training, train: tokens, validation: tokens, state: first.state)
        losses += (4..<9).map { _ in second.step().loss }  // fresh AdamW moments
        XCTAssertNotEqual(losses, straightLosses)
    }
}
