// `lmlab generate`: continue a prompt with a model (.gguf or lmlab .h5), greedily for now — each step takes the
// most likely next token. The prompt goes through the model in one batched pass, then one token at a time with the
// KV cache; text streams to stdout as it is generated (the streaming decoder holds back unfinished UTF-8).
// `--json` prints one text-completion object shaped like OpenAI's and llama-cpp-python's.
import ArgumentParser
import Foundation
import Models
import Tensor
import Tokenizers

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate text from a prompt (greedy decoding).",
        discussion: "Example: lmlab generate --model checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf --prompt \"The capital of France is\" --max-tokens 32")

    @Option(help: "Model file: a GGUF llama model (.gguf) or an lmlab checkpoint (.h5).")
    var model: String
    @Option(help: "Text to continue.")
    var prompt: String
    @Option(name: [.customLong("max-tokens"), .customShort("n")], help: "Most tokens to generate.")
    var maxTokens = 128
    @Option(help: "Sampling temperature; only 0 (greedy) for now.")
    var temperature: Double = 0
    @Flag(help: "Parse special tokens written in the prompt (e.g. <|im_start|>) into their ids.")
    var special = false
    @Option(help: "Threads for lmlab's kernels.")
    var threads = Parallel.threads
    @OptionGroup var runtime: RuntimeOptionGroup
    @Flag(help: "Print one JSON text-completion object instead of streaming text.")
    var json = false

    func validate() throws {
        guard temperature == 0 else {
            throw ValidationError("--temperature \(temperature): only greedy decoding (--temperature 0) exists yet; sampling arrives with the Decoding issue")
        }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1 (got \(maxTokens))") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1 (got \(threads))") }
    }

    /// The `--json` output (OpenAI / llama-cpp-python text completion).
    struct Completion: Encodable {
        struct Choice: Encodable {
            var text: String, index: Int, finishReason: String, tokenIds: [Int32]
            enum CodingKeys: String, CodingKey { case text, index, logprobs, finishReason, tokenIds }
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(text, forKey: .text); try c.encode(index, forKey: .index)
                try c.encodeNil(forKey: .logprobs)  // explicit null, as OpenAI prints it
                try c.encode(finishReason, forKey: .finishReason); try c.encode(tokenIds, forKey: .tokenIds)
            }
        }
        struct Usage: Encodable { var promptTokens: Int, completionTokens: Int, totalTokens: Int }
        var id: String, object = "text_completion", created: Int, model: String, choices: [Choice], usage: Usage
    }

    func run() throws {
        Parallel.setThreads(threads)
        try runOrExit {
            let lm = try TransformerRuntime.load(path: model)
            lm.options = runtime.options
            guard let tokenizer = lm.tokenizer else { throw RuntimeError.noTokenizer(file: model) }
            let promptIDs = tokenizer.encode(prompt, addSpecial: true, parseSpecial: special)
            guard promptIDs.count <= lm.contextLength else {
                throw RuntimeError.promptTooLong(tokens: promptIDs.count, context: lm.contextLength)
            }
            let stops = Set([lm.specialTokens.eos, lm.specialTokens.eot].compactMap { $0 })
            let cache = lm.makeCache(capacity: min(lm.contextLength, promptIDs.count + maxTokens))
            var decoder = StreamingDecoder(tokenizer: tokenizer)
            var generated: [Int32] = [], text = "", finish = "length"
            var logits = try lm.feed(promptIDs, cache: cache)
            while generated.count < maxTokens {
                let next = argmax(logits)
                if stops.contains(next) { finish = "stop"; break }
                generated.append(next)
                emit(decoder.push(next), into: &text)
                if generated.count == maxTokens { break }
                if cache.count == lm.contextLength {
                    FileHandle.standardError.write(Data("\nlmlab: context of \(lm.contextLength) tokens is full; stopping\n".utf8))
                    break
                }
                logits = try lm.feed([next], cache: cache)
            }
            emit(decoder.finish(), into: &text)
            if json {
                try printJSON(Completion(
                    id: "cmpl-\(UUID().uuidString.lowercased())", created: Int(Date().timeIntervalSince1970),
                    model: model, choices: [.init(text: text, index: 0, finishReason: finish, tokenIds: generated)],
                    usage: .init(promptTokens: promptIDs.count, completionTokens: generated.count,
                                 totalTokens: promptIDs.count + generated.count)))
            } else {
                print("")
            }
        }
    }

    /// Streams `piece` to stdout (text mode) and keeps it for the JSON object.
    func emit(_ piece: String, into text: inout String) {
        text += piece
        if !json, !piece.isEmpty { print(piece, terminator: ""); fflush(nil) }
    }
}

/// The id with the largest logit (the first of equals).
func argmax(_ logits: [Float]) -> Int32 {
    var best = 0
    for i in logits.indices where logits[i] > logits[best] { best = i }
    return Int32(best)
}
