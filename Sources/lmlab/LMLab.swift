import ArgumentParser
import HDF5Shim
import Tensor

@main
struct LMLab: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lmlab", abstract: "A from-scratch language-model lab.")
    func run() throws { print(TensorPlaceholder.blasThreads(), lm_H5P_DEFAULT()) }
}
