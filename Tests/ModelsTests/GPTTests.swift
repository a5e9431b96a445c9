// The autograd GPT against an independent float64 reference, and the behaviour training relies on: it can
// overfit one batch, and the same seed gives bit-identical losses.
import XCTest
import Tensor
@testable import Models

final class GPTTests: XCTestCase {
    static func toyConfig(_ style: TransformerConfig.Style) -> TransformerConfig {
        // Two layers; llama with grouped-query attention (2 query heads share 1 KV head) and an untied head.
        TransformerConfig(style: style, vocabSize: 13, contextLength: 6, width: 8, layers: 2, heads: 2,
                          kvHeads: style == .llama ? 1 : 2, tiedEmbeddings: style == .gpt2)
    }

    /// A toy model whose weights are large enough (std 0.3, norm gains near 1) to exercise every nonlinearity.
    static func toyModel(_ style: TransformerConfig.Style, gelu: TransformerConfig.GELUApproximation = .none) -> GPT {
        var config = toyConfig(style)
        config.geluApproximation = gelu
        let model = GPT(config: config, seed: 5)
        var rng = RandomGenerator(seed: 6)
        for (name, t) in model.namedParameters() {
            let isGain = name.hasSuffix("Norm.weight")
            for i in 0..<t.count { t.pointer[i] = (isGain ? 1 : 0) + 0.3 * rng.nextNormal() }
        }
        return model
    }

    static let ids: [Int32] = [1, 5, 7, 2, 12, 0, 3, 3, 9, 11, 4, 6]
    static let targets: [Int32] = [5, 7, 2, 12, 0, 8, 3, 9, 11, 4, 6, 10]

    /// Both styles, and the gpt2 style with GPT-2's tanh-approximated GELU.
    func testLossAndEveryGradientMatchFloat64Reference() {
        for (style, gelu) in [(TransformerConfig.Style.gpt2, TransformerConfig.GELUApproximation.none), (.llama, .none), (.gpt2, .tanh)] {
            let model = Self.toyModel(style, gelu: gelu)
            var rng = RandomGenerator(seed: 0)
            let loss = model.loss(Self.ids, targets: Self.targets, batch: 2, time: 6, rng: &rng)
            var reference = ReferenceTransformer(model)
            let expected = reference.loss(Self.ids, Self.targets, batch: 2, time: 6)
            XCTAssertEqual(Double(loss.item), expected, accuracy: 1e-5 * expected, "\(style) \(gelu): loss")
            loss.backward()
            // Central differences on the float64 reference (h = 1e-5: truncation ~1e-10, rounding ~1e-11).
            var worst = (name: "", analytic: Float(0), numeric: 0.0), mismatches = 0, checked = 0
            for (name, t) in model.namedParameters() {
                for i in 0..<t.count {
                    let saved = reference.params[name]![i]
                    reference.params[name]![i] = saved + 1e-5
                    let plus = reference.loss(Self.ids, Self.targets, batch: 2, time: 6)
                    reference.params[name]![i] = saved - 1e-5
                    let minus = reference.loss(Self.ids, Self.targets, batch: 2, time: 6)
                    reference.params[name]![i] = saved
                    let numeric = (plus - minus) / 2e-5, analytic = t.grad?.pointer[i] ?? 0
                    checked += 1
                    if abs(Double(analytic) - numeric) > 2e-5 + 2e-3 * abs(numeric) {
                        mismatches += 1
                        if mismatches == 1 { worst = (name + "[\(i)]", analytic, numeric) }
                    }
                }
            }
            XCTAssertEqual(mismatches, 0, "\(style) \(gelu): \(mismatches) of \(checked) gradients differ, first \(worst.name): autograd \(worst.analytic) vs reference \(worst.numeric)")
            XCTAssertGreaterThan(checked, 1000)
        }
    }

    func testParameterNamesAndCounts() {
        let gpt2 = GPT(config: .tiny, seed: 1)
        // Token embedding 4096·128 + positions 128·128 + 4 blocks · (2 norms 2·256 + attention 4·(128²+128) +
        // MLP 2·128·512 + 512 + 128) + final norm 256; the head is tied.
        let perBlock = 2 * 256 + 4 * (128 * 128 + 128) + 2 * 128 * 512 + 512 + 128
        XCTAssertEqual(gpt2.parameterCount, 4096 * 128 + 128 * 128 + 4 * perBlock + 256)
        let names = gpt2.namedParameters().map(\.name)
        XCTAssertEqual(names.first, "tokenEmbedding")
        XCTAssertTrue(names.contains("blocks.3.attention.wq"))
        let llama = GPT(config: TransformerConfig.tiny.with(style: .llama), seed: 1)
        XCTAssertEqual(llama.config.mlpHidden, 352)  // 8/3·128 = 341, rounded up to a multiple of 32
        XCTAssertNil(llama.positionEmbedding)
        XCTAssertEqual(TransformerConfig.lecture.width, 512)
        let lecture = GPT(config: .lecture, seed: 1).parameterCount
        XCTAssertTrue((33_000_000...37_000_000).contains(lecture), "lecture preset has \(lecture) parameters, expected ~35M")
    }

    /// A tiny-preset model (both styles) memorises one batch: loss < 0.1 within a few hundred steps.
    func testTinyModelOverfitsOneBatch() throws {
        for style in TransformerConfig.Style.allCases {
            let model = GPT(config: TransformerConfig.tiny.with(style: style), seed: 1)
            var rng = RandomGenerator(seed: 2)
            let stream = (0..<400).map { _ in Int32(rng.nextInt(below: 4096)) }
            let batch = BatchSampler.windows(stream, starts: [0, 97, 201], time: 128)
            let opt = AdamW(parameters: model.namedParameters(), config: AdamWConfig(learningRate: 3e-3, weightDecay: 0))
            var loss: Float = .infinity
            var step = 0
            while step < 300 && loss >= 0.1 {
                let l = model.loss(batch.inputs, targets: batch.targets, batch: 3, time: 128, rng: &rng, training: true)
                opt.zeroGrad()
                l.backward()
                opt.step()
                loss = l.item
                step += 1
            }
            XCTAssertLessThan(loss, 0.1, "\(style): loss \(loss) after \(step) steps")
        }
    }

    func testSameSeedGivesBitIdenticalTraining() throws {
        func run(seed: UInt64) throws -> [Float] {
            var cfg = TrainingConfig(batchSize: 2)
            cfg.steps = 5; cfg.warmupSteps = 2; cfg.evalBatches = 1; cfg.seed = seed
            var rng = RandomGenerator(seed: 3)
            let tokens = (0..<3000).map { _ in Int32(rng.nextInt(below: 13)) }
            var config = Self.toyConfig(.llama)
            config.dropout = 0.1  // dropout masks must come from the seeded RNG too
            let trainer = try Trainer(model: GPT(config: config, seed: seed), config: cfg, train: tokens, validation: tokens)
            return (0..<5).map { _ in trainer.step().loss } + [trainer.evaluate()]
        }
        let a = try run(seed: 1)
        XCTAssertEqual(a, try run(seed: 1), "same seed must give the same losses bit for bit")
        XCTAssertNotEqual(a, try run(seed: 2))
    }
}
