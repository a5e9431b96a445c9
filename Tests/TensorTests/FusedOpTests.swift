// The fused ops of a training step against the simple compositions they replace, at sizes large enough that the
// work is split over two threads (by rows or by columns), plus finite-difference checks of their gradients:
//   linear(weight:bias:)          = matmul(weight, transposeB: true) + bias
//   linearCrossEntropy(weight:)   = matmul(weight, transposeB: true).crossEntropy(targets:)
import XCTest
import Tensor

final class FusedOpTests: XCTestCase {
    override func setUp() { Parallel.setThreads(2) }

    /// Largest |a − b| / (1 + |b|) over two equally long arrays, and where it is.
    func worst(_ a: [Float], _ b: [Float]) -> (error: Float, index: Int) {
        precondition(a.count == b.count, "worst: \(a.count) vs \(b.count) values")
        var result: (Float, Int) = (0, -1)
        for i in 0..<a.count {
            let e = abs(a[i] - b[i]) / (1 + abs(b[i]))
            if e > result.0 || e.isNaN { result = (e, i) }
        }
        return result
    }

    func assertClose(_ a: [Float], _ b: [Float], _ tolerance: Float, _ label: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        let (e, i) = worst(a, b)
        XCTAssertLessThanOrEqual(e, tolerance, "\(label): fused \(i >= 0 ? a[i] : 0) vs composition \(i >= 0 ? b[i] : 0) at \(i)",
                                 file: file, line: line)
    }

    /// Products split by rows (m ≥ n) and by columns (n > m) over two threads agree with a loop in Double.
    func testSplitProductsMatchNaiveLoop() {
        for (m, k, n) in [(300, 40, 70), (40, 64, 3000)] {
            for (tA, tB) in [(false, false), (false, true), (true, false)] {
                let a = randn(tA ? [k, m] : [m, k], seed: 1), b = randn(tB ? [n, k] : [k, n], seed: 2)
                let c = a.matmul(b, transposeA: tA, transposeB: tB).scalars
                var expected = [Float](repeating: 0, count: m * n)
                for i in 0..<m {
                    for j in 0..<n {
                        var s = 0.0
                        for p in 0..<k {
                            s += Double(tA ? a[p, i] : a[i, p]) * Double(tB ? b[j, p] : b[p, j])
                        }
                        expected[i * n + j] = Float(s)
                    }
                }
                assertClose(c, expected, 1e-5, "\(m)×\(k)·\(k)×\(n) tA \(tA) tB \(tB)")
            }
        }
    }

    func testLinearMatchesMatmulPlusBias() {
        for (rows, inputs, outputs) in [(2 * 150, 40, 70), (40, 64, 3000)] {
            let x = randn([2, rows / 2, inputs], seed: 3), w = randn([outputs, inputs], seed: 4, scale: 0.3)
            let b = randn([outputs], seed: 5)
            var grads: [[[Float]]] = []
            var values: [[Float]] = []
            for fused in [true, false] {
                for t in [x, w, b] { t.requiresGrad = true; t.grad = nil }
                let y = fused ? x.linear(weight: w, bias: b) : x.matmul(w, transposeB: true) + b
                XCTAssertEqual(y.shape, [2, rows / 2, outputs])
                (y * y).sum().backward()
                values.append(y.scalars)
                grads.append([x, w, b].map { $0.grad!.scalars })
            }
            assertClose(values[0], values[1], 1e-6, "linear \(rows)×\(inputs)→\(outputs) values")
            for (name, i) in [("dx", 0), ("dW", 1), ("db", 2)] {
                assertClose(grads[0][i], grads[1][i], 1e-5, "linear \(rows)×\(inputs)→\(outputs) \(name)")
            }
        }
    }

    func testLinearGradients() {
        let x = randn([2, 3, 4], seed: 6), w = randn([5, 4], seed: 7), b = randn([5], seed: 8)
        assertGradients([x, w, b], "linear with bias") { $0[0].linear(weight: $0[1], bias: $0[2]) }
        assertGradients([x, w], "linear without bias") { $0[0].linear(weight: $0[1], bias: nil) }
    }

    func testLinearCrossEntropyMatchesComposition() {
        let (rows, width, vocab) = (300, 32, 500)
        var rng = RandomGenerator(seed: 9)
        var targets = (0..<rows).map { _ in Int32(rng.nextInt(below: vocab)) }
        targets[7] = -100; targets[123] = -100  // ignored rows
        let x = randn([3, rows / 3, width], seed: 10), w = randn([vocab, width], seed: 11, scale: 0.5)
        // Scaled by 0.5 as gradient accumulation does: the backward sees a loss gradient ≠ 1.
        var losses: [Float] = []
        var grads: [[[Float]]] = []
        for fused in [true, false] {
            x.requiresGrad = true; w.requiresGrad = true; x.grad = nil; w.grad = nil
            let loss = fused ? x.linearCrossEntropy(weight: w, targets: targets)
                : x.matmul(w, transposeB: true).reshape([rows, vocab]).crossEntropy(targets: targets)
            losses.append(loss.item)
            (loss * 0.5).backward()
            grads.append([x.grad!.scalars, w.grad!.scalars])
        }
        XCTAssertEqual(losses[0], losses[1], accuracy: 1e-5 * losses[1], "loss: fused vs composition")
        assertClose(grads[0][0], grads[1][0], 1e-6, "linearCrossEntropy dx")
        assertClose(grads[0][1], grads[1][1], 1e-6, "linearCrossEntropy dW")
        // Without grad mode the loss is the same and nothing is recorded.
        let inference = Tensor.noGrad { x.linearCrossEntropy(weight: w, targets: targets) }
        XCTAssertEqual(inference.item, losses[0], "loss under noGrad")
        XCTAssertFalse(inference.requiresGrad)
    }

    func testLinearCrossEntropyGradients() {
        let x = randn([2, 3, 4], seed: 12), w = randn([6, 4], seed: 13, scale: 0.8)
        assertGradients([x, w], "linearCrossEntropy") { $0[0].linearCrossEntropy(weight: $0[1], targets: [0, 5, 2, 2, 1, 3]) }
        assertGradients([x, w], "linearCrossEntropy ignoreIndex") {
            $0[0].linearCrossEntropy(weight: $0[1], targets: [0, -100, 2, 4, 1, -100])
        }
    }
}
