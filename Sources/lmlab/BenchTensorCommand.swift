import ArgumentParser
struct BenchTensor: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tensor", abstract: "Tensor kernels.")
    func run() throws {}
}
