// Which chat template a conversation is rendered with: a built-in format by name (`--chat-format chatml`) wins;
// otherwise the model file's own `tokenizer.chat_template`, with the file's BOS/EOS token texts. lmlab .h5
// checkpoints carry no template (a built-in format is needed).
import Chat

public struct ChatTemplateChoice: Sendable {
    public let template: ChatTemplate
    /// "model" (the file's template) or the built-in format's name.
    public let name: String
    public let bosToken: String
    public let eosToken: String

    /// `format` (a built-in) if given, else the template of `model`; the special-token texts come from the model
    /// when there is one. Throws `ServingError.noChatTemplate` when neither gives a template.
    public init(model: ModelHandle?, format: String? = nil) throws {
        try self.init(file: model?.file, format: format)
    }

    /// The same from an opened file alone (no weights loaded).
    public init(file model: ModelFile?, format: String? = nil) throws {
        if let format {
            let f = try ChatFormat.named(format)
            template = f.template
            name = f.name
            bosToken = model?.bosText ?? f.bosToken
            eosToken = model?.eosText ?? f.eosToken   // a GGUF file's own tokens win over the family's
            return
        }
        guard let model else { throw ServingError.noChatTemplate(file: "(no model)") }
        guard let source = model.chatTemplateSource else { throw ServingError.noChatTemplate(file: model.path) }
        template = try ChatTemplate(source: source)
        name = "model"
        bosToken = model.bosText ?? ""
        eosToken = model.eosText ?? ""
    }

    /// The prompt text for `messages` (ending with the assistant's header when `addGenerationPrompt`).
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) throws -> String {
        try template.render(messages: messages, addGenerationPrompt: addGenerationPrompt, bosToken: bosToken,
                            eosToken: eosToken)
    }

    /// What closes an assistant turn (`<|im_end|>`…), whitespace trimmed, when the template shows it: a reply
    /// stops there.
    public var endOfTurn: String? {
        template.endOfTurn(bosToken: bosToken, eosToken: eosToken)
    }
}
