// `lmlab demo …`: the main job of the README's first command. Today: an MLP learns XOR with our autograd.
import ArgumentParser
import Foundation
import Tensor

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a demonstration.",
        subcommands: [DemoXOR.self, DemoGradcheck.self])
}

struct DemoXOR: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xor", abstract: "Train a 2-16-2 MLP on XOR with lmlab's autograd and AdamW.")

    @Option(help: "Random seed (initial weights).") var seed: UInt64 = 1
    @Option(help: "Training steps (full batch of the four XOR inputs).") var steps = 300
    @Option(name: .customLong("lr"), help: "AdamW learning rate.") var learningRate: Float = 0.05
    @Option(help: "Print the loss every N steps.") var every = 50
    @OptionGroup var output: JSONOption

    func validate() throws {
        guard steps > 0 else { throw ValidationError("--steps must be positive (got \(steps))") }
        guard every > 0 else { throw ValidationError("--every must be positive (got \(every))") }
        guard learningRate > 0 else { throw ValidationError("--lr must be positive (got \(learningRate))") }
    }

    struct Report: Encodable {
        var seed: UInt64, steps: Int, finalLoss: Float, losses: [Float], inputs: [[Float]], targets: [Int32]
        var probabilities: [Float], seconds: Double
    }

    func run() throws {
        let start = now()
        let quiet = output.json, every = self.every
        let result = XOR.train(seed: seed, steps: steps, learningRate: learningRate) { step, loss in
            if !quiet && (step % every == 0 || step == steps - 1) {
                print(String(format: "step %4d  loss %.5f", step, loss))
            }
        }
        let elapsed = now() - start
        let inputs = stride(from: 0, to: 8, by: 2).map { [XOR.inputs[$0], XOR.inputs[$0 + 1]] }
        if output.json {
            try printJSON(Report(seed: seed, steps: steps, finalLoss: result.losses.last!, losses: result.losses,
                                 inputs: inputs, targets: XOR.targets, probabilities: result.probabilities,
                                 seconds: elapsed))
            return
        }
        print("\n  x1 x2 | target | p(1)")
        for (i, x) in inputs.enumerated() {
            print(String(format: "   %.0f  %.0f |   %d    | %.4f", x[0], x[1], XOR.targets[i], result.probabilities[i]))
        }
        print(String(format: "\nfinal loss %.5f after %d steps (%.2f s)", result.losses.last!, steps, elapsed))
    }
}

struct DemoGradcheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradcheck",
        abstract: "Check autograd's gradients of L = Σ tanh(x·Wᵀ + b) against central differences, element by element.")

    @Option(help: "Random seed of x, W and b.") var seed: UInt64 = 7
    @Option(help: "Finite-difference step ε.") var epsilon: Float = 1e-2
    @OptionGroup var output: JSONOption

    func run() throws {
        var rng = RandomGenerator(seed: seed)
        let x = Tensor(randomNormal: [2, 3], rng: &rng)
        let w = Tensor(randomNormal: [2, 3], rng: &rng)
        let b = Tensor(randomNormal: [2], rng: &rng)
        let rows = GradientCheck.compare([("x", x), ("W", w), ("b", b)], epsilon: epsilon) {
            (x.matmul(w, transposeB: true) + b).tanh().sum()
        }
        let worst = rows.map { abs($0.analytic - $0.numeric) }.max() ?? 0
        if output.json {
            struct Report: Encodable { var epsilon: Float, rows: [GradientComparison], maxAbsDifference: Float }
            try printJSON(Report(epsilon: epsilon, rows: rows, maxAbsDifference: worst))
            return
        }
        print("L = Σ tanh(x·Wᵀ + b), x (2×3), W (2×3), b (2); ε = \(epsilon)")
        print("param  value      autograd   numeric    |diff|")
        for r in rows {
            print("\(r.name)[\(r.index)]".padding(toLength: 7, withPad: " ", startingAt: 0)
                  + String(format: "%9.5f  %9.5f  %9.5f  %.1e", r.value, r.analytic, r.numeric, abs(r.analytic - r.numeric)))
        }
        print(String(format: "max |autograd − numeric| = %.1e", worst))
    }
}
