// `lmlab chat`: talk to a chat model. Each turn renders the whole conversation with the model's chat template
// (Sources/Chat), generates the assistant's reply with the same Sampler as `generate`, and stops at the template's
// end of turn. The history stays within the context: the oldest turns are dropped (with a notice) when it is full.
//
// Interactive: type a message; /reset forgets the conversation, /system TEXT sets the system prompt, /params shows
// the sampler, Ctrl-D quits. Scriptable: --message TEXT (repeatable) sends each message in turn and exits.
import ArgumentParser
import Chat
import Decoding
import Foundation
import Models
import Tensor
import Tokenizers

struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with a model through its chat template (interactive, or one-shot with --message).",
        discussion: """
            Examples:
              lmlab chat --model checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf --system "Your name is Bob." --message "What is your name?" --temperature 0
              lmlab chat --model M --message "Pick a random number between 0 and 9." --top-logprobs 10 -n 1
              lmlab chat --model M --message "Review: …" --json-schema review.schema.json --temperature 0
            """)

    @Option(help: "Model file (.gguf; an .h5 checkpoint needs --chat-format).") var model: String
    @Option(help: "System prompt.") var system: String?
    @Option(name: .customLong("message"), help: "A user message (repeatable); without it the chat is interactive.")
    var messages: [String] = []
    @Option(name: .customLong("chat-format"), help: "A built-in format instead of the model's template (\(ChatFormat.all.map(\.name).joined(separator: ", "))).")
    var chatFormat: String?
    @Option(name: [.customLong("max-tokens"), .customShort("n")], help: "Most tokens per reply.") var maxTokens = 256
    @OptionGroup(title: "Sampling") var sampling: SamplingOptions
    @Option(name: .customLong("top-logprobs"), help: "Show the distribution of the reply's first token: the N most likely, with bars.")
    var topLogprobs: Int?
    @Flag(name: .customLong("show-prompt"), help: "Print the rendered prompt before each reply.") var showPrompt = false
    @Flag(name: .customLong("json-mode"), help: "Constrain every reply to one valid JSON object or array.") var jsonMode = false
    @Option(name: .customLong("json-schema"), help: "JSON mode narrowed to a schema file.") var jsonSchema: String?
    @Option(help: "Threads for lmlab's kernels.") var threads = Parallel.threads
    @OptionGroup(title: "Runtime") var runtime: RuntimeOptionGroup
    @Flag(help: "With --message: print one JSON object (the conversation and the replies) instead of text.") var json = false

    func validate() throws {
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens \(maxTokens) is invalid: expected an integer ≥ 1") }
        if let topLogprobs, !(1...100).contains(topLogprobs) {
            throw ValidationError("--top-logprobs \(topLogprobs) is invalid: expected an integer in 1...100")
        }
        if json && messages.isEmpty { throw ValidationError("--json needs --message (the interactive chat prints text)") }
        guard threads >= 1 else { throw ValidationError("--threads \(threads) is invalid: expected an integer ≥ 1") }
    }

    struct Alternative: Encodable { var id: Int32, piece: String, probability: Double }
    struct Reply: Encodable {
        var content: String, finishReason: String, promptTokens: Int, completionTokens: Int, seconds: Double
        var firstToken: [Alternative]?
    }
    struct Transcript: Encodable { var model: String, template: String, seed: UInt64?, messages: [ChatMessage], replies: [Reply] }

    final class Session {
        var system: String?
        var history: [ChatMessage] = []
        init(system: String?) { self.system = system }
        var messages: [ChatMessage] { (system.map { [ChatMessage.system($0)] } ?? []) + history }
    }

    func run() throws {
        Parallel.setThreads(threads)
        try runOrExit {
            let loaded = try PromptedModel(path: model, options: runtime.options)
            let (lm, tokenizer) = (loaded.lm, loaded.tokenizer)
            let (template, templateName, bos, eos) = try ChatSetup.resolve(model: model, chatFormat: chatFormat)
            let params = try sampling.parameters()
            let seed = sampling.resolvedSeed()
            let constraint = try makeJSONConstraint(tokenizer, jsonMode: jsonMode, schemaFile: jsonSchema)
            let endOfTurn = template.endOfTurn(bosToken: bos, eosToken: eos)?.trimmingCharacters(in: .whitespacesAndNewlines)
            let session = Session(system: system)
            var replies: [Reply] = []
            var turn = 0

            func reply(to text: String) throws {
                session.history.append(.user(text))
                // Render; drop the oldest exchange while the prompt and a full reply do not fit the context.
                var prompt = try template.render(messages: session.messages, addGenerationPrompt: true, bosToken: bos, eosToken: eos)
                var ids = tokenizer.encode(prompt, addSpecial: false, parseSpecial: true)
                while ids.count + min(maxTokens, 64) > lm.contextLength && session.history.count > 1 {
                    session.history.removeFirst(min(2, session.history.count - 1))
                    note("the conversation is longer than the context of \(lm.contextLength) tokens; dropped the oldest turn")
                    prompt = try template.render(messages: session.messages, addGenerationPrompt: true, bosToken: bos, eosToken: eos)
                    ids = tokenizer.encode(prompt, addSpecial: false, parseSpecial: true)
                }
                guard ids.count < lm.contextLength else { throw RuntimeError.promptTooLong(tokens: ids.count, context: lm.contextLength) }
                if showPrompt && !json { print("--- prompt (\(ids.count) tokens) ---\n\(prompt)\n--- reply ---") }
                var firstToken: [Alternative]? = nil
                if let n = topLogprobs {
                    let logits = try lm.feed(ids, cache: lm.makeCache(capacity: ids.count))
                    let probs = Samplers.logSoftmax(logits).map { Foundation.exp($0) }
                    let best = probs.indices.sorted { probs[$0] > probs[$1] }.prefix(n)
                    firstToken = best.map { Alternative(id: Int32($0), piece: String(decoding: tokenizer.bytes(for: Int32($0)), as: UTF8.self), probability: probs[$0]) }
                    if !json {
                        print("first token of the reply:")
                        for a in firstToken! {
                            let piece = quotedPiece(a.piece)
                            print(piece.padding(toLength: 14, withPad: " ", startingAt: 0)
                                  + String(format: " %6.4f  ", a.probability) + Inspect.bar(a.probability, width: 40))
                        }
                    }
                }
                var options = GenerationOptions()
                options.maxTokens = maxTokens
                if let endOfTurn, !endOfTurn.isEmpty { options.stop = [endOfTurn] }
                var sampler = Sampler(parameters: params, seed: seed &+ UInt64(turn), constraint: constraint)
                turn += 1
                let g = try Generator(model: lm, tokenizer: tokenizer).run(prompt: ids, sampler: &sampler, options: options) { piece in
                    if !json { print(piece, terminator: ""); fflush(nil) }
                }
                if !json { print("") }
                let content = g.text.trimmingCharacters(in: .whitespacesAndNewlines)
                session.history.append(.assistant(content))
                replies.append(Reply(content: content, finishReason: g.finishReason.openAI, promptTokens: ids.count,
                                     completionTokens: g.tokens.count, seconds: g.promptSeconds + g.generationSeconds,
                                     firstToken: firstToken))
            }

            if !messages.isEmpty {
                for m in messages {
                    if !json && messages.count > 1 { print("> \(m)") }
                    try reply(to: m)
                }
                if json {
                    try printJSON(Transcript(model: model, template: templateName, seed: params.isGreedy ? nil : seed,
                                             messages: session.messages, replies: replies))
                }
                return
            }
            let interactive = isatty(STDIN_FILENO) != 0
            if interactive { note("chatting with \(model) — /reset, /system TEXT, /params, Ctrl-D to quit") }
            while true {
                if interactive { print("> ", terminator: ""); fflush(nil) }
                guard let line = readLine() else { break }
                let text = line.trimmingCharacters(in: .whitespaces)
                if text.isEmpty { continue }
                if text == "/reset" { session.history.removeAll(); note("conversation reset"); continue }
                if text.hasPrefix("/system") {
                    let s = text.dropFirst("/system".count).trimmingCharacters(in: .whitespaces)
                    session.system = s.isEmpty ? nil : s
                    note(s.isEmpty ? "system prompt removed" : "system prompt set")
                    continue
                }
                if text == "/params" {
                    note("sampler: \(params.chainDescription); seed \(seed); max tokens \(maxTokens); template \(templateName)")
                    continue
                }
                try reply(to: text)
            }
        }
    }

    func note(_ line: String) { FileHandle.standardError.write(Data("lmlab: \(line)\n".utf8)) }
}
