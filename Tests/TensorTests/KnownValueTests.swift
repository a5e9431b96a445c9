// Ops and optimizers against values computed independently: a naive triple-loop matmul, closed forms of
// softmax/cross-entropy/AdamW/SGD, and published constants of the RNG.
import XCTest
import Foundation
import Tensor

final class KnownValueTests: XCTestCase {
    /// C = op(A)·op(B) by the definition, in Double.
    func naiveMatmul(_ a: Tensor, _ b: Tensor, _ tA: Bool, _ tB: Bool) -> [Double] {
        let ra = a.rank, rb = b.rank
        let m = tA ? a.shape[ra - 1] : a.shape[ra - 2], k = tA ? a.shape[ra - 2] : a.shape[ra - 1]
        let n = tB ? b.shape[rb - 2] : b.shape[rb - 1]
        let batches = max(a.count / (m * k), b.count / (k * n))
        let strideA = a.rank > 2 ? m * k : 0, strideB = b.rank > 2 ? k * n : 0
        var c = [Double](repeating: 0, count: batches * m * n)
        for bi in 0..<batches {
            for i in 0..<m {
                for j in 0..<n {
                    var s = 0.0
                    for p in 0..<k {
                        let av = tA ? a.pointer[bi * strideA + p * m + i] : a.pointer[bi * strideA + i * k + p]
                        let bv = tB ? b.pointer[bi * strideB + j * k + p] : b.pointer[bi * strideB + p * n + j]
                        s += Double(av) * Double(bv)
                    }
                    c[(bi * m + i) * n + j] = s
                }
            }
        }
        return c
    }

    func testMatmulAgainstNaiveLoop() {
        let (m, k, n) = (7, 5, 9)
        let batchShapes: [([Int], [Int])] = [([], []), ([3], [3]), ([2, 3], [2, 3]), ([2, 3], []), ([], [4])]
        for (ba, bb) in batchShapes {
            for tA in [false, true] {
                for tB in [false, true] {
                    let a = randn(ba + (tA ? [k, m] : [m, k]), seed: 1), b = randn(bb + (tB ? [n, k] : [k, n]), seed: 2)
                    let c = a.matmul(b, transposeA: tA, transposeB: tB)
                    XCTAssertEqual(c.shape, (ba.isEmpty ? bb : ba) + [m, n])
                    let expected = naiveMatmul(a, b, tA, tB)
                    let worst = zip(c.scalars, expected).map { abs(Double($0) - $1) }.max() ?? 0
                    XCTAssertLessThan(worst, 1e-4, "matmul \(ba)\(tA ? "ᵀ" : "") · \(bb)\(tB ? "ᵀ" : ""): max error \(worst)")
                }
            }
        }
    }

    func testLargeMatmulMatchesNaiveLoop() {
        // Large enough that OpenBLAS takes its blocked, multi-threaded path.
        let a = randn([130, 257], seed: 3), b = randn([257, 129], seed: 4)
        let c = a.matmul(b), expected = naiveMatmul(a, b, false, false)
        let worst = zip(c.scalars, expected).map { abs(Double($0) - $1) }.max() ?? 0
        XCTAssertLessThan(worst, 1e-3, "max error \(worst)")
    }

    func testSoftmaxOfLargeLogitsIsFinite() {
        let x = Tensor([1000, 999, -1000, 1e30, 1e30, 0], shape: [2, 3])
        let p = x.softmax().scalars
        XCTAssertTrue(p.allSatisfy(\.isFinite), "softmax \(p)")
        XCTAssertEqual(p[0], Float(1 / (1 + exp(-1.0))), accuracy: 1e-6)
        XCTAssertEqual(p[3], 0.5, accuracy: 1e-6)
        let lp = x.logSoftmax().scalars
        XCTAssertTrue(lp.allSatisfy(\.isFinite), "logSoftmax \(lp)")
        XCTAssertEqual(lp[2], -2000 - Float(log1p(exp(-1.0))), accuracy: 1e-3)
    }

    func testCrossEntropyIsNegativeLogProbability() {
        let logits = Tensor([2.0, 1.0, 0.1, 0.5, 2.5, -1.0], shape: [2, 3])
        func negLogP(_ row: [Double], _ t: Int) -> Double { -(row[t] - log(row.map { exp($0) }.reduce(0, +))) }
        let expected = (negLogP([2.0, 1.0, 0.1], 0) + negLogP([0.5, 2.5, -1.0], 2)) / 2
        XCTAssertEqual(Double(logits.crossEntropy(targets: [0, 2]).item), expected, accuracy: 1e-6)
        // Ignored rows do not count towards the mean.
        XCTAssertEqual(Double(logits.crossEntropy(targets: [-100, 2]).item), negLogP([0.5, 2.5, -1.0], 2), accuracy: 1e-6)
        // Uniform logits give log V.
        XCTAssertEqual(Tensor(zeros: [4, 10]).crossEntropy(targets: [1, 2, 3, 4]).item, Float(log(10.0)), accuracy: 1e-6)
    }

    func testAdamWFirstStepsMatchClosedForm() {
        let p = Tensor([0.5, -1.0, 2.0], shape: [3], requiresGrad: true)
        let bias = Tensor([0.3], shape: [1], requiresGrad: true)
        let cfg = AdamWConfig(learningRate: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01)
        let opt = AdamW(parameters: [("w", p), ("b", bias)], config: cfg) { name, _ in name == "w" }
        let g1: [Double] = [0.2, -0.4, 1.0], g2: [Double] = [-0.1, 0.3, 0.5]
        var expected = [0.5, -1.0, 2.0], m = [0.0, 0, 0], v = [0.0, 0, 0]
        for (t, g) in [g1, g2].enumerated() {
            p.grad = Tensor(g.map(Float.init), shape: [3])
            bias.grad = Tensor([1.0], shape: [1])
            opt.step()
            let step = Double(t + 1)
            for i in 0..<3 {
                m[i] = 0.9 * m[i] + 0.1 * g[i]
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i]
                let mhat = m[i] / (1 - pow(0.9, step)), vhat = v[i] / (1 - pow(0.999, step))
                expected[i] = expected[i] * (1 - 0.1 * 0.01) - 0.1 * mhat / (vhat.squareRoot() + 1e-8)
            }
            for i in 0..<3 {
                XCTAssertEqual(Double(p.pointer[i]), expected[i], accuracy: 1e-6, "step \(t + 1) element \(i)")
            }
        }
        // The bias is in the no-decay group: with a constant gradient 1, Adam moves it by exactly lr per step.
        XCTAssertEqual(bias.pointer[0], 0.3 - 0.2, accuracy: 1e-6)
        XCTAssertEqual(opt.stepCount, 2)
    }

    func testSGDMomentumMatchesClosedForm() {
        let p = Tensor([1.0], shape: [1], requiresGrad: true)
        let opt = SGD(parameters: [p], config: SGDConfig(learningRate: 0.1, momentum: 0.9))
        // Constant gradient 1: velocity 1, 1.9, 2.71 → p = 1 − 0.1·(1 + 1.9 + 2.71).
        for _ in 0..<3 { p.grad = Tensor([1], shape: [1]); opt.step() }
        XCTAssertEqual(p.pointer[0], 1 - 0.1 * (1 + 1.9 + 2.71), accuracy: 1e-6)
    }

    func testGradientClipping() {
        let a = Tensor(zeros: [2], requiresGrad: true), b = Tensor(zeros: [1], requiresGrad: true)
        a.grad = Tensor([3, 0], shape: [2]); b.grad = Tensor([4], shape: [1])
        let norm = [a, b].clipGradNorm(maxNorm: 1)
        XCTAssertEqual(norm, 5, accuracy: 1e-6)
        XCTAssertEqual(a.grad!.pointer[0], 0.6, accuracy: 1e-5)
        XCTAssertEqual(b.grad!.pointer[0], 0.8, accuracy: 1e-5)
        // Below the threshold nothing changes.
        XCTAssertEqual([a, b].clipGradNorm(maxNorm: 10), 1, accuracy: 1e-5)
        XCTAssertEqual(a.grad!.pointer[0], 0.6, accuracy: 1e-5)
    }

    func testCosineSchedule() {
        let s = CosineSchedule(peak: 1e-3, floor: 1e-4, warmupSteps: 10, totalSteps: 110)
        XCTAssertEqual(s.learningRate(at: 0), 1e-4, accuracy: 1e-9)
        XCTAssertEqual(s.learningRate(at: 9), 1e-3, accuracy: 1e-9)
        XCTAssertEqual(s.learningRate(at: 10), 1e-3, accuracy: 1e-9)
        XCTAssertEqual(s.learningRate(at: 60), 5.5e-4, accuracy: 1e-9)  // halfway: floor + (peak − floor)/2
        XCTAssertEqual(s.learningRate(at: 110), 1e-4, accuracy: 1e-9)
        XCTAssertEqual(s.learningRate(at: 500), 1e-4, accuracy: 1e-9)
    }

    func testRandomGeneratorKnownValuesAndMoments() {
        var x: UInt64 = 0
        XCTAssertEqual(RandomGenerator.splitMix64(&x), 0xE220_A839_7B1D_CDAF)  // Vigna's splitmix64.c, seed 0
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42), c = RandomGenerator(seed: 43)
        let sa = (0..<8).map { _ in a.next() }
        XCTAssertEqual(sa, (0..<8).map { _ in b.next() })
        XCTAssertNotEqual(sa, (0..<8).map { _ in c.next() })
        var rng = RandomGenerator(seed: 1)
        let n = 200_000
        let normals = (0..<n).map { _ in Double(rng.nextNormal()) }
        let mean = normals.reduce(0, +) / Double(n)
        let variance = normals.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
        XCTAssertEqual(mean, 0, accuracy: 0.01)       // standard error 1/√n ≈ 0.002
        XCTAssertEqual(variance, 1, accuracy: 0.02)
        let uniforms = (0..<n).map { _ in rng.nextFloat() }
        XCTAssertTrue(uniforms.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertEqual(Double(uniforms.reduce(0, +)) / Double(n), 0.5, accuracy: 0.005)
        let ints = (0..<n).map { _ in rng.nextInt(below: 10) }
        for d in 0..<10 { XCTAssertEqual(Double(ints.filter { $0 == d }.count) / Double(n), 0.1, accuracy: 0.005) }
    }

    func testNamedParametersAndTying() {
        final class Block: Module { let fc: Linear; init(_ r: inout RandomGenerator) { fc = Linear(inputs: 2, outputs: 2, rng: &r) } }
        final class Net: Module {
            let embed: Tensor
            let blocks: [Block]
            let head: Tensor?
            let buffer = Tensor(zeros: [3])  // does not require grad: not a parameter
            init() {
                var r = RandomGenerator(seed: 0)
                embed = Tensor(randomNormal: [5, 2], rng: &r, requiresGrad: true)
                blocks = [Block(&r), Block(&r)]
                head = embed  // tied
            }
        }
        let names = Net().namedParameters().map(\.name)
        XCTAssertEqual(names, ["embed", "blocks.0.fc.weight", "blocks.0.fc.bias", "blocks.1.fc.weight", "blocks.1.fc.bias"])
        XCTAssertEqual(Net().parameterCount, 10 + 2 * (4 + 2))
    }

    func testNoGradRecordsNothingAndGradientsAccumulate() {
        let w = Tensor([2], shape: [1], requiresGrad: true)
        let y = Tensor.noGrad { w * w }
        XCTAssertFalse(y.requiresGrad)
        (w * w).sum().backward()
        (w * 3).sum().backward()
        XCTAssertEqual(w.grad!.item, 2 * 2 + 3)  // accumulated across two backward passes
        w.zeroGrad()
        XCTAssertNil(w.grad)
    }

    func testSumToShapeInvertsBroadcasting() {
        let g = Tensor((0..<24).map(Float.init), shape: [2, 3, 4])
        XCTAssertEqual(g.sumToShape([4]).scalars, [60, 66, 72, 78])
        // [3, 1]: row j sums g[i, j, k] over i and k: (0+1+2+3)+(12+…+15) = 60, then 92, 124.
        XCTAssertEqual(g.sumToShape([3, 1]).scalars, [60, 92, 124])
        XCTAssertEqual(g.sumToShape([]).scalars, [276])
    }

    func testGraphIsFreedWithoutBackward() {
        // No op's backward may keep its own output alive: such a retain cycle would leak every forward pass that
        // is not followed by backward(). Every node of the graph is watched through a weak reference.
        final class WeakBox { weak var tensor: Tensor?; init(_ t: Tensor) { tensor = t } }
        let x = randn([4, 8], seed: 5)
        x.requiresGrad = true
        var nodes: [WeakBox] = []
        do {
            let w = Tensor(repeating: 1, shape: [8], requiresGrad: true)
            let out = x.rmsNorm(weight: w).softmax().logSoftmax().tanh().causalSoftmax()
            var stack = [out]
            while let t = stack.popLast() {
                if t.isLeaf { continue }
                nodes.append(WeakBox(t))
                stack.append(contentsOf: t.inputs)
            }
        }
        XCTAssertEqual(nodes.count, 5)
        XCTAssertEqual(nodes.filter { $0.tensor != nil }.count, 0, "graph nodes of an unused forward pass were not freed")
    }
}
