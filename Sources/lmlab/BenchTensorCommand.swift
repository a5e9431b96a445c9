// `lmlab bench tensor`: throughput of the tensor library's kernels — a matrix product through OpenBLAS in
// GFLOP/s (2·M·N·K flops) and large elementwise/reduction ops in GB/s (bytes read + written).
import ArgumentParser
import Foundation
import Tensor

struct BenchTensor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tensor", abstract: "Measure matmul GFLOP/s and elementwise GB/s.")

    @Option(help: "Threads for lmlab's kernels and OpenBLAS.") var threads = Parallel.threads
    @Option(help: "Matrix size n of the n×n×n product.") var size = 512
    @Option(help: "Elements of the elementwise and reduction operands.") var elements = 1 << 24
    @Option(help: "Timed repetitions (the median is reported).") var repeats = 20
    @OptionGroup var output: JSONOption

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1 (got \(threads))") }
        guard size >= 1, elements >= 1 else { throw ValidationError("--size and --elements must be positive") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1 (got \(repeats))") }
    }

    struct Figure: Encodable {
        var name: String, shape: String, medianSeconds: Double
        var gflops: Double?, gigabytesPerSecond: Double?
    }
    struct Report: Encodable { var threads: Int, repeats: Int, results: [Figure] }

    /// Median wall time of `body` over `repeats` runs after two warm-up runs.
    func time(_ body: () -> Void) -> Double {
        body(); body()
        return median((0..<repeats).map { _ in let t = now(); body(); return now() - t })
    }

    func run() throws {
        Parallel.setThreads(threads)
        var rng = RandomGenerator(seed: 0)
        let n = size
        let a = Tensor(randomNormal: [n, n], rng: &rng), b = Tensor(randomNormal: [n, n], rng: &rng)
        let x = Tensor(randomNormal: [elements], rng: &rng), y = Tensor(randomNormal: [elements], rng: &rng)
        let rowsX = x.reshape([elements / 1024, 1024])
        let bytes = Double(elements * MemoryLayout<Float>.size)
        var results: [Figure] = []
        let tm = time { _ = a.matmul(b) }
        results.append(Figure(name: "matmul", shape: "\(n)x\(n)x\(n)", medianSeconds: tm,
                              gflops: 2 * pow(Double(n), 3) / tm / 1e9))
        let tmT = time { _ = a.matmul(b, transposeB: true) }
        results.append(Figure(name: "matmul (B transposed)", shape: "\(n)x\(n)x\(n)", medianSeconds: tmT,
                              gflops: 2 * pow(Double(n), 3) / tmT / 1e9))
        let tAdd = time { _ = x + y }
        results.append(Figure(name: "add", shape: "\(elements)", medianSeconds: tAdd, gigabytesPerSecond: 3 * bytes / tAdd / 1e9))
        let tMul = time { _ = x * y }
        results.append(Figure(name: "mul", shape: "\(elements)", medianSeconds: tMul, gigabytesPerSecond: 3 * bytes / tMul / 1e9))
        let tGelu = time { _ = x.gelu(approximate: true) }
        results.append(Figure(name: "gelu (tanh)", shape: "\(elements)", medianSeconds: tGelu, gigabytesPerSecond: 2 * bytes / tGelu / 1e9))
        let tSum = time { _ = rowsX.sum(axis: -1) }
        results.append(Figure(name: "sum (last axis)", shape: "\(elements / 1024)x1024", medianSeconds: tSum, gigabytesPerSecond: bytes / tSum / 1e9))
        let tSoftmax = time { _ = rowsX.softmax() }
        results.append(Figure(name: "softmax", shape: "\(elements / 1024)x1024", medianSeconds: tSoftmax, gigabytesPerSecond: 2 * bytes / tSoftmax / 1e9))

        if output.json { try printJSON(Report(threads: threads, repeats: repeats, results: results)); return }
        print("lmlab bench tensor — \(threads) thread(s), median of \(repeats) runs")
        print("op                      shape              time          throughput")
        for r in results {
            let figure = r.gflops.map { String(format: "%8.1f GFLOP/s", $0) } ?? String(format: "%8.2f GB/s", r.gigabytesPerSecond ?? 0)
            print(r.name.padding(toLength: 24, withPad: " ", startingAt: 0) + r.shape.padding(toLength: 19, withPad: " ", startingAt: 0)
                  + String(format: "%9.3f ms   ", r.medianSeconds * 1e3) + figure)
        }
    }
}
