// `lmlab compare`: several decoding strategies on one prompt, side by side — the table a lecture puts on a slide.
// An adapter over Serving's Comparison (the strategies, the re-scoring and the columns: mean log p, distinct-2,
// repeated 3-grams, time), which the server's /v1/compare also runs.
import ArgumentParser
import Decoding
import Foundation
import Models
import Serving
import Tensor
import Tokenizers

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run several decoding strategies on one prompt and compare them side by side.",
        discussion: "Example: lmlab compare --model M --prompt \"The\" --strategy greedy --strategy beam:4 --strategy top-k:40 --strategy top-p:0.9 --strategy temp:1.5 --seed 1")

    @Option(help: "Model file (.gguf or .h5).") var model: String
    @Option(help: "Text to continue.") var prompt: String
    @Option(help: "Strategy (repeatable): greedy, beam:N, top-k:K, top-p:P, min-p:P, typical:P, temp:T; sampling ones may end in @T.")
    var strategy: [String] = ["greedy", "beam:4", "top-k:40", "top-p:0.9", "temp:1.5"]
    @Option(name: [.customLong("max-tokens"), .customShort("n")], help: "New tokens per strategy.") var maxTokens = 48
    @Option(help: "Seed of every sampling strategy.") var seed: UInt64 = 1
    @Flag(help: "Parse special tokens written in the prompt.") var special = false
    @Option(help: "Threads for lmlab's kernels.") var threads = Parallel.threads
    @OptionGroup(title: "Runtime") var runtime: RuntimeOptionGroup
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func validate() throws {
        guard maxTokens >= 2 else { throw ValidationError("--max-tokens \(maxTokens) is invalid: expected an integer ≥ 2") }
        guard threads >= 1 else { throw ValidationError("--threads \(threads) is invalid: expected an integer ≥ 1") }
        _ = try strategies()
    }

    /// The --strategy values, parsed (a bad one names the flag).
    func strategies() throws -> [DecodingStrategy] {
        try strategy.map { text in
            do { return try DecodingStrategy(text) } catch { throw ValidationError("--\(String(describing: error))") }
        }
    }

    struct Report: Encodable { var model: String, prompt: String, seed: UInt64, maxTokens: Int, rows: [ComparisonRow] }

    func run() throws {
        Parallel.setThreads(threads)
        try runOrExit {
            let handle = try ModelHandle(path: model, options: runtime.options)
            let rows = try handle.compare(prompt: prompt, strategies: try strategies(), maxTokens: maxTokens, seed: seed,
                                          parseSpecial: special)
            let report = Report(model: model, prompt: prompt, seed: seed, maxTokens: maxTokens, rows: rows)
            if json { try printJSON(report); return }
            print("prompt: \"\(prompt)\" — \(maxTokens) new tokens, seed \(seed)")
            print("strategy        mean log p  distinct-2  rep. 3-grams  tokens   time")
            for r in rows {
                print(r.strategy.padding(toLength: 14, withPad: " ", startingAt: 0)
                      + String(format: "  %10.3f  %10.2f  %12d  %6d  %5.2fs", r.meanLogprob, r.distinct2, r.repeated3grams, r.tokens, r.seconds))
            }
            for r in rows {
                print("\n[\(r.strategy)] " + oneLine(r.text))
            }
        }
    }
}
