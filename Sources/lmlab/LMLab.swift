// The `lmlab` command line: one subcommand per verb (swift-argument-parser).
import ArgumentParser

@main
struct LMLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lmlab",
        abstract: "A from-scratch language-model lab: train a tiny GPT, decode it, and contrast a real Llama.",
        subcommands: [
            Demo.self,
            Bench.self,
            TokenizerGroup.self,
            Tokenize.self,
            Prepare.self,
            Train.self,
            Info.self,
            Lectures.self,
            Generate.self,
            TemplateCommand.self,
        ])
}

/// `lmlab bench …`: benchmarks that print figures (and one JSON object with `--json`).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure throughput of lmlab's building blocks.",
        subcommands: [
            BenchTensor.self,
            BenchTrain.self,
            BenchTokenize.self,
            BenchDecode.self,
        ])
}
