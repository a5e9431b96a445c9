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
import Serving
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

    func run() throws {
        Parallel.setThreads(threads)
        try runOrExit {
            let handle = try ModelHandle(path: model, options: runtime.options)
            let template = try ChatTemplateChoice(model: handle, format: chatFormat)
            var settings = CompletionRequest(prompt: .text(""))
            settings.maxTokens = maxTokens
            settings.sampling = try sampling.parameters()
            settings.seed = sampling.resolvedSeed()
            if let jsonSchema { settings.responseFormat = .jsonSchema(try JSONSchema(contentsOfFile: jsonSchema)) } else if jsonMode { settings.responseFormat = .jsonObject }
            _ = try handle.jsonConstraint(settings.responseFormat)   // a model JSON mode cannot end: say so before the first turn
            let session = ChatSession(model: handle, template: template, system: system, settings: settings)
            let params = settings.sampling, seed = session.seed
            var replies: [Reply] = []

            func reply(to text: String) throws {
                let turn = try session.prompt(userMessage: text) {
                    note("the conversation is longer than the context of \(handle.contextLength) tokens; dropped the oldest turn")
                }
                if showPrompt && !json { print("--- prompt (\(turn.ids.count) tokens) ---\n\(turn.prompt)\n--- reply ---") }
                var firstToken: [Alternative]? = nil
                if let n = topLogprobs {
                    let next = try handle.nextToken(after: turn.ids)
                    let probs = next.probabilities()
                    firstToken = next.top(n).map { Alternative(id: $0, piece: handle.piece($0), probability: probs[Int($0)]) }
                    if !json {
                        print("first token of the reply:")
                        for a in firstToken! {
                            let piece = quotedPiece(a.piece)
                            print(piece.padding(toLength: 14, withPad: " ", startingAt: 0)
                                  + String(format: " %6.4f  ", a.probability) + Inspect.bar(a.probability, width: 40))
                        }
                    }
                }
                let r = try session.reply(turn) { event in
                    if !json, !event.text.isEmpty { print(event.text, terminator: ""); fflush(nil) }
                }
                if !json { print("") }
                replies.append(Reply(content: r.content, finishReason: r.finishReason.openAI, promptTokens: r.promptTokens,
                                     completionTokens: r.completionTokens, seconds: r.seconds, firstToken: firstToken))
            }

            if !messages.isEmpty {
                for m in messages {
                    if !json && messages.count > 1 { print("> \(m)") }
                    try reply(to: m)
                }
                if json {
                    try printJSON(Transcript(model: model, template: template.name, seed: params.isGreedy ? nil : seed,
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
                    note("sampler: \(params.chainDescription); seed \(seed); max tokens \(maxTokens); template \(template.name)")
                    continue
                }
                try reply(to: text)
            }
        }
    }

    func note(_ line: String) { FileHandle.standardError.write(Data("lmlab: \(line)\n".utf8)) }
}
