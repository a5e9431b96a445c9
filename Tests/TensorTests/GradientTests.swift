// A finite-difference gradient check for every differentiable op (see GradientCheck.swift for the method).
import XCTest
import Tensor

final class GradientTests: XCTestCase {
    /// The check itself must be able to fail: an op whose backward has the wrong sign is caught.
    func testCheckCatchesWrongGradient() {
        let x = randn([3, 4], seed: 1)
        let wrongSign = gradientMismatches([x]) { i in
            let out = i[0].detached()
            for j in 0..<out.count { out.pointer[j] = i[0].pointer[j] * i[0].pointer[j] }
            return Tensor.record(out, inputs: [i[0]]) { g in i[0].accumulateGrad((g * i[0] * -2).detached()) }
        }
        // d(x²)/dx = 2x is far from the tolerance for every element of a standard normal sample.
        XCTAssertEqual(wrongSign.count, x.count, "a wrong-sign gradient must fail everywhere")
        let missingTerm = gradientMismatches([x]) { i in
            let out = i[0].detached()
            for j in 0..<out.count { out.pointer[j] = i[0].pointer[j] * i[0].pointer[j] }
            return Tensor.record(out, inputs: [i[0]]) { g in i[0].accumulateGrad((g * i[0]).detached()) }  // missing ×2
        }
        XCTAssertEqual(missingTerm.count, x.count, "a gradient missing its factor 2 must fail everywhere")
    }

    func testBroadcastingArithmetic() {
        let shapes: [([Int], [Int])] = [([2, 3, 4], [2, 3, 4]), ([2, 3, 4], [4]), ([2, 3, 4], [3, 1]),
                                        ([2, 1, 4], [3, 1]), ([1], [2, 3]), ([3, 1], [1, 4]), ([], [2, 2])]
        for (sa, sb) in shapes {
            let a = randn(sa, seed: 2), b = randn(sb, seed: 3)
            assertGradients([a, b], "add \(sa) \(sb)") { $0[0] + $0[1] }
            assertGradients([a, b], "sub \(sa) \(sb)") { $0[0] - $0[1] }
            assertGradients([a, b], "mul \(sa) \(sb)") { $0[0] * $0[1] }
            let d = uniform(sb, 0.8, 2.0, seed: 4)
            assertGradients([a, d], "div \(sa) \(sb)") { $0[0] / $0[1] }
        }
    }

    func testScalarArithmetic() {
        let a = randn([3, 5], seed: 5)
        assertGradients([a], "tensor+scalar") { $0[0] + 1.5 }
        assertGradients([a], "scalar-tensor") { 2 - $0[0] }
        assertGradients([a], "tensor*scalar") { $0[0] * -3 }
        assertGradients([a], "tensor/scalar") { $0[0] / 4 }
        assertGradients([a], "negate") { -$0[0] }
    }

    func testUnaryFunctions() {
        let x = randn([4, 6], seed: 6)
        assertGradients([x], "exp") { $0[0].exp() }
        assertGradients([x], "tanh") { $0[0].tanh() }
        assertGradients([x], "sigmoid") { $0[0].sigmoid() }
        assertGradients([x], "square") { $0[0].square() }
        assertGradients([x], "silu") { $0[0].silu() }
        assertGradients([x], "gelu exact") { $0[0].gelu() }
        assertGradients([x], "gelu tanh") { $0[0].gelu(approximate: true) }
        let positive = uniform([4, 6], 0.5, 3, seed: 7)
        assertGradients([positive], "log") { $0[0].log() }
        assertGradients([positive], "sqrt") { $0[0].sqrt() }
        // ReLU away from its kink at 0, where the derivative is undefined.
        let away = Tensor(x.scalars.map { $0 >= 0 ? $0 + 0.1 : $0 - 0.1 }, shape: x.shape)
        assertGradients([away], "relu") { $0[0].relu() }
    }

    func testReductions() {
        let x = randn([2, 3, 4], seed: 8)
        for axis in [0, 1, 2, -1] {
            for keep in [false, true] {
                assertGradients([x], "sum axis \(axis) keep \(keep)") { $0[0].sum(axis: axis, keepDims: keep) }
                assertGradients([x], "mean axis \(axis) keep \(keep)") { $0[0].mean(axis: axis, keepDims: keep) }
            }
        }
        assertGradients([x], "sum all") { $0[0].sum() }
        assertGradients([x], "mean all") { $0[0].mean() }
        // Distinct values 0.1 apart, shuffled, so no ±ε nudge changes which element is the maximum.
        var rng = RandomGenerator(seed: 9)
        let distinct = (0..<24).map { Float($0) * 0.1 }.shuffled(using: &rng)
        let m = Tensor(distinct, shape: [2, 3, 4])
        for axis in [0, 1, 2] { assertGradients([m], "max axis \(axis)") { $0[0].max(axis: axis) } }
    }

    func testShapeOps() {
        let x = randn([2, 3, 4], seed: 10)
        assertGradients([x], "reshape") { $0[0].reshape([4, -1]) * $0[0].reshape([4, 6]) }
        assertGradients([x], "permute") { $0[0].permute([2, 0, 1]) }
        assertGradients([x], "transpose") { $0[0].transpose(0, 2) }
        let y = randn([2, 5, 4], seed: 11)
        assertGradients([x, y], "concat axis 1") { Tensor.concat([$0[0], $0[1]], axis: 1) }
        let z = randn([2, 3, 2], seed: 12)
        assertGradients([x, z], "concat axis -1") { Tensor.concat([$0[0], $0[1]], axis: -1) }
        assertGradients([x], "slice") { $0[0].slice(axis: 2, 1..<3) }
        assertGradients([x], "split") { i in
            let parts = i[0].split(sizes: [1, 2], axis: 1)
            return parts[0] * 2 + parts[1].sum(axis: 1, keepDims: true)
        }
        assertGradients([x], "repeatHeads") { $0[0].repeatHeads(axis: 1, times: 2) }
    }

    func testMatMul() {
        for (tA, tB) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = randn(tA ? [4, 3] : [3, 4], seed: 13), b = randn(tB ? [5, 4] : [4, 5], seed: 14)
            assertGradients([a, b], "matmul tA \(tA) tB \(tB)") { $0[0].matmul($0[1], transposeA: tA, transposeB: tB) }
            let ba = randn([2, 3] + (tA ? [4, 3] : [3, 4]), seed: 15), bb = randn([2, 3] + (tB ? [5, 4] : [4, 5]), seed: 16)
            assertGradients([ba, bb], "batched tA \(tA) tB \(tB)") { $0[0].matmul($0[1], transposeA: tA, transposeB: tB) }
            assertGradients([ba, b], "batch × shared matrix tA \(tA) tB \(tB)") {
                $0[0].matmul($0[1], transposeA: tA, transposeB: tB)
            }
            assertGradients([a, bb], "shared matrix × batch tA \(tA) tB \(tB)") {
                $0[0].matmul($0[1], transposeA: tA, transposeB: tB)
            }
        }
    }

    func testSoftmaxFamily() {
        let x = randn([3, 7], seed: 17, scale: 2)
        assertGradients([x], "softmax") { $0[0].softmax() }
        assertGradients([x], "logSoftmax") { $0[0].logSoftmax() }
        let scores = randn([2, 4, 6], seed: 18)
        assertGradients([scores], "causalSoftmax") { $0[0].causalSoftmax(scale: 0.7) }
    }

    func testNormalization() {
        let x = randn([3, 8], seed: 19), w = uniform([8], 0.5, 1.5, seed: 20), b = randn([8], seed: 21)
        assertGradients([x, w, b], "layerNorm") { $0[0].layerNorm(weight: $0[1], bias: $0[2]) }
        assertGradients([x, w], "layerNorm without bias") { $0[0].layerNorm(weight: $0[1], bias: nil) }
        assertGradients([x, w], "rmsNorm") { $0[0].rmsNorm(weight: $0[1]) }
    }

    func testEmbedding() {
        let table = randn([6, 4], seed: 22)
        let ids: [Int32] = [1, 3, 1, 5, 0, 3]  // repeats: the backward must add, not overwrite
        assertGradients([table], "embedding") { $0[0].embedding(ids, shape: [2, 3]) }
    }

    func testCrossEntropy() {
        let logits = randn([2, 3, 5], seed: 23, scale: 2)
        assertGradients([logits], "crossEntropy") { $0[0].crossEntropy(targets: [0, 4, 2, 2, 1, 3]) }
        assertGradients([logits], "crossEntropy ignoreIndex") {
            $0[0].crossEntropy(targets: [0, -100, 2, 4, 1, -100], ignoreIndex: -100)
        }
    }

    func testDropout() {
        let x = randn([4, 8], seed: 24)
        assertGradients([x], "dropout") { i in
            var rng = RandomGenerator(seed: 99)  // the same mask in every evaluation
            return i[0].dropout(probability: 0.3, rng: &rng)
        }
    }

    func testAttentionAndRoPE() {
        let q = randn([2, 2, 3, 4], seed: 25), k = randn([2, 2, 5, 4], seed: 26), v = randn([2, 2, 5, 4], seed: 27)
        assertGradients([q, k, v], "causal attention") { Tensor.causalAttention(query: $0[0], key: $0[1], value: $0[2]) }
        let x = randn([2, 3, 6], seed: 28)
        for layout in [RoPELayout.interleaved, .halves] {
            assertGradients([x], "rope \(layout)") { $0[0].rope(offset: 2, theta: 100, layout: layout) }
        }
    }

    func testLinearLayer() {
        var rng = RandomGenerator(seed: 29)
        let layer = Linear(inputs: 4, outputs: 3, rng: &rng)
        let x = randn([2, 5, 4], seed: 30)
        assertGradients([x, layer.weight, layer.bias!], "linear") { _ in layer(x).tanh() }
    }
}
