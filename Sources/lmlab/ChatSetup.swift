// Which chat template a model gets: `--chat-format NAME` (a built-in) wins; otherwise the GGUF file's
// `tokenizer.chat_template`, with the file's BOS/EOS token texts. lmlab .h5 checkpoints carry no template.
import Chat
import GGUF

enum ChatSetup {
    static func resolve(model: String?, chatFormat: String?) throws -> (ChatTemplate, String, bos: String, eos: String) {
        let file = try model.flatMap { $0.hasSuffix(".gguf") ? try GGUFFile(path: $0) : nil }
        let tokens = file.map(specialTokens)
        if let chatFormat {
            let format = try ChatFormat.named(chatFormat)
            return (format.template, format.name, tokens?.bos ?? format.bosToken, tokens?.eos ?? format.eosToken)
        }
        guard let model else { throw TemplateCommandError.noChatTemplate(file: "(no model)") }
        guard let file, let source = file.metadata["tokenizer.chat_template"]?.string else {
            throw TemplateCommandError.noChatTemplate(file: model)
        }
        return (try ChatTemplate(source: source), "model", tokens?.bos ?? "", tokens?.eos ?? "")
    }

    static func specialTokens(_ file: GGUFFile) -> (bos: String, eos: String) {
        let vocabulary = file.metadata["tokenizer.ggml.tokens"]?.strings ?? []
        func text(_ key: String) -> String {
            guard let id = file.metadata[key]?.int, vocabulary.indices.contains(id) else { return "" }
            return vocabulary[id]
        }
        return (text("tokenizer.ggml.bos_token_id"), text("tokenizer.ggml.eos_token_id"))
    }
}
