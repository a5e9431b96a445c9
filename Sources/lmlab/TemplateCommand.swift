// `lmlab template`: the exact prompt a chat model receives — a conversation rendered with the model's own chat
// template (GGUF key `tokenizer.chat_template`, rendered as Hugging Face's apply_chat_template does) or with a
// built-in format (`--chat-format chatml`). `--json` prints one object with the prompt and what produced it.
import ArgumentParser
import Chat
import Foundation
import Serving

struct TemplateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "template",
        abstract: "Show the prompt a chat model receives: a conversation rendered with its chat template.",
        discussion: """
            Messages alternate user, assistant, user…, after an optional system message. Example:
              lmlab template --model checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf --system "Be brief." --message "Hi"
            Built-in formats for models without a template: \(ChatFormat.all.map(\.name).joined(separator: ", ")).
            """)

    @Option(help: "GGUF model whose tokenizer.chat_template and BOS/EOS tokens to use.")
    var model: String?
    @Option(help: "A system message, placed first.")
    var system: String?
    @Option(name: .customLong("message"), help: "A turn of the conversation; repeat it: user, assistant, user…")
    var messages: [String] = []
    @Flag(name: .customLong("no-generation-prompt"), help: "Do not end with the header of the assistant's reply.")
    var noGenerationPrompt = false
    @Option(name: .customLong("chat-format"), help: "Use a built-in format instead of the model's template.")
    var chatFormat: String?
    @Flag(help: "Print one JSON object instead of the prompt.")
    var json = false

    func validate() throws {
        guard model != nil || chatFormat != nil else {
            throw ValidationError("give --model M.gguf (its chat template) or --chat-format NAME (a built-in format)")
        }
        guard !messages.isEmpty || system != nil else {
            throw ValidationError("give the conversation: --system TEXT and/or --message TEXT (repeatable)")
        }
    }

    /// The `--json` output.
    struct Output: Encodable {
        var prompt: String
        /// "model" (the file's tokenizer.chat_template) or the built-in format's name.
        var template: String
        var model: String?
        var bosToken: String
        var eosToken: String
        /// What closes an assistant turn in this format, when the template shows it.
        var endOfTurn: String?
        var addGenerationPrompt: Bool
        var messages: [ChatMessage]
    }

    func run() throws {
        try runOrExit {
            var conversation = system.map { [ChatMessage.system($0)] } ?? []
            for (i, text) in messages.enumerated() {
                conversation.append(i % 2 == 0 ? .user(text) : .assistant(text))
            }
            let choice = try ChatTemplateChoice(file: try model.map { try ModelFile(path: $0) }, format: chatFormat)
            let prompt = try choice.render(conversation, addGenerationPrompt: !noGenerationPrompt)
            if json {
                try printJSON(Output(prompt: prompt, template: choice.name, model: model, bosToken: choice.bosToken,
                                     eosToken: choice.eosToken, endOfTurn: choice.endOfTurn,
                                     addGenerationPrompt: !noGenerationPrompt, messages: conversation))
            } else {
                // The prompt byte for byte; a terminal also gets a final newline so the shell prompt starts clean.
                FileHandle.standardOutput.write(Data(prompt.utf8))
                if isatty(STDOUT_FILENO) != 0, !prompt.hasSuffix("\n") { print() }
            }
        }
    }
}
