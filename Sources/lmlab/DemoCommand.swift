import ArgumentParser
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a demonstration.")
    func run() throws {}
}
