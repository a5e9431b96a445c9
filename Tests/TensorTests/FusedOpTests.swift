// The fused ops of a training step against the simple compositions they replace, at sizes large enough that the
// work is split over two threads (by rows or by columns), plus finite-difference checks of their gradients:
//   linear(weight:bias:)          = matmul(weight, transposeB: true) + bias
//   linearCrossEntropy(weight:)   = matmul(weight, transposeB: true).crossEntropy(targets:)
//   causalAttention(…, heads:)    = split heads out (reshape, permute, repeatHeads), causalAttention, join back
//   rope(…, heads:)               = rope on the heads split out
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

    /// Products split by rows (m ≥ n), by columns (n > m) and by the inner extent (k > m, n) over two threads
    /// agree with a loop in Double.
    func testSplitProductsMatchNaiveLoop() {
        for (m, k, n) in [(300, 40, 70), (40, 64, 3000), (40, 3000, 30)] {
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
                // Float sums of k unit-variance products against Double: rounding grows with k (~k·2⁻²⁴ at worst).
                assertClose(c, expected, 1e-7 * Float(k), "\(m)×\(k)·\(k)×\(n) tA \(tA) tB \(tB)")
            }
        }
    }

    func testLinearMatchesMatmulPlusBias() {
        for (rows, inputs, outputs) in [(2 * 150, 40, 70), (40, 64, 3000), (40, 3000, 30)] {
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
                // dW sums over the rows and dx over the outputs, in another order when split (see above).
                assertClose(grads[0][i], grads[1][i], 1e-7 * Float(max(rows, inputs, outputs)), "linear \(rows)×\(inputs)→\(outputs) \(name)")
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

    /// The heads-side-by-side attention against the composition with explicit copies, with grouped KV heads, at
    /// sizes split over threads and into blocks of query rows (T = 150: three blocks of 64, the last partial).
    func testSideBySideAttentionMatchesSplitHeads() {
        for (b, t, heads, kvHeads, d) in [(3, 37, 4, 2, 8), (2, 64, 4, 4, 16), (2, 5, 2, 1, 4), (2, 150, 4, 2, 8)] {
            let q = randn([b, t, heads * d], seed: 14), k = randn([b, t, kvHeads * d], seed: 15)
            let v = randn([b, t, kvHeads * d], seed: 16)
            var values: [[Float]] = [], grads: [[[Float]]] = []
            for fused in [true, false] {
                for x in [q, k, v] { x.requiresGrad = true; x.grad = nil }
                let y: Tensor
                if fused {
                    y = Tensor.causalAttention(query: q, key: k, value: v, heads: heads, kvHeads: kvHeads)
                } else {
                    func split(_ x: Tensor, _ n: Int) -> Tensor { x.reshape([b, t, n, d]).permute([0, 2, 1, 3]) }
                    let kk = split(k, kvHeads).repeatHeads(axis: 1, times: heads / kvHeads)
                    let vv = split(v, kvHeads).repeatHeads(axis: 1, times: heads / kvHeads)
                    y = Tensor.causalAttention(query: split(q, heads), key: kk, value: vv)
                        .permute([0, 2, 1, 3]).reshape([b, t, heads * d])
                }
                XCTAssertEqual(y.shape, [b, t, heads * d])
                (y * y).sum().backward()
                values.append(y.scalars)
                grads.append([q, k, v].map { $0.grad!.scalars })
            }
            let label = "attention B \(b) T \(t) H \(heads) Hkv \(kvHeads) d \(d)"
            assertClose(values[0], values[1], 1e-5, "\(label) values")
            for (name, i) in [("dq", 0), ("dk", 1), ("dv", 2)] { assertClose(grads[0][i], grads[1][i], 1e-4, "\(label) \(name)") }
        }
    }

    func testSideBySideAttentionGradients() {
        let q = randn([2, 3, 8], seed: 17), k = randn([2, 3, 4], seed: 18), v = randn([2, 3, 4], seed: 19)
        assertGradients([q, k, v], "attention, 4 heads over 2 KV heads") {
            Tensor.causalAttention(query: $0[0], key: $0[1], value: $0[2], heads: 4, kvHeads: 2)
        }
    }

    func testRoPEOnHeadsSideBySideMatchesSplitHeads() {
        let (b, t, heads, d) = (2, 5, 3, 6)
        let x = randn([b, t, heads * d], seed: 20)
        for layout in [RoPELayout.interleaved, .halves] {
            let fused = x.rope(offset: 3, theta: 100, layout: layout, heads: heads)
            let split = x.reshape([b, t, heads, d]).permute([0, 2, 1, 3]).rope(offset: 3, theta: 100, layout: layout)
                .permute([0, 2, 1, 3]).reshape([b, t, heads * d])
            XCTAssertEqual(fused.scalars, split.scalars, "rope \(layout) with heads side by side")
            assertGradients([x], "rope \(layout) heads side by side") { $0[0].rope(offset: 3, theta: 100, layout: layout, heads: heads) }
        }
    }
}
