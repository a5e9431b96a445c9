// The `lmlab` command line: one subcommand per verb (swift-argument-parser).
import ArgumentParser
import Foundation

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
            Export.self,
            Import.self,
            Lectures.self,
            Generate.self,
            Inspect.self,
            Compare.self,
            Perplexity.self,
            Score.self,
            TemplateCommand.self,
            ChatCommand.self,
            Serve.self,
        ])

    /// Like ArgumentParser's default, except that a wrong flag or value prints one line ("lmlab: …", naming the flag
    /// and what is valid) instead of the error plus the usage text; `--help` still prints the help.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is CleanExit {
                print(fullMessage(for: error))
            } else {
                let message = self.message(for: error)
                if !message.isEmpty { FileHandle.standardError.write(Data("lmlab: \(message)\n".utf8)) }
            }
            Foundation.exit(code.rawValue)
        }
    }
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
            BenchJSONMode.self,
            BenchServe.self,
        ])
}
