// Chat: a conversation rendered with the model's own chat template (or a built-in format), the reply generated like
// any completion and stopped at the template's end of turn. `ModelHandle.chatRequest` is the stateless form (what
// /v1/chat/completions needs: messages in, one request out); ChatSession keeps the history of an interactive chat
// and keeps it within the context, dropping the oldest exchange when the next prompt and reply would not fit.
//
//   let session = ChatSession(model: model, template: try ChatTemplateChoice(model: model), system: "Be brief.")
//   let turn = try session.prompt(userMessage: "Hi")          // rendered, tokenized, history trimmed
//   let reply = try session.reply(turn) { print($0.text, terminator: "") }
import Chat
import Decoding
import Foundation
import Tokenizers

extension ModelHandle {
    /// The request that continues `messages` with the assistant's reply: `base` (sampling, max tokens, n…) with the
    /// prompt rendered by `template` (special tokens parsed, no BOS added: the template writes it) and the end of
    /// turn as a stop string.
    public func chatRequest(messages: [ChatMessage], template: ChatTemplateChoice,
                            base: CompletionRequest = CompletionRequest(prompt: .text(""))) throws -> CompletionRequest {
        var request = base
        request.prompt = .text(try template.render(messages))
        request.addSpecial = false
        request.parseSpecial = true
        if let end = template.endOfTurn?.trimmingCharacters(in: .whitespacesAndNewlines), !end.isEmpty,
           !request.stop.contains(end) {
            request.stop.append(end)
        }
        return request
    }
}

/// One assistant reply.
public struct ChatReply: Sendable {
    /// The reply without the whitespace around it (templates put a newline before the end of turn).
    public var content: String
    public var finishReason: FinishReason
    public var promptTokens: Int
    public var completionTokens: Int
    public var seconds: Double
    /// The seed the reply was drawn with (nil when greedy).
    public var seed: UInt64?
}

public final class ChatSession {
    public let model: ModelHandle
    public let template: ChatTemplateChoice
    public var system: String?
    /// User and assistant turns, oldest first (the system prompt is kept apart and never dropped).
    public var history: [ChatMessage] = []
    /// What each reply uses: sampling, max tokens, response format… (its prompt is replaced). Reply t is drawn with
    /// seed + t, so a scripted chat repeats exactly.
    public var settings: CompletionRequest
    /// Replies so far.
    public private(set) var turn = 0
    /// The seed of reply 0: `settings.seed`, or one drawn when the session starts.
    public let seed: UInt64

    public init(model: ModelHandle, template: ChatTemplateChoice, system: String? = nil,
                settings: CompletionRequest = CompletionRequest(prompt: .text(""))) {
        self.model = model
        self.template = template
        self.system = system
        self.settings = settings
        self.seed = settings.seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
    }

    /// The system prompt (if any), then the history.
    public var messages: [ChatMessage] { (system.map { [ChatMessage.system($0)] } ?? []) + history }

    /// A user message rendered into the next prompt.
    public struct Turn: Sendable {
        public var request: CompletionRequest
        /// The rendered prompt text and its ids.
        public var prompt: String
        public var ids: [Int32]
        /// Old messages dropped so the prompt and a reply fit the context.
        public var droppedMessages: Int
    }

    /// Adds `userMessage` to the history and renders the prompt for the reply. While the prompt and
    /// min(max tokens, 64) new tokens do not fit the context, the oldest exchange is dropped (`onDrop` hears it).
    /// Throws `DecodingError.promptTooLong` when even the last message alone does not fit.
    public func prompt(userMessage: String, onDrop: () -> Void = {}) throws -> Turn {
        history.append(.user(userMessage))
        var dropped = 0
        while true {
            let request = try model.chatRequest(messages: messages, template: template, base: settings)
            guard case .text(let text) = request.prompt else { preconditionFailure("chatRequest renders text") }
            let ids = model.tokenizer.encode(text, addSpecial: false, parseSpecial: true)
            if ids.count + min(settings.maxTokens, 64) > model.contextLength && history.count > 1 {
                let n = min(2, history.count - 1)
                history.removeFirst(n)
                dropped += n
                onDrop()
                continue
            }
            guard ids.count < model.contextLength else {
                throw DecodingError.promptTooLong(tokens: ids.count, context: model.contextLength)
            }
            return Turn(request: request, prompt: text, ids: ids, droppedMessages: dropped)
        }
    }

    /// Generates the reply to `turn` (the prompt of the latest `prompt(userMessage:)`), streams it through `onEvent`,
    /// and adds it to the history.
    public func reply(_ turn: Turn, onEvent: (GenerationEvent) -> Void = { _ in }) throws -> ChatReply {
        var request = turn.request
        request.prompt = .tokens(turn.ids)
        request.n = 1
        request.seed = seed &+ UInt64(self.turn)
        self.turn += 1
        let result = try model.complete(request, onEvent: onEvent)
        let choice = result.choices[0]
        let content = choice.text.trimmingCharacters(in: .whitespacesAndNewlines)
        history.append(.assistant(content))
        return ChatReply(content: content, finishReason: choice.finishReason, promptTokens: turn.ids.count,
                         completionTokens: choice.tokens.count, seconds: choice.promptSeconds + choice.generationSeconds,
                         seed: result.seed)
    }
}
