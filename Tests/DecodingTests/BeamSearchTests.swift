import Foundation
import XCTest
@testable import Decoding

final class BeamSearchTests: XCTestCase {
    /// S → a 0.6 | b 0.4;  a → x 0.4 | y 0.3 | z 0.3;  b → x 0.9 | y 0.1 (others ~0).
    /// Greedy takes a, then x: p = 0.24. The best two-token sequence is b x: p = 0.36.
    func model() -> ToyModel {
        let alphabet = "Sabxyz"
        func row(_ p: [Character: Double]) -> [Float] {
            let raw = alphabet.map { p[$0] ?? 1e-9 }
            let z = raw.reduce(0, +)
            return raw.map { Float(Foundation.log($0 / z)) }
        }
        return ToyModel(table: [
            row(["a": 0.6, "b": 0.4]),                 // after S
            row(["x": 0.4, "y": 0.3, "z": 0.3]),       // after a
            row(["x": 0.9, "y": 0.1]),                 // after b
            row(["a": 1]), row(["a": 1]), row(["a": 1]),
        ], alphabet: alphabet)
    }

    func testBeamsFindTheSequenceGreedyMisses() throws {
        let m = model()
        var greedy = Sampler(parameters: .greedy, seed: 0)
        var options = GenerationOptions()
        options.maxTokens = 2
        let g = try Generator(model: m, tokenizer: m.charTokenizer).run(prompt: [0], sampler: &greedy, options: options)
        XCTAssertEqual(g.text, "ax")

        var params = BeamSearchParameters()
        params.numBeams = 2
        params.numReturnSequences = 2
        let hyps = try BeamSearch(model: m, parameters: params).run(prompt: [0], maxTokens: 2)
        XCTAssertEqual(hyps.map(\.tokens), [[2, 3], [1, 3]], "b x, then a x")
        XCTAssertEqual(hyps[0].score, Foundation.log(0.36) / 2, accuracy: 1e-5, "Σ log p / length¹")
        XCTAssertEqual(hyps[1].score, Foundation.log(0.24) / 2, accuracy: 1e-5)
    }

    /// A search whose `isCancelled` turns true (a server's client went away) stops before its next step with
    /// CancellationError: with the answer after 3 steps, exactly 3 steps ran (of 40).
    func testACancelledSearchStopsBeforeItsNextStep() throws {
        let m = model()
        var params = BeamSearchParameters()
        params.numBeams = 2
        var steps = 0
        XCTAssertThrowsError(try BeamSearch(model: m, parameters: params).run(prompt: [0], maxTokens: 40,
                                                                              onStep: { _ in steps += 1 },
                                                                              isCancelled: { steps >= 3 })) { error in
            XCTAssertTrue(error is CancellationError, "\(error)")
        }
        XCTAssertEqual(steps, 3)
        // Never cancelled: it runs to its end.
        XCTAssertNoThrow(try BeamSearch(model: m, parameters: params).run(prompt: [0], maxTokens: 2, isCancelled: { false }))
    }

    /// The trace of the search above, worked out by hand: step 0 weighs the prompt's continuations (a 0.6, b 0.4,
    /// then the ~0 ones) and keeps a and b; step 1 is the last (every candidate ends): b x (0.36) and a x (0.24)
    /// finish, a y, a z, b y… are pruned.
    func testTraceShowsKeptPrunedAndFinishedCandidates() throws {
        let m = model()
        var params = BeamSearchParameters()
        params.numBeams = 2
        params.numReturnSequences = 2
        var steps: [BeamSearchStep] = []
        let hyps = try BeamSearch(model: m, parameters: params).run(prompt: [0], maxTokens: 2) { steps.append($0) }
        XCTAssertEqual(steps.map(\.step), [0, 1])
        XCTAssertEqual(steps[0].candidates.count, 4, "one beam × 2·numBeams candidates")
        XCTAssertEqual(steps[0].kept.map(\.token), [1, 2], "a, then b")
        XCTAssertEqual(steps[0].kept.map(\.parent), [0, 0])
        XCTAssertEqual(steps[0].kept[1].score, Foundation.log(0.4), accuracy: 1e-5)
        XCTAssertTrue(steps[0].finished.isEmpty)
        XCTAssertEqual(steps[0].candidates.filter(\.isPruned).count, 2)

        XCTAssertEqual(steps[1].candidates.count, 8, "two beams × 4")
        XCTAssertTrue(steps[1].kept.isEmpty, "the last step keeps no beam")
        XCTAssertEqual(steps[1].finished.map { [steps[0].kept[$0.parent].token, $0.token] }, [[2, 3], [1, 3]])
        XCTAssertEqual(steps[1].finished.map { $0.finishedScore! }, hyps.map(\.score))
        XCTAssertEqual(steps[1].candidates[0].score, Foundation.log(0.36), accuracy: 1e-5, "best first: b x")
        XCTAssertEqual(steps[1].candidates.filter(\.isPruned).count, 6)
    }

    /// On a longer search, following each finished candidate's parents back through the kept beams gives exactly the
    /// hypotheses the search returns, with their scores; a recorder does not change the result.
    func testTraceParentsRebuildTheHypotheses() throws {
        let m = model()
        var params = BeamSearchParameters()
        params.numBeams = 3; params.numReturnSequences = 3
        var steps: [BeamSearchStep] = []
        let traced = try BeamSearch(model: m, parameters: params).run(prompt: [0], maxTokens: 5) { steps.append($0) }
        XCTAssertEqual(traced, try BeamSearch(model: m, parameters: params).run(prompt: [0], maxTokens: 5))
        var rebuilt: [(tokens: [Int32], score: Double)] = []
        for (s, step) in steps.enumerated() {
            for f in step.finished {
                var tokens = [f.token], parent = f.parent
                for back in stride(from: s - 1, through: 0, by: -1) {
                    let beam = steps[back].kept[parent]
                    tokens.insert(beam.token, at: 0)
                    parent = beam.parent
                }
                rebuilt.append((tokens, f.finishedScore!))
            }
        }
        rebuilt.sort { $0.score > $1.score }
        XCTAssertEqual(rebuilt.prefix(3).map(\.tokens), traced.map(\.tokens))
        XCTAssertEqual(rebuilt.prefix(3).map(\.score), traced.map(\.score))
    }

    func testOneBeamIsGreedy() throws {
        let m = model()
        var params = BeamSearchParameters()
        params.numBeams = 1
        let hyps = try BeamSearch(model: m, parameters: params).run(prompt: [0], maxTokens: 2)
        XCTAssertEqual(hyps.first?.tokens, [1, 3])
    }

    /// Without the cache every step recomputes the whole sequence; the result must not change.
    func testKVCacheDoesNotChangeTheResult() throws {
        let cached = model(), uncached = model()
        var params = BeamSearchParameters()
        params.numBeams = 3; params.numReturnSequences = 3
        let a = try BeamSearch(model: cached, parameters: params).run(prompt: [0], maxTokens: 5)
        let b = try BeamSearch(model: uncached, parameters: params).run(prompt: [0], maxTokens: 5, useKVCache: false)
        XCTAssertEqual(a, b)
        XCTAssertLessThan(cached.positionsFed, uncached.positionsFed)
        XCTAssertEqual(cached.positionsFed, 1 + 4 * 3, "prompt once, then one token per beam per step")
    }

    /// A beam that emits EOS is finished with its length; length penalty 0 compares raw log-probabilities.
    func testEOSFinishesAHypothesis() throws {
        // S → E 0.5 | a 0.5; a → E 0.99.  With 2 beams: "E" (p 0.5) and "a E" (p 0.495).
        let alphabet = "SaE"
        let table: [[Float]] = [
            [-30, Float(Foundation.log(0.5)), Float(Foundation.log(0.5))],
            [-30, Float(Foundation.log(0.01)), Float(Foundation.log(0.99))],
            [0, -30, -30],
        ]
        let m = ToyModel(table: table, alphabet: alphabet, eos: 2)
        var params = BeamSearchParameters()
        params.numBeams = 2; params.numReturnSequences = 2; params.lengthPenalty = 0
        let hyps = try BeamSearch(model: m, parameters: params).run(prompt: [0], maxTokens: 8)
        XCTAssertEqual(hyps.map(\.tokens), [[2], [1, 2]])
        XCTAssertTrue(hyps.allSatisfy(\.endedWithEOS))
        XCTAssertEqual(hyps[1].score, Foundation.log(0.5 * 0.99), accuracy: 1e-5)
    }

    func testNoRepeatNGramBansCompletions() {
        XCTAssertEqual(NGrams.banned(after: [1, 2, 3, 1, 2], size: 3), [3])
        XCTAssertEqual(NGrams.banned(after: [1, 2, 1, 2, 1], size: 2), [2])
        XCTAssertEqual(NGrams.banned(after: [5, 6], size: 3), [])
        XCTAssertEqual(NGrams.banned(after: [4, 4, 7], size: 1), [4, 7])
    }
}

final class GeneratorTests: XCTestCase {
    /// a → b → c → a … deterministically.
    func cycle(eos: Int32? = nil, context: Int = 64) -> ToyModel {
        let hot: (Int) -> [Float] = { i in (0..<4).map { $0 == i ? 0 : -20 } }
        return ToyModel(table: [hot(1), hot(2), hot(0), hot(0)], alphabet: "abcE", eos: eos, contextLength: context)
    }

    func run(_ m: ToyModel, prompt: String = "a", _ configure: (inout GenerationOptions) -> Void) throws -> (Generation, String) {
        var options = GenerationOptions()
        configure(&options)
        var sampler = Sampler(parameters: .greedy, seed: 0)
        var streamed = ""
        let g = try Generator(model: m, tokenizer: m.charTokenizer)
            .run(prompt: m.charTokenizer.encodeText(prompt, parseSpecial: false), sampler: &sampler, options: options) { streamed += $0 }
        return (g, streamed)
    }

    func testMaxTokens() throws {
        let (g, streamed) = try run(cycle()) { $0.maxTokens = 5 }
        XCTAssertEqual(g.text, "bcabc")
        XCTAssertEqual(streamed, g.text)
        XCTAssertEqual(g.finishReason, .length)
    }

    /// "ca" spans two tokens; the text stops before it and the streamed text never showed its first half.
    func testStopStringAcrossTokens() throws {
        let (g, streamed) = try run(cycle()) { $0.maxTokens = 10; $0.stop = ["ca"] }
        XCTAssertEqual(g.text, "b")
        XCTAssertEqual(streamed, "b")
        XCTAssertEqual(g.finishReason, .stop)
    }

    func testEOSStopsAndIsNotPrinted() throws {
        // c → E (id 3) instead of a
        let hot: (Int) -> [Float] = { i in (0..<4).map { $0 == i ? 0 : -20 } }
        let m = ToyModel(table: [hot(1), hot(2), hot(3), hot(0)], alphabet: "abcE", eos: 3)
        let (g, _) = try run(m) { $0.maxTokens = 10 }
        XCTAssertEqual(g.tokens, [1, 2])
        XCTAssertEqual(g.finishReason, .stop)
    }

    func testFullContextStopsCleanly() throws {
        let (g, _) = try run(cycle(context: 5), prompt: "ab") { $0.maxTokens = 10 }
        XCTAssertEqual(g.tokens.count, 3)
        XCTAssertEqual(g.finishReason, .contextFull)
        XCTAssertThrowsError(try run(cycle(context: 2), prompt: "abc") { _ in }) { error in
            XCTAssertEqual(error as? DecodingError, .promptTooLong(tokens: 3, context: 2))
        }
    }

    func testWithoutTheCacheTheTextIsTheSameButMorePositionsAreFed() throws {
        let a = cycle(), b = cycle()
        let (ga, _) = try run(a) { $0.maxTokens = 6 }
        let (gb, _) = try run(b) { $0.maxTokens = 6; $0.useKVCache = false }
        XCTAssertEqual(ga.tokens, gb.tokens)
        XCTAssertEqual(a.positionsFed, 1 + 5)
        XCTAssertEqual(b.positionsFed, (1...6).reduce(0, +))
    }

    /// Log-probabilities are the model's: log softmax of the row, here ln(1 / (1 + 3e−20)) ≈ 0 for the chosen
    /// token and −20 − ln(…) for the others; echo adds the prompt's tokens with the first one unpredicted.
    func testLogprobsAndEcho() throws {
        let (g, _) = try run(cycle(), prompt: "ab") { $0.maxTokens = 2; $0.logprobs = 2; $0.echo = true }
        XCTAssertEqual(g.logprobs.map(\.id), [0, 1, 2, 0])
        XCTAssertNil(g.logprobs[0].logprob)
        let lse = Foundation.log(1 + 3 * Foundation.exp(-20.0))
        XCTAssertEqual(g.logprobs[1].logprob!, -lse, accuracy: 1e-9)
        XCTAssertEqual(g.logprobs[2].top.map(\.id), [2, 0])
        XCTAssertEqual(g.logprobs[2].top[1].logprob, -20 - lse, accuracy: 1e-6)
        XCTAssertEqual(g.logprobs.map(\.textOffset), [0, 1, 2, 3])
    }
}

final class ScoringTests: XCTestCase {
    /// A bigram model's log p(t_i | t_{<i}) depends only on t_{i−1}, so every window protocol must give each token
    /// the score the whole-sequence pass gives it.
    func testSlidingWindowsScoreEveryTokenOnceWithTheSameValue() throws {
        let rows: [[Float]] = (0..<5).map { r in (0..<5).map { c in Float((r * 7 + c * 3) % 5) * 0.5 } }
        let m = ToyModel(table: rows, alphabet: "abcde", contextLength: 64)
        let tokens: [Int32] = [0, 3, 1, 4, 4, 2, 0, 1, 3, 2, 2, 4, 0]
        let full = try Scoring.score(m, tokens)
        XCTAssertEqual(full.count, tokens.count - 1)
        for (context, stride) in [(4, 2), (5, 4), (3, 1), (13, 4)] {
            let sliding = try Scoring.sliding(m, tokens, context: context, stride: stride)
            XCTAssertEqual(sliding.map(\.id), full.map(\.id), "context \(context), stride \(stride)")
            for (a, b) in zip(sliding, full) { XCTAssertEqual(a.logprob, b.logprob, accuracy: 1e-12) }
        }
        // llama.cpp: 13 tokens → 3 chunks of 4, each scoring positions 3 (context/2 + 1 … context − 1).
        let chunks = try Scoring.llamaCpp(m, tokens, context: 4)
        XCTAssertEqual(chunks.map(\.id), [4, 1, 4])
        // Hand check of one score: row of 'a' (0) is [0, 1.5, 0.5, 2, 1]·… → p(d | a) = e^2 / Σ e^row.
        let row = rows[0].map(Double.init), z = row.map { Foundation.exp($0) }.reduce(0, +)
        XCTAssertEqual(full[0].logprob, row[3] - Foundation.log(z), accuracy: 1e-6)
        XCTAssertEqual(full[0].rank, 1 + row.filter { $0 > row[3] }.count)
    }
}
