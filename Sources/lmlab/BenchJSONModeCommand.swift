// `lmlab bench json-mode`: does JSON mode always give JSON? Draws N seeded samples (seeds S, S+1, …) under the
// JSON constraint — with its closing budget, so a reply cut at --max-tokens still closes — parses each with
// Foundation's JSONSerialization, checks it against the schema when one is given (JSONSchemaValidation.swift), and
// times the mask: mean ms per token of the constraint (process + didSample) against the rest of a decode step
// (forward pass and sampling), the overhead JSON mode adds to generation.
import ArgumentParser
import Chat
import Decoding
import Foundation
import Models
import Serving
import Tensor
import Tokenizers

struct BenchJSONMode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "json-mode",
        abstract: "Sample seeded JSON-mode outputs; count those that parse (and fit the schema); time the mask per token.",
        discussion: """
            Examples:
              lmlab bench json-mode --model checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf --samples 200 --max-tokens 96
              lmlab bench json-mode --model M --json-schema lectures/data/review.schema.json --samples 50 --json
              lmlab bench json-mode --model checkpoints/lessons-tiny.h5 --prompt "The film" --samples 200
            """)

    @Option(help: "Model file: a GGUF llama model (.gguf) or an lmlab checkpoint (.h5).") var model: String
    @Option(help: "Samples to draw (seeds seed, seed+1, …).") var samples = 200
    @Option(name: [.customLong("max-tokens"), .customShort("n")], help: "Most new tokens per sample.") var maxTokens = 96
    @Option(name: .customLong("json-schema"), help: "A schema file the samples must also fit (default: any JSON object or array).")
    var jsonSchema: String?
    @Option(help: "Plain-text prompt, continued as is (default: --message in the model's chat template).") var prompt: String?
    @Option(help: "The user message put in the chat template (models without one: used as plain text).")
    var message: String?
    @Option(name: .customLong("chat-format"), help: "A built-in chat format instead of the model's template.") var chatFormat: String?
    @OptionGroup(title: "Sampling") var sampling: SamplingOptions
    @Flag(name: .customLong("print-samples"), help: "Print every sample's text (failures are always printed).")
    var printSamples = false
    @Option(help: "Threads for lmlab's kernels.") var threads = Parallel.threads
    @OptionGroup var runtime: RuntimeOptionGroup
    @OptionGroup var output: JSONOption

    /// The first seed when --seed is not given (a benchmark must be repeatable).
    static let defaultSeed: UInt64 = 1

    func validate() throws {
        guard samples >= 1 else { throw ValidationError("--samples \(samples) is invalid: expected an integer ≥ 1") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens \(maxTokens) is invalid: expected an integer ≥ 1") }
        guard threads >= 1 else { throw ValidationError("--threads \(threads) is invalid: expected an integer ≥ 1") }
        if prompt != nil && message != nil { throw ValidationError("give --prompt (plain text) or --message (chat), not both") }
    }

    struct Failure: Encodable { var seed: UInt64, text: String, reason: String }
    struct Report: Encodable {
        var model: String, samples: Int, seed: UInt64, temperature: Float, sampler: String, maxTokens: Int, schema: String?
        var prompt: String, promptTokens: Int, shortestDocumentBytes: Int, missingSingleByteTokens: Int
        var parsed: Int, schemaValid: Int?, meanTokens: Double, maxTokensUsed: Int, finishReasons: [String: Int]
        /// Whitespace between tokens (outside strings) as a share of all bytes written, and its longest run: what a
        /// model unsure of the next token spends, capped per run by JSONGrammar.Options.maxWhitespaceRun.
        var whitespaceShare: Double, longestWhitespaceRun: Int
        /// Constraint time per drawn token; the whole decode step per drawn token (mask included); and the mask as
        /// a fraction of the step without it.
        var maskMsPerToken: Double, stepMsPerToken: Double, maskOverhead: Double, setupMs: Double
        var failures: [Failure]
    }

    func run() throws {
        Parallel.setThreads(threads)
        try runOrExit {
            let handle = try ModelHandle(path: model, options: runtime.options)
            let (lm, tokenizer) = (handle.runtime, handle.tokenizer)
            let schema = try jsonSchema.map { try JSONSchema(contentsOfFile: $0) }
            let (promptIDs, promptDescription) = try makePrompt(handle)

            let setupStart = now()
            guard let constraint = try handle.jsonConstraint(schema.map { .jsonSchema($0) } ?? .jsonObject) else { return }
            let setupMs = (now() - setupStart) * 1000
            let budget = min(maxTokens, max(1, lm.contextLength - promptIDs.count))
            guard constraint.shortestCompletion <= budget else {
                throw ValidationError("--max-tokens \(maxTokens) leaves \(budget) tokens, fewer than the \(constraint.shortestCompletion) "
                    + "bytes of the shortest document \(jsonSchema ?? "JSON mode") admits; raise --max-tokens")
            }

            let params = try sampling.parameters()
            let firstSeed = sampling.seed ?? Self.defaultSeed
            var options = GenerationOptions()
            options.maxTokens = maxTokens
            let generator = Generator(model: lm, tokenizer: tokenizer)
            let clock = Stopwatch()
            var parsed = 0, valid = 0, tokenCounts: [Int] = [], finish: [String: Int] = [:], failures: [Failure] = []
            var draws = 0, stepSeconds = 0.0, totalBytes = 0, whitespace = 0, longestRun = 0
            let progress = ProgressBar(enabled: !output.json)
            for i in 0..<samples {
                progress.update("sampling", done: i, total: samples)
                let seed = firstSeed &+ UInt64(i)
                var sampler = Sampler(parameters: params, seed: seed, constraint: TimedConstraint(inner: constraint, clock: clock))
                let g = try generator.run(prompt: promptIDs, sampler: &sampler, options: options)
                // The bytes the constraint read, token by token (what a client would concatenate).
                let bytes = g.tokens.flatMap { tokenizer.bytes(for: $0) }
                let text = String(decoding: bytes, as: UTF8.self)
                tokenCounts.append(g.tokens.count)
                finish[g.finishReason.rawValue, default: 0] += 1
                draws += g.tokens.count + (g.finishReason == .stop ? 1 : 0)
                stepSeconds += g.generationSeconds
                let ws = Self.insignificantWhitespace(bytes)
                totalBytes += bytes.count
                whitespace += ws.count
                longestRun = max(longestRun, ws.longestRun)
                var reason: String? = nil
                if (try? JSONSerialization.jsonObject(with: Data(bytes), options: schema == nil ? [] : [.fragmentsAllowed])) != nil {
                    parsed += 1
                    if let schema {
                        do {
                            reason = schema.violation(in: try JSONValue(parsing: bytes))
                        } catch {
                            reason = "lmlab's JSON reader refuses it: \(error)"
                        }
                        if reason == nil { valid += 1 }
                    }
                } else {
                    reason = "JSONSerialization cannot parse it"
                }
                if let reason { failures.append(Failure(seed: seed, text: text, reason: reason)) }
                if printSamples && !output.json {
                    progress.line("seed \(seed) (\(g.tokens.count) tokens, \(g.finishReason.rawValue)): \(text)")
                }
            }
            progress.update("sampling", done: samples, total: samples)
            progress.clear()

            let maskMs = clock.seconds / Double(max(draws, 1)) * 1000
            let stepMs = stepSeconds / Double(max(draws, 1)) * 1000
            let report = Report(
                model: model, samples: samples, seed: firstSeed, temperature: params.temperature, sampler: params.chainDescription,
                maxTokens: maxTokens,
                schema: jsonSchema, prompt: promptDescription, promptTokens: promptIDs.count,
                shortestDocumentBytes: constraint.shortestCompletion, missingSingleByteTokens: constraint.missingBytes.count,
                parsed: parsed, schemaValid: schema == nil ? nil : valid,
                meanTokens: Double(tokenCounts.reduce(0, +)) / Double(samples), maxTokensUsed: tokenCounts.max() ?? 0,
                finishReasons: finish, whitespaceShare: Double(whitespace) / Double(max(totalBytes, 1)),
                longestWhitespaceRun: longestRun, maskMsPerToken: maskMs, stepMsPerToken: stepMs,
                maskOverhead: maskMs / max(stepMs - maskMs, 1e-9), setupMs: setupMs, failures: failures)
            if output.json { try printJSON(report) } else { printText(report) }
            if !failures.isEmpty { throw ExitCode.failure }   // JSON mode promised every sample parses
        }
    }

    func printText(_ r: Report) {
        print("lmlab bench json-mode — \(model), \(r.samples) samples (seeds \(r.seed)…\(r.seed &+ UInt64(r.samples - 1))), "
            + "temperature \(r.temperature) (\(r.sampler)), max tokens \(r.maxTokens), schema \(r.schema ?? "none")")
        print("prompt: \(r.prompt) (\(r.promptTokens) tokens); shortest document \(r.shortestDocumentBytes) bytes")
        if r.missingSingleByteTokens > 0 {
            print("note: \(r.missingSingleByteTokens) bytes are not single tokens in this vocabulary; the closing budget is best effort")
        }
        print("parsed (JSONSerialization): \(r.parsed)/\(r.samples)")
        if let v = r.schemaValid { print("schema-valid:               \(v)/\(r.samples)") }
        print(String(format: "tokens:                     mean %.1f, max %d", r.meanTokens, r.maxTokensUsed))
        print(String(format: "whitespace between tokens:  %.1f%% of the bytes, longest run %d", r.whitespaceShare * 100, r.longestWhitespaceRun))
        print("finish reasons:             " + r.finishReasons.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        print(String(format: "mask:                       %.3f ms/token; decode step %.2f ms/token with it: +%.1f%% over the step without it",
                     r.maskMsPerToken, r.stepMsPerToken, r.maskOverhead * 100))
        print(String(format: "constraint setup (tries):   %.0f ms", r.setupMs))
        for f in r.failures.prefix(10) { print("FAILED seed \(f.seed): \(f.reason): \(f.text.debugDescription)") }
    }

    /// Whitespace bytes outside strings (RFC 8259's insignificant whitespace) and the longest run of them.
    static func insignificantWhitespace(_ bytes: [UInt8]) -> (count: Int, longestRun: Int) {
        var inString = false, escaped = false, count = 0, run = 0, longest = 0
        for b in bytes {
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 {
                count += 1
                run += 1
                longest = max(longest, run)
            } else {
                run = 0
                if b == UInt8(ascii: "\"") { inString = true }
            }
        }
        return (count, longest)
    }

    /// The prompt's ids and how it was made: --prompt as plain text, else --message in the chat template (or as
    /// plain text when the model has none and no --chat-format is given).
    func makePrompt(_ handle: ModelHandle) throws -> ([Int32], String) {
        if let prompt { return (try handle.encodePrompt(prompt), "text \(prompt.debugDescription)") }
        let text = message ?? defaultMessage()
        let template: ChatTemplateChoice
        do {
            template = try ChatTemplateChoice(model: handle, format: chatFormat)
        } catch ServingError.noChatTemplate {
            return (try handle.encodePrompt(text), "text \(text.debugDescription) (the model has no chat template)")
        }
        let ids = handle.tokenizer.encode(try template.render([.user(text)]), addSpecial: false, parseSpecial: true)
        try handle.checkPrompt(ids)
        return (ids, "chat (\(template.name) template) \(text.debugDescription)")
    }

    /// Asks for a movie as JSON; with a schema, quotes the schema file (compacted) so the model knows the keys.
    func defaultMessage() -> String {
        guard let jsonSchema, let data = FileManager.default.contents(atPath: jsonSchema) else {
            return "Describe a movie you like as a JSON object."
        }
        let compact = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        return "Review a movie you like as a JSON object matching this JSON schema: \(compact)"
    }
}

/// Accumulated seconds, shared by the copies of a TimedConstraint.
final class Stopwatch {
    var seconds = 0.0
}

/// A JSONConstraint whose work per token (the mask in `process`, the grammar step in `didSample`) is timed.
struct TimedConstraint: LogitProcessor {
    var inner: JSONConstraint
    let clock: Stopwatch

    mutating func setTokenBudget(_ tokens: Int) { inner.setTokenBudget(tokens) }

    mutating func process(_ logits: inout [Float]) {
        let start = now()
        inner.process(&logits)
        clock.seconds += now() - start
    }

    mutating func didSample(_ token: Int32) {
        let start = now()
        inner.didSample(token)
        clock.seconds += now() - start
    }
}
