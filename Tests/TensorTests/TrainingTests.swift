// End to end: small networks learn, seeded and bit-for-bit deterministic run to run.
import XCTest
import Foundation
import Tensor

func trainXOR(seed: UInt64, steps: Int) -> [Float] { XOR.train(seed: seed, steps: steps).losses }

final class TrainingTests: XCTestCase {
    func testMLPLearnsXOR() {
        let losses = trainXOR(seed: 1, steps: 300)
        XCTAssertGreaterThan(losses[0], 0.5, "an untrained net cannot already know XOR")
        XCTAssertLessThan(losses.last!, 0.01, "XOR loss after 300 steps: \(losses.last!)")
        XCTAssertEqual(losses, trainXOR(seed: 1, steps: 300), "same seed, same losses, bit for bit")
        XCTAssertNotEqual(losses, trainXOR(seed: 2, steps: 300))
        let p = XOR.train(seed: 1, steps: 300).probabilities
        XCTAssertTrue(p[0] < 0.02 && p[1] > 0.98 && p[2] > 0.98 && p[3] < 0.02, "XOR probabilities \(p)")
    }

    /// A 2-layer net fits y = sin(x) on [−3, 3] with SGD + momentum and a mean-squared-error loss.
    func fitSine(seed: UInt64) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        let l1 = Linear(inputs: 1, outputs: 32, rng: &rng), l2 = Linear(inputs: 32, outputs: 1, rng: &rng)
        let xs = (0..<64).map { -3 + 6 * Float($0) / 63 }
        let x = Tensor(xs, shape: [64, 1]), y = Tensor(xs.map { sin($0) }, shape: [64, 1])
        let opt = SGD(parameters: [l1.weight, l1.bias!, l2.weight, l2.bias!], config: SGDConfig(learningRate: 0.05, momentum: 0.9))
        var losses: [Float] = []
        for _ in 0..<1500 {
            let loss = (l2(l1(x).tanh()) - y).square().mean()
            opt.zeroGrad()
            loss.backward()
            opt.step()
            losses.append(loss.item)
        }
        return losses
    }

    func testTwoLayerNetFitsRegression() {
        let losses = fitSine(seed: 3)
        XCTAssertGreaterThan(losses[0], 0.1)
        XCTAssertLessThan(losses.last!, 0.005, "regression MSE after 1500 steps: \(losses.last!)")
        XCTAssertEqual(losses, fitSine(seed: 3), "same seed, same losses, bit for bit")
    }
}
