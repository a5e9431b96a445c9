// `lmlab compare`: several decoding strategies on one prompt, side by side — the table a lecture puts on a slide.
// Each continuation is re-scored under the model's raw distribution (teacher-forced), so the columns compare:
//   mean log p    how probable the model finds the text (greedy/beam high; high temperature low)
//   distinct-2    distinct bigrams / bigrams: low means loops
//   repeated 3-grams   3-grams that occur more than once (counted per extra occurrence)
import ArgumentParser
import Decoding
import Foundation
import Models
import Serving
import Tensor
import Tokenizers

/// One `--strategy` value: greedy, beam:N, top-k:K, top-p:P, min-p:P, typical:P, temp:T (sampling strategies at
/// temperature 1 unless `temp` is given too, e.g. top-p:0.9@0.8).
struct Strategy: CustomStringConvertible {
    var name: String
    var sampling = SamplingParameters.greedy
    var beams = 1

    var description: String { name }

    init(_ text: String) throws {
        name = text
        let parts = text.split(separator: "@", maxSplits: 1)
        let main = parts[0].split(separator: ":", maxSplits: 1)
        let kind = String(main[0]), value = main.count > 1 ? String(main[1]) : nil
        func invalid(_ why: String) -> ValidationError { ValidationError("--strategy \(text) is invalid: \(why)") }
        func number() throws -> Double {
            guard let value, let x = Double(value), x.isFinite else { throw invalid("\(kind) needs a value, e.g. \(kind):0.9") }
            return x
        }
        var p = SamplingParameters()
        switch kind {
        case "greedy": p = .greedy
        case "beam":
            let n = Int(try number())
            guard n >= 1 else { throw invalid("beams must be ≥ 1") }
            beams = n; p = .greedy
        case "top-k":
            let k = Int(try number())
            guard k >= 1 else { throw invalid("k must be ≥ 1") }   // top-k:0 would be "off"
            p.topK = k
        case "top-p": p.topP = Float(try number())
        case "min-p": p.minP = Float(try number())
        case "typical": p.typicalP = Float(try number())
        case "temp":
            let x = try number()
            guard x > 0 else { throw invalid("temperature must be > 0 (use greedy for 0)") }
            p.temperature = Float(x)
        default:
            throw invalid("expected greedy, beam:N, top-k:K, top-p:P, min-p:P, typical:P or temp:T")
        }
        if parts.count > 1 {
            guard let t = Float(parts[1]), t > 0 else { throw invalid("@T needs a temperature > 0") }
            p.temperature = t
        }
        // The ranges are SamplingParameters' own (the same check as the sampling flags and a request's fields).
        do { try p.validate() } catch {
            let what = ["top_p": "p must be in (0, 1]", "min_p": "min-p must be in [0, 1]", "typical_p": "typical-p must be in (0, 1]"]
            throw invalid(error.field.flatMap { what[$0] } ?? error.description)
        }
        sampling = p
    }
}

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
        _ = try strategy.map(Strategy.init)
    }

    struct Row: Encodable {
        var strategy: String, text: String, tokens: Int, meanLogprob: Double, distinct2: Double
        var repeated3grams: Int, seconds: Double
    }
    struct Report: Encodable { var model: String, prompt: String, seed: UInt64, maxTokens: Int, rows: [Row] }

    func run() throws {
        Parallel.setThreads(threads)
        try runOrExit {
            let handle = try ModelHandle(path: model, options: runtime.options)
            var rows: [Row] = []
            for s in try strategy.map(Strategy.init) {
                var request = CompletionRequest(prompt: .text(prompt))
                request.maxTokens = maxTokens
                request.parseSpecial = special
                request.sampling = s.sampling
                request.seed = seed
                if s.beams > 1 { request.beams = BeamSearchParameters(); request.beams!.numBeams = s.beams }
                let start = now()
                let result = try handle.complete(request)
                let seconds = now() - start
                let ids = result.promptTokens, tokens = result.choices[0].tokens
                let scores = tokens.isEmpty ? [] : try Scoring.score(handle.runtime, ids + tokens, from: ids.count)
                rows.append(Row(strategy: s.name, text: result.choices[0].text, tokens: tokens.count,
                                meanLogprob: scores.isEmpty ? 0 : scores.map(\.logprob).reduce(0, +) / Double(scores.count),
                                distinct2: Self.distinct(tokens, n: 2), repeated3grams: Self.repeated(tokens, n: 3), seconds: seconds))
            }
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

    /// Distinct n-grams / n-grams (Li et al. 2016); 1 when there are none.
    static func distinct(_ t: [Int32], n: Int) -> Double {
        guard t.count >= n else { return 1 }
        let grams = (0...(t.count - n)).map { Array(t[$0..<($0 + n)]) }
        return Double(Set(grams).count) / Double(grams.count)
    }

    /// n-gram occurrences beyond the first of each.
    static func repeated(_ t: [Int32], n: Int) -> Int {
        guard t.count >= n else { return 0 }
        let grams = (0...(t.count - n)).map { Array(t[$0..<($0 + n)]) }
        return grams.count - Set(grams).count
    }
}
