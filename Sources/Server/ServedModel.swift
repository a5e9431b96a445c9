// ServedModel: one model the server serves, loaded once — its name (the file name without extension, what a
// request's `model` says), its tokenizer and its chat template.
// (Stand-in until Serving's ModelHandle lands: the loading rules are the CLI's.)
import Chat
import Foundation
import GGUF
import Models
import Tokenizers

public final class ServedModel: @unchecked Sendable {
    public let name: String
    public let path: String
    /// Only the scheduler's worker thread runs it.
    let runtime: TransformerRuntime
    public let tokenizer: any Tokenizer
    /// The model's chat template (GGUF `tokenizer.chat_template`) or the --chat-format fallback, with BOS/EOS texts.
    public let chat: (template: ChatTemplate, name: String, bos: String, eos: String)?
    public var contextLength: Int { runtime.contextLength }
    public var vocabSize: Int { runtime.vocabSize }
    /// Seconds since 1970 when it was loaded (OpenAI's `created`).
    public let created = Int(Date().timeIntervalSince1970)

    public init(path: String, chatFormat: String? = nil) throws {
        self.path = path
        name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        runtime = try TransformerRuntime.load(path: path)
        guard let tokenizer = runtime.tokenizer else { throw RuntimeError.noTokenizer(file: path) }
        self.tokenizer = tokenizer
        let file = path.hasSuffix(".gguf") ? try GGUFFile(path: path) : nil
        let vocabulary = file?.metadata["tokenizer.ggml.tokens"]?.strings ?? []
        func text(_ key: String) -> String {
            guard let id = file?.metadata[key]?.int, vocabulary.indices.contains(id) else { return "" }
            return vocabulary[id]
        }
        if let source = file?.metadata["tokenizer.chat_template"]?.string {
            chat = (try ChatTemplate(source: source), "model", text("tokenizer.ggml.bos_token_id"), text("tokenizer.ggml.eos_token_id"))
        } else if let chatFormat {
            let f = try ChatFormat.named(chatFormat)
            chat = (f.template, f.name, f.bosToken, f.eosToken)
        } else {
            chat = nil
        }
    }
}
