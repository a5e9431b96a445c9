// ServedModel: one model the server serves — the library's ModelHandle (runtime, tokenizer, name = file name
// without extension) and the chat template its chat endpoint renders with: the file's own, or for a model without
// one (an lmlab .h5) the server's --chat-format.
import Chat
import Foundation
import Models
import Serving
import Tokenizers

public final class ServedModel: Sendable {
    public let handle: ModelHandle
    /// nil: this model has no chat template (its chat endpoint answers 400).
    public let chat: ChatTemplateChoice?
    /// Seconds since 1970 when it was loaded (OpenAI's `created`).
    public let created = Int(Date().timeIntervalSince1970)

    public var name: String { handle.name }
    public var path: String { handle.path }
    public var tokenizer: any Tokenizer { handle.tokenizer }
    public var contextLength: Int { handle.contextLength }
    public var vocabSize: Int { handle.vocabSize }

    public init(_ handle: ModelHandle, chatFormat: String? = nil) throws {
        self.handle = handle
        if handle.chatTemplateSource != nil {
            chat = try ChatTemplateChoice(model: handle)
        } else if let chatFormat {
            chat = try ChatTemplateChoice(model: handle, format: chatFormat)
        } else {
            chat = nil
        }
    }

    public convenience init(path: String, chatFormat: String? = nil, options: RuntimeOptions = RuntimeOptions()) throws {
        try self.init(ModelHandle(path: path, options: options), chatFormat: chatFormat)
    }
}
