// `lmlab generate`: continue a prompt with a model (.gguf or lmlab .h5) using any decoding strategy — greedy,
// sampling through the logits chain, or beam search. The prompt goes through the model in one batched pass, then
// one token at a time with the KV cache (`--no-kv-cache` recomputes the prefix, for teaching); text streams to
// stdout as it is generated. `--json` prints one OpenAI / llama-cpp-python text-completion object.
import ArgumentParser
import Decoding
import Foundation
import Models
import Serving
import Tensor
import Tokenizers

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate text from a prompt (greedy, sampling or beam search).",
        discussion: """
            Examples:
              lmlab generate --model checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf --prompt "The capital of France is" -n 32 --temperature 0
              lmlab generate --model checkpoints/tiny.h5 --prompt "The" --preset llama.cpp --seed 1
              lmlab generate --model M --prompt P --beams 4 --repeat-penalty 1.3 --num-return-sequences 4
            """)

    @Option(help: "Model file: a GGUF llama model (.gguf) or an lmlab checkpoint (.h5).")
    var model: String
    @Option(help: "Text to continue.")
    var prompt: String
    @Option(name: [.customLong("max-tokens"), .customShort("n")], help: "Most new tokens.")
    var maxTokens = 128
    @OptionGroup(title: "Sampling") var sampling: SamplingOptions
    @OptionGroup(title: "Beam search") var beam: BeamOptions
    @Option(name: .customLong("num-return-sequences"), help: "Continuations to return (sampling: seeds seed, seed+1, …; beams: the best N).")
    var numReturnSequences = 1
    @Option(help: "Stop when this text appears (repeatable); it is not printed.")
    var stop: [String] = []
    @Option(help: "Per token, the log-probabilities of the N best alternatives (llama-cpp-python's logprobs).")
    var logprobs: Int?
    @Flag(help: "Include the prompt (and with --logprobs its log-probabilities) in the output.")
    var echo = false
    @Flag(name: .customLong("no-kv-cache"), help: "Recompute the whole prefix at every step instead of using the KV cache.")
    var noKVCache = false
    @Flag(help: "Parse special tokens written in the prompt (e.g. <|im_start|>) into their ids.")
    var special = false
    @Flag(help: "Stream text as it is generated (the default for text output; with --json, one chunk object per line).")
    var stream = false
    @Flag(help: "Colour each generated token by its rank under the model: top-1 green, top-10 yellow, top-100 red, rest magenta.")
    var highlight = false
    @Flag(name: .customLong("json-mode"), help: "Constrain decoding so the output is always one valid JSON object or array.")
    var jsonMode = false
    @Option(name: .customLong("json-schema"), help: "JSON mode narrowed to a schema file (object/properties/required, string, number, integer, boolean, array, enum).")
    var jsonSchema: String?
    @Flag(help: "Print the sampler chain, the seed and timings to stderr.")
    var verbose = false
    @Option(help: "Threads for lmlab's kernels.")
    var threads = Parallel.threads
    @OptionGroup var runtime: RuntimeOptionGroup
    @Flag(help: "Print one JSON text-completion object instead of streaming text.")
    var json = false

    /// The request these flags describe (the prompt as text; the JSON schema is read when the command runs).
    func request() throws -> CompletionRequest {
        var r = CompletionRequest(prompt: .text(prompt))
        r.maxTokens = maxTokens
        let knobs = beam.adding(to: try sampling.overrides())
        (r.sampling, r.beams) = try CLIFlag.validating { let p = try knobs.parameters(); return (p, try knobs.beamSearch(sampling: p)) }
        r.seed = sampling.seed
        r.n = numReturnSequences
        r.stop = stop
        r.logprobs = logprobs ?? (highlight ? 0 : nil)
        r.echo = echo
        r.stream = stream
        r.parseSpecial = special
        r.useKVCache = !noKVCache
        if let jsonSchema { r.responseFormat = .jsonSchema(try JSONSchema(contentsOfFile: jsonSchema)) } else if jsonMode { r.responseFormat = .jsonObject }
        return r
    }

    func validate() throws {
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens \(maxTokens) is invalid: expected an integer ≥ 1") }
        guard threads >= 1 else { throw ValidationError("--threads \(threads) is invalid: expected an integer ≥ 1") }
        var r = CompletionRequest(prompt: .text(prompt))
        r.maxTokens = maxTokens
        r.n = numReturnSequences
        r.logprobs = logprobs
        r.stream = stream
        try CLIFlag.validating {
            let o = beam.adding(to: SamplingOverrides())
            r.beams = try o.beamSearch(sampling: try o.parameters())
            try r.validate()
        }
        // Beam search returns whole hypotheses at the end: there is no token stream, and its scores are the
        // beams' (printed with each sequence), not per-token log-probabilities of one sampled path.
        if beam.beams > 1, highlight {
            throw ValidationError(ServingError.notWithBeams(field: "highlight", beams: beam.beams).described(naming: CLIFlag.name))
        }
    }

    func run() throws {
        Parallel.setThreads(threads)
        try runOrExit {
            let handle = try ModelHandle(path: model, options: runtime.options)
            let prepared = try handle.prepare(try request())
            if prepared.request.usesBeamSearch {
                try runBeams(handle, prepared)
            } else {
                try runSampling(handle, prepared)
            }
        }
    }

    func runSampling(_ handle: ModelHandle, _ prepared: PreparedCompletion) throws {
        let params = prepared.request.sampling, seed = prepared.seed, n = numReturnSequences
        if verbose {
            log("sampler: \(params.chainDescription)")
            if !params.isGreedy { log("seed: \(seed)") }
        }
        if let c = prepared.constraint, c.shortestCompletion > maxTokens {
            log("the shortest document JSON mode admits has \(c.shortestCompletion) bytes, more than --max-tokens \(maxTokens): "
                + "the output may be cut before it closes; raise --max-tokens")
        }
        // One choice streams as it is generated; several are decoded together and printed one after the other.
        let streaming = !json && !highlight && n == 1
        if streaming, echo { print(prompt, terminator: "") }
        let (id, created) = (OpenAIWire.newID("cmpl"), OpenAIWire.now())
        let result = try handle.complete(prepared) { event in
            if streaming, !event.text.isEmpty { print(event.text, terminator: ""); fflush(nil) }
            if json && stream && (!event.text.isEmpty || event.finishReason != nil) {
                var chunk = OpenAIWire.TextCompletion.chunk(event, id: id, created: created, model: model)
                if logprobs == nil { chunk.choices[0].logprobs = nil }
                try? printJSON(chunk)
            }
        }
        for c in result.choices {
            if !json {
                if n > 1 { print("--- \(c.index)") }
                if !streaming, !highlight { print((echo ? prompt : "") + c.text, terminator: "") }
                if highlight {
                    if echo { print(prompt, terminator: "") }
                    print(Highlight.render((c.logprobs ?? []).suffix(c.tokens.count)), terminator: "")
                }
                print("")
                if let k = logprobs, k > 0 { printLogprobTable(c.logprobs ?? []) }
            }
            if c.finishReason == .contextFull { log("the context of \(handle.contextLength) tokens is full; stopped") }
            if verbose {
                log(String(format: "prompt %d tokens in %.2f s; %d tokens in %.2f s (%.1f tokens/s)", result.promptTokens.count,
                           c.promptSeconds, c.tokens.count, c.generationSeconds,
                           Double(c.tokens.count) / max(c.generationSeconds, 1e-9)))
            }
        }
        if json && !stream {
            var completion = OpenAIWire.TextCompletion(result, echo: echo, id: id, created: created, model: model)
            if logprobs == nil { for i in completion.choices.indices { completion.choices[i].logprobs = nil } }
            try printJSON(completion)
        } else if !json, !params.isGreedy, sampling.seed == nil {
            log("seed \(seed) (repeat this run with --seed \(seed))")
        }
    }

    func runBeams(_ handle: ModelHandle, _ prepared: PreparedCompletion) throws {
        let beamParams = prepared.beamParameters
        if verbose {
            log("beam search: \(beamParams.numBeams) beams, length penalty \(beamParams.lengthPenalty), early stopping \(beamParams.earlyStopping.rawValue)")
        }
        let start = now()
        let result = try handle.complete(prepared)
        if verbose { log(String(format: "%.2f s", now() - start)) }
        let completion = OpenAIWire.TextCompletion(result, echo: echo, model: model)
        if json {
            try printJSON(completion)
            return
        }
        for c in completion.choices {
            if completion.choices.count > 1 { print(String(format: "--- %d (score %.4f)", c.index, c.score ?? 0)) }
            print(c.text)
        }
    }

    /// Text mode's `--logprobs N`: one line per token with its log-probability, rank and the best alternatives.
    func printLogprobTable(_ entries: [TokenLogprob]) {
        print("token             logprob  rank  top alternatives")
        for e in entries {
            let lp = e.logprob.map { String(format: "%7.3f", $0) } ?? "      –"
            let rank = e.rank.map { String(format: "%4d", $0) } ?? "   –"
            let top = e.top.map { quotedPiece($0.text) + String(format: " %.3f", $0.logprob) }.joined(separator: ", ")
            print(quotedPiece(e.text).padding(toLength: 16, withPad: " ", startingAt: 0) + "  " + lp + "  " + rank + "  " + top)
        }
    }

    func log(_ line: String) { FileHandle.standardError.write(Data("lmlab: \(line)\n".utf8)) }
}

/// The id with the largest logit (the first of equals).
func argmax(_ logits: [Float]) -> Int32 { Samplers.argmax(logits) }
