import Foundation
import XCTest
@testable import Decoding

/// Each cut on a hand-made distribution whose answer is worked out in the comment.
final class SamplersTests: XCTestCase {
    /// logits = ln p, so softmax gives back p exactly (up to rounding).
    func candidates(_ p: [Double]) -> Candidates { Candidates(logits: p.map { Float(Foundation.log($0)) }) }
    let p5 = [0.5, 0.25, 0.15, 0.06, 0.04]

    func kept(_ c: Candidates) -> [Int32] { c.ids.sorted() }

    func testTopPKeepsTheSmallestPrefixReachingP() {
        // cumulative 0.5, 0.75, 0.90, 0.96, 1.0
        for (p, expected) in [(0.45, [0]), (0.7, [0, 1]), (0.85, [0, 1, 2]), (0.95, [0, 1, 2, 3]), (0.99, [0, 1, 2, 3, 4])] {
            var c = candidates(p5)
            Samplers.topP(&c, Float(p))
            XCTAssertEqual(kept(c), expected.map(Int32.init), "top-p \(p)")
        }
        var c = candidates(p5)
        Samplers.topP(&c, 1e-6)
        XCTAssertEqual(kept(c), [0], "top-p always keeps one token")
    }

    func testTopKKeepsTheKLargest() {
        var c = candidates([0.1, 0.4, 0.2, 0.3])
        Samplers.topK(&c, 2)
        XCTAssertEqual(c.ids, [1, 3], "sorted by descending probability")
        var all = candidates([0.1, 0.4, 0.2, 0.3])
        Samplers.topK(&all, 0)
        XCTAssertEqual(all.count, 4, "k = 0 is off")
    }

    func testMinPThresholdIsRelativeToTheTopToken() {
        // p_max = 0.5: min-p 0.35 → threshold 0.175 keeps {0.5, 0.25}; min-p 0.1 → 0.05 keeps four.
        var c = candidates(p5)
        Samplers.minP(&c, 0.35)
        XCTAssertEqual(kept(c), [0, 1])
        c = candidates(p5)
        Samplers.minP(&c, 0.1)
        XCTAssertEqual(kept(c), [0, 1, 2, 3])
    }

    func testTypicalPPrefersTokensNearTheEntropy() {
        // p = [0.4, 0.3, 0.2, 0.1]: H = 1.2799 nats; surprises 0.916, 1.204, 1.609, 2.303 → distances
        // 0.364, 0.076, 0.330, 1.023 → order ids 1, 2, 0, 3 with cumulative 0.3, 0.5, 0.9, 1.0.
        var c = candidates([0.4, 0.3, 0.2, 0.1])
        Samplers.typicalP(&c, 0.45)
        XCTAssertEqual(kept(c), [1, 2], "the most likely token is not typical")
        c = candidates([0.4, 0.3, 0.2, 0.1])
        Samplers.typicalP(&c, 0.55)
        XCTAssertEqual(kept(c), [0, 1, 2])
    }

    func testTemperatureScalesLogits() {
        var c = Candidates(logits: [2, -1, 0.5])
        Samplers.temperature(&c, 0.5)
        XCTAssertEqual(c.logits, [4, -2, 1])
    }

    func testDrawIsTheInverseCDF() {
        let c = candidates([0.5, 0.25, 0.25])
        XCTAssertEqual(Samplers.draw(c, u: 0.0), 0)
        XCTAssertEqual(Samplers.draw(c, u: 0.49), 0)
        XCTAssertEqual(Samplers.draw(c, u: 0.51), 1)
        XCTAssertEqual(Samplers.draw(c, u: 0.76), 2)
        XCTAssertEqual(Samplers.draw(c, u: 0.999999), 2)
    }

    /// The two presets' orders differ where it shows: temperature 2 before top-p 0.7 flattens p ∝ √p₀ =
    /// (.347, .245, .190, .120, .098), so top-p keeps three tokens; top-p on the raw distribution keeps two.
    func testTemperatureBeforeTopPKeepsMoreThanAfter() {
        var hf = SamplingParameters()
        hf.temperature = 2; hf.topP = 0.7
        var llama = hf
        llama.samplers = SamplingParameters.llamaCpp.samplers
        var a = Sampler(parameters: hf, seed: 1), b = Sampler(parameters: llama, seed: 1)
        let logits = p5.map { Float(Foundation.log($0)) }
        XCTAssertEqual(a.candidates(logits).ids.sorted(), [0, 1, 2])
        XCTAssertEqual(b.candidates(logits).ids.sorted(), [0, 1])
    }

    func testLogSoftmaxKnownValues() {
        let lp = Samplers.logSoftmax([0, 0, 0, 0])
        for v in lp { XCTAssertEqual(v, -Foundation.log(4.0), accuracy: 1e-12) }
        let big = Samplers.logSoftmax([1000, 0])
        XCTAssertEqual(big[0], 0, accuracy: 1e-12)
        XCTAssertEqual(big[1], -1000, accuracy: 1e-9)
    }
}

final class PenaltiesTests: XCTestCase {
    func testRepetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        var pen = Penalties(repetition: 2, lastN: -1)
        pen.prompt([0, 1])
        var logits: [Float] = [2, -2, 1]
        pen.process(&logits)
        XCTAssertEqual(logits, [1, -4, 1], "both seen tokens lose, whatever their sign")
    }

    func testAdditivePenaltiesCountOccurrences() {
        var pen = Penalties(frequency: 0.5, presence: 1, mode: .additive, lastN: -1)
        pen.prompt([0, 0, 1])
        var logits: [Float] = [2, -2, 1]
        pen.process(&logits)
        XCTAssertEqual(logits, [2 - 2 * 0.5 - 1, -2 - 0.5 - 1, 1])
    }

    func testWindowOnlyCountsTheLastNTokens() {
        var pen = Penalties(repetition: 2, lastN: 1)
        pen.prompt([0, 1])
        pen.didSample(2)
        var logits: [Float] = [2, 2, 2]
        pen.process(&logits)
        XCTAssertEqual(logits, [2, 2, 1])
    }

    /// The lecture's per-token temperature: shifted positive it only lowers seen tokens; unshifted, a seen token
    /// with a negative logit *gains* — the pitfall.
    func testPerTokenTemperatureAndItsPitfall() {
        var shifted = Penalties(frequency: 0.1, presence: 0.2, mode: .temperature, lastN: -1)
        shifted.prompt([0, 0, 1])
        var logits: [Float] = [2, -2, 1]
        shifted.process(&logits)
        // shift by −min = 2 → [4, 0, 3]; k₀ = 1 + 0.2 + 0.2 = 1.4, k₁ = 1.3
        XCTAssertEqual(logits[0], 4 / 1.4, accuracy: 1e-6)
        XCTAssertEqual(logits[1], 0, accuracy: 1e-6)
        XCTAssertEqual(logits[2], 3, accuracy: 1e-6)

        var unshifted = Penalties(frequency: 0.1, presence: 0.2, mode: .temperatureUnshifted, lastN: -1)
        unshifted.prompt([0, 0, 1])
        var raw: [Float] = [2, -2, 1]
        unshifted.process(&raw)
        XCTAssertGreaterThan(raw[1], -2, "dividing a negative logit by k > 1 raises it")
        XCTAssertEqual(raw[1], -2 / 1.3, accuracy: 1e-6)
    }

    func testPenaltiesInTheChainActOnWhatEarlierCutsLeft() {
        var params = SamplingParameters()
        params.topK = 2; params.repetitionPenalty = 10
        params.samplers = [.topK, .penalties]
        var sampler = Sampler(parameters: params, seed: 0)
        sampler.prompt([0])
        let c = sampler.candidates([3, 2, 1])
        XCTAssertEqual(c.ids, [0, 1])
        XCTAssertEqual(c.logits, [0.3, 2])
    }
}

final class SamplerTests: XCTestCase {
    /// Pearson's χ² of `counts` against `expected` probabilities.
    func chiSquare(_ counts: [Int32: Int], _ expected: [Int32: Double], n: Int) -> Double {
        expected.reduce(0) { acc, e in
            let o = Double(counts[e.key] ?? 0), x = e.value * Double(n)
            return acc + (o - x) * (o - x) / x
        }
    }

    /// Sampled frequencies converge to the renormalised distribution after the cut: top-k 3 of (.4, .3, .2, .1)
    /// draws (4, 3, 2)/9; top-p 0.65 draws (4, 3)/7. χ² with 2 and 1 degrees of freedom stays below the 0.1%
    /// critical values (13.8, 10.8); nothing outside the kept set is ever drawn.
    func testSampledFrequenciesMatchTheCutDistribution() {
        let logits = [0.4, 0.3, 0.2, 0.1].map { Float(Foundation.log($0)) }
        for (params, expected) in [
            ({ var p = SamplingParameters(); p.topK = 3; return p }(), [0: 4.0 / 9, 1: 3.0 / 9, 2: 2.0 / 9] as [Int32: Double]),
            ({ var p = SamplingParameters(); p.topP = 0.65; return p }(), [0: 4.0 / 7, 1: 3.0 / 7]),
        ] {
            var sampler = Sampler(parameters: params, seed: 2024)
            var counts: [Int32: Int] = [:]
            let n = 20000
            for _ in 0..<n { counts[sampler.sample(logits), default: 0] += 1 }
            XCTAssertEqual(Set(counts.keys), Set(expected.keys), "only kept tokens are drawn")
            let chi2 = chiSquare(counts, expected, n: n)
            XCTAssertLessThan(chi2, expected.count == 3 ? 13.8 : 10.8, "χ² = \(chi2), counts \(counts)")
        }
    }

    func testSameSeedSameTokensDifferentSeedDifferent() {
        let logits = [Float](repeating: 0, count: 10)
        func run(_ seed: UInt64) -> [Int32] {
            var s = Sampler(parameters: SamplingParameters(), seed: seed)
            return (0..<20).map { _ in s.sample(logits) }
        }
        XCTAssertEqual(run(7), run(7))
        XCTAssertNotEqual(run(7), run(8))
    }

    func testGreedyAppliesBiasAndPenaltiesThenArgmax() {
        var params = SamplingParameters.greedy
        params.logitBias = [2: 5]
        var sampler = Sampler(parameters: params, seed: 0)
        XCTAssertEqual(sampler.sample([1, 3, 0]), 2, "bias +5 lifts id 2 from 0 to 5")
        params.logitBias = [:]
        params.repetitionPenalty = 4
        var penalized = Sampler(parameters: params, seed: 0)
        penalized.prompt([1])
        XCTAssertEqual(penalized.sample([1, 3, 0]), 0, "3 / 4 < 1")
    }

    func testChainDescriptionNamesActiveSteps() {
        XCTAssertEqual(SamplingParameters.llamaCpp.chainDescription, "top-k 40 → top-p 0.95 → min-p 0.05 → temperature 0.8 → draw")
        XCTAssertEqual(SamplingParameters.greedy.chainDescription, "argmax (greedy)")
    }
}

final class NoRepeatNGramSamplerTests: XCTestCase {
    /// Greedy on logits that always prefer token 1: with no-repeat 2 after prompt [1, 1], the bigram (1, 1) exists,
    /// so 1 is banned and the runner-up 2 is chosen; then (1, 2) exists too, and so on.
    func testGreedyNeverRepeatsABigram() {
        var p = SamplingParameters.greedy
        p.noRepeatNgramSize = 2
        var sampler = Sampler(parameters: p, seed: 0)
        sampler.prompt([1, 1])
        let logits: [Float] = [0, 3, 2, 1]
        let out = (0..<4).map { _ in sampler.sample(logits) }
        XCTAssertEqual(out, [2, 1, 3, 1])
        let seq = [1, 1] + out
        let bigrams = (0..<(seq.count - 1)).map { [seq[$0], seq[$0 + 1]] }
        XCTAssertEqual(Set(bigrams).count, bigrams.count, "every bigram once: \(seq)")
    }
}
