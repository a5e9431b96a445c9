// `lmlab perplexity`: how well a model predicts a text file — exp(−mean log p) over its tokens, with the window
// protocol stated in the output, because the number depends on it: `sliding` (Hugging Face's, every token scored
// once with ≥ context − stride tokens of history) or `llama.cpp` (`llama-perplexity`'s: disjoint chunks, BOS first,
// second half scored), whose figures compare directly with llama.cpp's.
import ArgumentParser
import Decoding
import Foundation
import Models
import Serving
import Tensor
import Tokenizers

struct Perplexity: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Perplexity of a model on a text file (sliding window or llama.cpp's protocol).",
        discussion: "Example: lmlab perplexity --model checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf --file corpora/wikitext-2/test.txt --context 512 --max-tokens 20000")

    @Option(help: "Model file (.gguf or .h5).") var model: String
    @Option(help: "UTF-8 text file to score.") var file: String
    @Option(help: "Window length in tokens (default: the model's context, at most 512).") var context: Int?
    @Option(help: "Sliding protocol: tokens the window moves each time (default: context / 2).") var stride: Int?
    @Option(name: .customLong("protocol"), help: "sliding (Hugging Face) or llama.cpp (llama-perplexity).")
    var windowProtocol = PerplexityProtocol.sliding.rawValue
    @Option(name: .customLong("max-tokens"), help: "Use only the first N tokens of the file (default: all).") var maxTokens: Int?
    @Option(help: "Threads for lmlab's kernels.") var threads = Parallel.threads
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func validate() throws {
        guard PerplexityProtocol(rawValue: windowProtocol) != nil else {
            throw ValidationError("--protocol \(windowProtocol) is invalid: expected sliding or llama.cpp")
        }
        if let context, context < 4 { throw ValidationError("--context \(context) is invalid: expected an integer ≥ 4") }
        if let stride, stride < 1 { throw ValidationError("--stride \(stride) is invalid: expected an integer ≥ 1") }
        if let stride, let context, stride > context {
            throw ValidationError("--stride \(stride) is invalid: expected at most --context \(context)")
        }
        if let maxTokens, maxTokens < 2 { throw ValidationError("--max-tokens \(maxTokens) is invalid: expected an integer ≥ 2") }
        guard threads >= 1 else { throw ValidationError("--threads \(threads) is invalid: expected an integer ≥ 1") }
    }

    struct Report: Encodable {
        var model: String, file: String, protocolName: String, context: Int, stride: Int?
        var perplexity: Double, meanLogprob: Double, totalTokens: Int, scoredTokens: Int, seconds: Double
        enum CodingKeys: String, CodingKey {
            case model, file, protocolName = "protocol", context, stride, perplexity, meanLogprob, totalTokens, scoredTokens, seconds
        }
    }

    func run() throws {
        Parallel.setThreads(threads)
        try runOrExit {
            guard let data = FileManager.default.contents(atPath: file) else { throw CLIError.unreadable(file: file) }
            let handle = try ModelHandle(path: model)
            let (lm, tokenizer) = (handle.runtime, handle.tokenizer)
            var tokens = tokenizer.encode(String(decoding: data, as: UTF8.self), addSpecial: true)
            if let maxTokens { tokens = Array(tokens.prefix(maxTokens)) }
            let ctx = min(context ?? min(lm.contextLength, 512), lm.contextLength)
            let proto = PerplexityProtocol(rawValue: windowProtocol)!
            guard tokens.count >= (proto == .llamaCpp ? ctx : 2) else {
                throw CLIError.tooShort(file: file, tokens: tokens.count, needed: proto == .llamaCpp ? ctx : 2)
            }
            let progress = ProgressBar(enabled: !json)
            let start = now()
            let step = stride ?? max(1, ctx / 2)
            let scores: [TokenScore]
            switch proto {
            case .sliding:
                scores = try Scoring.sliding(lm, tokens, context: ctx, stride: step) {
                    progress.update("scoring", done: $0, total: tokens.count)
                }
            case .llamaCpp:
                scores = try Scoring.llamaCpp(lm, tokens, context: ctx) {
                    progress.update("scoring", done: $0, total: tokens.count)
                }
            }
            progress.clear()
            let result = Scoring.perplexity(scores, totalTokens: tokens.count, windows: 0)
            let report = Report(model: model, file: file, protocolName: proto.rawValue, context: ctx,
                                stride: proto == .sliding ? step : nil, perplexity: result.perplexity,
                                meanLogprob: result.meanLogprob, totalTokens: tokens.count,
                                scoredTokens: result.scoredTokens, seconds: now() - start)
            if json { try printJSON(report); return }
            let how = proto == .sliding ? "sliding window: context \(ctx), stride \(step)"
                                        : "llama.cpp protocol: chunks of \(ctx), second half scored"
            print(String(format: "perplexity %.4f (mean log p %.4f) — %@; %d of %d tokens scored in %.1f s",
                         report.perplexity, report.meanLogprob, how, report.scoredTokens, report.totalTokens, report.seconds))
        }
    }
}

/// Errors of the command line's own inputs.
enum CLIError: Error, CustomStringConvertible {
    case unreadable(file: String)
    case tooShort(file: String, tokens: Int, needed: Int)

    var description: String {
        switch self {
        case .unreadable(let file): return "\(file): cannot read the file; check the path"
        case .tooShort(let file, let n, let needed):
            return "\(file): only \(n) tokens, the protocol needs at least \(needed); use a longer file or a smaller --context"
        }
    }
}
