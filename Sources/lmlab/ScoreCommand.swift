// `lmlab score`: each token of a given text with its log-probability and rank under the model; `--highlight`
// colours the text by rank as GLTR does (Gehrmann et al. 2019), which makes generated text (mostly top-1/top-10)
// and human text (more surprises) look different.
import ArgumentParser
import Decoding
import Foundation
import Models
import Serving
import Tensor
import Tokenizers

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Log-probability and rank of every token of a text (GLTR-style --highlight).",
        discussion: "Example: lmlab score --model checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf --text \"The capital of France is Paris.\" --highlight")

    @Option(help: "Model file (.gguf or .h5).") var model: String
    @Option(help: "Text to score.") var text: String?
    @Option(help: "File whose text to score (instead of --text).") var file: String?
    @Flag(help: "Colour each token by its rank: top-1 green, top-10 yellow, top-100 red, rest magenta.") var highlight = false
    @Option(help: "Threads for lmlab's kernels.") var threads = Parallel.threads
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func validate() throws {
        guard (text == nil) != (file == nil) else { throw ValidationError("give exactly one of --text and --file") }
        guard threads >= 1 else { throw ValidationError("--threads \(threads) is invalid: expected an integer ≥ 1") }
    }

    struct Token: Encodable { var id: Int32, piece: String, logprob: Double?, rank: Int? }
    struct Report: Encodable {
        var model: String, tokens: [Token], meanLogprob: Double, perplexity: Double
        /// Fractions of scored tokens ranked 1, 2–10, 11–100, > 100.
        var rankBuckets: [String: Double]
    }

    func run() throws {
        Parallel.setThreads(threads)
        try runOrExit {
            var input = text ?? ""
            if let file {
                guard let data = FileManager.default.contents(atPath: file) else { throw CLIError.unreadable(file: file) }
                input = String(decoding: data, as: UTF8.self)
            }
            let handle = try ModelHandle(path: model)
            let (lm, tokenizer) = (handle.runtime, handle.tokenizer)
            let ids = tokenizer.encode(input, addSpecial: true)
            guard ids.count >= 2 else { throw CLIError.tooShort(file: file ?? "--text", tokens: ids.count, needed: 2) }
            let ctx = lm.contextLength
            let scores = ids.count <= ctx ? try Scoring.score(lm, ids)
                                          : try Scoring.sliding(lm, ids, context: ctx, stride: ctx / 2)
            let piece = handle.piece
            let tokens = [Token(id: ids[0], piece: piece(ids[0]), logprob: nil, rank: nil)]
                + scores.map { Token(id: $0.id, piece: piece($0.id), logprob: $0.logprob, rank: $0.rank) }
            let mean = scores.map(\.logprob).reduce(0, +) / Double(scores.count)
            func share(_ r: ClosedRange<Int>) -> Double { Double(scores.filter { r.contains($0.rank) }.count) / Double(scores.count) }
            let report = Report(model: model, tokens: tokens, meanLogprob: mean, perplexity: Foundation.exp(-mean),
                                rankBuckets: ["top1": share(1...1), "top10": share(2...10), "top100": share(11...100),
                                              "rest": share(101...Int.max)])
            if json { try printJSON(report); return }
            if highlight {
                let entries = tokens.map { t in
                    TokenLogprob(id: t.id, text: t.piece, logprob: t.logprob, top: [], rank: t.rank, textOffset: 0)
                }
                print(Highlight.render(entries))
                print(Highlight.legend)
            } else {
                for t in tokens {
                    let lp = t.logprob.map { String(format: "%8.3f", $0) } ?? "       –"
                    let rank = t.rank.map(String.init) ?? "–"
                    print(String(format: "%6d  ", t.id) + lp + "  rank " + rank.padding(toLength: 6, withPad: " ", startingAt: 0)
                          + " " + quotedPiece(t.piece))
                }
            }
            let b = report.rankBuckets
            print(String(format: "mean log p %.3f, perplexity %.2f; ranks: top-1 %.0f%%, top-10 %.0f%%, top-100 %.0f%%, rest %.0f%%",
                         mean, report.perplexity, 100 * b["top1"]!, 100 * b["top10"]!, 100 * b["top100"]!, 100 * b["rest"]!))
        }
    }
}
