// `lmlab generate`: continue a prompt with a model (.gguf or lmlab .h5) using any decoding strategy — greedy,
// sampling through the logits chain, or beam search. The prompt goes through the model in one batched pass, then
// one token at a time with the KV cache (`--no-kv-cache` recomputes the prefix, for teaching); text streams to
// stdout as it is generated. `--json` prints one OpenAI / llama-cpp-python text-completion object.
import ArgumentParser
import Decoding
import Foundation
import Models
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

    func validate() throws {
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens \(maxTokens) is invalid: expected an integer ≥ 1") }
        guard threads >= 1 else { throw ValidationError("--threads \(threads) is invalid: expected an integer ≥ 1") }
        guard numReturnSequences >= 1 else {
            throw ValidationError("--num-return-sequences \(numReturnSequences) is invalid: expected an integer ≥ 1")
        }
        if beam.beams > 1, numReturnSequences > beam.beams {
            throw ValidationError("--num-return-sequences \(numReturnSequences) is invalid with --beams \(beam.beams): expected at most the number of beams")
        }
        if beam.beams > 1 {
            // Beam search returns whole hypotheses at the end: there is no token stream, and its scores are the
            // beams' (printed with each sequence), not per-token log-probabilities of one sampled path.
            for (flag, set) in [("--logprobs", logprobs != nil), ("--stream", stream), ("--highlight", highlight)] where set {
                throw ValidationError("\(flag) is invalid with --beams \(beam.beams): beam search returns whole sequences with their scores; drop \(flag) or use --beams 1")
            }
        }
        if let logprobs, !(0...100).contains(logprobs) {
            throw ValidationError("--logprobs \(logprobs) is invalid: expected an integer in 0...100")
        }
    }

    func run() throws {
        Parallel.setThreads(threads)
        try runOrExit {
            let loaded = try PromptedModel(path: model, options: runtime.options)
            let (lm, tokenizer) = (loaded.lm, loaded.tokenizer)
            let promptIDs = try loaded.encode(prompt, parseSpecial: special)
            if beam.beams > 1 {
                try runBeams(lm, tokenizer, promptIDs)
            } else {
                try runSampling(lm, tokenizer, promptIDs)
            }
        }
    }

    func runSampling(_ lm: TransformerRuntime, _ tokenizer: any Tokenizer, _ promptIDs: [Int32]) throws {
        var params = try sampling.parameters()
        params.noRepeatNgramSize = beam.noRepeatNgramSize
        let seed = sampling.resolvedSeed()
        var options = GenerationOptions()
        options.maxTokens = maxTokens
        options.stop = stop
        options.useKVCache = !noKVCache
        options.logprobs = logprobs ?? (highlight ? 0 : nil)
        options.echo = echo
        if verbose {
            log("sampler: \(params.chainDescription)")
            if !params.isGreedy { log("seed: \(seed)") }
        }
        let generator = Generator(model: lm, tokenizer: tokenizer)
        let constraint = try jsonConstraint(tokenizer)
        if let c = constraint, c.shortestCompletion > maxTokens {
            log("the shortest document JSON mode admits has \(c.shortestCompletion) bytes, more than --max-tokens \(maxTokens): "
                + "the output may be cut before it closes; raise --max-tokens")
        }
        var choices: [Completion.Choice] = [], completionTokens = 0
        for index in 0..<numReturnSequences {
            var sampler = Sampler(parameters: params, seed: seed &+ UInt64(index), constraint: constraint)
            if numReturnSequences > 1, !json { print("--- \(index)") }
            let streaming = !json && !highlight
            if streaming, echo { print(prompt, terminator: "") }
            let g = try generator.run(prompt: promptIDs, sampler: &sampler, options: options) { piece in
                if streaming { print(piece, terminator: ""); fflush(nil) }
                if json && stream { try? printJSON(Chunk(index: index, text: piece, finishReason: nil)) }
            }
            if highlight, !json { print(Highlight.render(g.logprobs.suffix(g.tokens.count)), terminator: "") }
            if !json { print("") }
            if let n = logprobs, n > 0, !json { printLogprobTable(g.logprobs) }
            if g.finishReason == .contextFull { log("the context of \(lm.contextLength) tokens is full; stopped") }
            if verbose {
                log(String(format: "prompt %d tokens in %.2f s; %d tokens in %.2f s (%.1f tokens/s)", promptIDs.count,
                           g.promptSeconds, g.tokens.count, g.generationSeconds,
                           Double(g.tokens.count) / max(g.generationSeconds, 1e-9)))
            }
            completionTokens += g.tokens.count
            let logprobObject = logprobs == nil ? nil : Completion.Logprobs(g.logprobs)
            choices.append(.init(text: (echo ? prompt : "") + g.text, index: index, logprobs: logprobObject,
                                 finishReason: g.finishReason.openAI, tokenIds: g.tokens))
            if json && stream { try printJSON(Chunk(index: index, text: "", finishReason: g.finishReason.openAI)) }
        }
        if json && !stream {
            try printJSON(Completion(model: model, choices: choices, usage: usage(promptIDs.count, completionTokens),
                                     seed: params.isGreedy ? nil : seed))
        } else if !json, !params.isGreedy, sampling.seed == nil {
            log("seed \(seed) (repeat this run with --seed \(seed))")
        }
    }

    func runBeams(_ lm: TransformerRuntime, _ tokenizer: any Tokenizer, _ promptIDs: [Int32]) throws {
        let params = try sampling.parameters()
        let beamParams = beam.parameters(repetitionPenalty: params.repetitionPenalty, returnSequences: numReturnSequences)
        if verbose {
            log("beam search: \(beamParams.numBeams) beams, length penalty \(beamParams.lengthPenalty), early stopping \(beamParams.earlyStopping.rawValue)")
        }
        let start = now()
        let hyps = try BeamSearch(model: lm, parameters: beamParams)
            .run(prompt: promptIDs, maxTokens: maxTokens, constraint: try jsonConstraint(tokenizer), useKVCache: !noKVCache)
        if verbose { log(String(format: "%.2f s", now() - start)) }
        let eos = lm.stopTokens
        var choices: [Completion.Choice] = []
        for (i, h) in hyps.enumerated() {
            let tokens = h.tokens.filter { !eos.contains($0) }
            let text = applyStops(tokenizer.decode(tokens))
            choices.append(.init(text: (echo ? prompt : "") + text, index: i, logprobs: nil,
                                 finishReason: h.endedWithEOS || text.count < tokenizer.decode(tokens).count ? "stop" : "length",
                                 tokenIds: tokens, score: h.score))
        }
        if json {
            try printJSON(Completion(model: model, choices: choices,
                                     usage: usage(promptIDs.count, choices.map(\.tokenIds.count).reduce(0, +)), seed: nil))
            return
        }
        for c in choices {
            if choices.count > 1 { print(String(format: "--- %d (score %.4f)", c.index, c.score ?? 0)) }
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

    /// The JSON-mode constraint (`--json-mode` / `--json-schema`), or nil.
    func jsonConstraint(_ tokenizer: any Tokenizer) throws -> JSONConstraint? {
        try makeJSONConstraint(tokenizer, jsonMode: jsonMode, schemaFile: jsonSchema)
    }

    /// Cuts text before the first stop string (beam hypotheses are whole before they are printed).
    func applyStops(_ text: String) -> String {
        guard let cut = stop.filter({ !$0.isEmpty }).compactMap({ text.range(of: $0)?.lowerBound }).min() else { return text }
        return String(text[..<cut])
    }

    func usage(_ prompt: Int, _ completion: Int) -> Completion.Usage {
        .init(promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion)
    }

    func log(_ line: String) { FileHandle.standardError.write(Data("lmlab: \(line)\n".utf8)) }

    /// One `--json --stream` line (OpenAI's streamed completion chunk).
    struct Chunk: Encodable {
        var object = "text_completion.chunk"
        var choices: [Choice]
        init(index: Int, text: String, finishReason: String?) {
            choices = [Choice(text: text, index: index, finishReason: finishReason)]
        }
        struct Choice: Encodable {
            var text: String, index: Int, finishReason: String?
            enum CodingKeys: String, CodingKey { case text, index, finishReason }
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(text, forKey: .text); try c.encode(index, forKey: .index)
                try c.encode(finishReason, forKey: .finishReason)
            }
        }
    }
}

/// The JSON-mode constraint for `--json-mode` / `--json-schema FILE`, or nil when neither is given.
func makeJSONConstraint(_ tokenizer: any Tokenizer, jsonMode: Bool, schemaFile: String?) throws -> JSONConstraint? {
    guard jsonMode || schemaFile != nil else { return nil }
    let schema = try schemaFile.map { try JSONSchema(contentsOfFile: $0) }
    guard tokenizer.specialIDs.eos != nil || tokenizer.specialIDs.eot != nil else {
        throw ValidationError("--json-mode needs a model with an end-of-sequence token, to end once the value is complete")
    }
    return JSONConstraint(tokenizer: tokenizer, schema: schema)
}

/// The id with the largest logit (the first of equals).
func argmax(_ logits: [Float]) -> Int32 { Samplers.argmax(logits) }
