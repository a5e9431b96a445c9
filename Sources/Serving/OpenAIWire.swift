// OpenAIWire: the JSON shapes of OpenAI's API (and llama-cpp-python's, which copies them) that `lmlab generate
// --json` prints and the server sends, so scripts and the official `openai` client read them unchanged:
//   text completion  {id, object: "text_completion", created, model, choices: [{text, index, logprobs, finish_reason}],
//                     usage}, logprobs in the legacy shape {tokens, token_logprobs, top_logprobs, text_offset};
//   its stream chunk (the same object with the new text of one choice; the last one carries finish_reason);
//   chat completion  {…, object: "chat.completion", choices: [{index, message: {role, content}, logprobs,
//                     finish_reason}]}, logprobs in the chat shape {content: [{token, logprob, bytes, top_logprobs}]};
//   its chunk        {…, object: "chat.completion.chunk", choices: [{index, delta: {role?, content?}, …}]};
//   usage            {prompt_tokens, completion_tokens, total_tokens};
//   errors           {"error": {"message", "type", "param", "code"}}.
// Keys are spelled out (snake_case) so any JSONEncoder writes them right. lmlab adds `token_ids` per choice (and
// `score` for beam hypotheses) and the `seed` that repeats the run. Fields OpenAI always sends even when empty
// (`logprobs`, `finish_reason` in chunks, an error's `param`/`code`) are written as null, not left out.
import Decoding
import Foundation

public enum OpenAIWire {
    /// "cmpl-…" / "chatcmpl-…" ids.
    public static func newID(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.lowercased())" }
    /// Seconds since 1970, as `created`.
    public static func now() -> Int { Int(Date().timeIntervalSince1970) }

    public struct Usage: Codable, Sendable, Equatable {
        public var promptTokens: Int
        public var completionTokens: Int
        public var totalTokens: Int

        public init(promptTokens: Int, completionTokens: Int) {
            self.promptTokens = promptTokens
            self.completionTokens = completionTokens
            self.totalTokens = promptTokens + completionTokens
        }

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
        }
    }

    // MARK: Text completions

    /// The legacy (completions) log-probabilities: parallel arrays, one entry per token.
    public struct LegacyLogprobs: Codable, Sendable, Equatable {
        public var tokens: [String]
        /// null for the first echoed prompt token (nothing predicts it).
        public var tokenLogprobs: [Double?]
        /// The best alternatives of each token, piece → log p; null where `tokenLogprobs` is.
        public var topLogprobs: [[String: Double]?]
        /// Character offset of each token in prompt + completion text.
        public var textOffset: [Int]

        public init(_ entries: [TokenLogprob]) {
            tokens = entries.map(\.text)
            tokenLogprobs = entries.map(\.logprob)
            topLogprobs = entries.map { e in
                e.logprob == nil ? nil : Dictionary(e.top.map { ($0.text, $0.logprob) }, uniquingKeysWith: { a, _ in a })
            }
            textOffset = entries.map(\.textOffset)
        }

        enum CodingKeys: String, CodingKey {
            case tokens, tokenLogprobs = "token_logprobs", topLogprobs = "top_logprobs", textOffset = "text_offset"
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(tokens, forKey: .tokens)
            try c.encode(tokenLogprobs, forKey: .tokenLogprobs)   // null for the first echoed token
            try c.encode(topLogprobs, forKey: .topLogprobs)
            try c.encode(textOffset, forKey: .textOffset)
        }
    }

    public struct TextChoice: Codable, Sendable, Equatable {
        public var text: String
        public var index: Int
        public var logprobs: LegacyLogprobs?
        /// "stop" or "length"; null in a stream chunk until the choice ends.
        public var finishReason: String?
        /// lmlab: the new tokens' ids.
        public var tokenIds: [Int32]?
        /// lmlab: a beam hypothesis's score.
        public var score: Double?
        /// lmlab, with the extra `n_probs`: each token's id, rank and best alternatives with ids (TokenProbabilities).
        public var completionProbabilities: [TokenProbability]? = nil

        public init(text: String, index: Int, logprobs: LegacyLogprobs?, finishReason: String?, tokenIds: [Int32]?,
                    score: Double? = nil) {
            self.text = text; self.index = index; self.logprobs = logprobs; self.finishReason = finishReason
            self.tokenIds = tokenIds; self.score = score
        }

        enum CodingKeys: String, CodingKey {
            case text, index, logprobs, finishReason = "finish_reason", tokenIds = "token_ids", score
            case completionProbabilities = "completion_probabilities"
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(text, forKey: .text)
            try c.encode(index, forKey: .index)
            try c.encode(logprobs, forKey: .logprobs)            // explicit null, as OpenAI writes it
            try c.encode(finishReason, forKey: .finishReason)    // explicit null in chunks
            try c.encodeIfPresent(tokenIds, forKey: .tokenIds)
            try c.encodeIfPresent(score, forKey: .score)
            try c.encodeIfPresent(completionProbabilities, forKey: .completionProbabilities)
        }
    }

    /// A whole text completion (`object: "text_completion"`); a stream chunk is the same object with one choice's
    /// new text (and `usage` only in the last chunk, when asked for).
    public struct TextCompletion: Codable, Sendable, Equatable {
        public var id: String
        public var object = "text_completion"
        public var created: Int
        public var model: String
        public var choices: [TextChoice]
        public var usage: Usage?
        /// lmlab: the seed that repeats a sampled run.
        public var seed: UInt64?

        public init(id: String = OpenAIWire.newID("cmpl"), created: Int = OpenAIWire.now(), model: String,
                    choices: [TextChoice], usage: Usage?, seed: UInt64? = nil) {
            self.id = id; self.created = created; self.model = model; self.choices = choices; self.usage = usage
            self.seed = seed
        }

        /// The completion of `result`; with `echo` each choice's text starts with the prompt.
        public init(_ result: CompletionResult, echo: Bool, id: String = OpenAIWire.newID("cmpl"),
                    created: Int = OpenAIWire.now(), model: String? = nil) {
            let choices = result.choices.map { c in
                TextChoice(text: (echo ? result.promptText : "") + c.text, index: c.index,
                           logprobs: c.logprobs.map(LegacyLogprobs.init), finishReason: c.finishReason.openAI,
                           tokenIds: c.tokens, score: c.score)
            }
            self.init(id: id, created: created, model: model ?? result.model, choices: choices,
                      usage: Usage(promptTokens: result.promptTokens.count, completionTokens: result.completionTokens),
                      seed: result.seed)
        }

        /// One stream chunk: `event`'s new text for its choice, its log-probability entry, and its finish reason.
        public static func chunk(_ event: GenerationEvent, id: String, created: Int, model: String) -> TextCompletion {
            let choice = TextChoice(text: event.text, index: event.id,
                                    logprobs: event.logprob.map { LegacyLogprobs([$0]) },
                                    finishReason: event.finishReason?.openAI, tokenIds: event.token.map { [$0] })
            return TextCompletion(id: id, created: created, model: model, choices: [choice], usage: nil)
        }

        enum CodingKeys: String, CodingKey { case id, object, created, model, choices, usage, seed }
    }

    // MARK: Chat completions

    /// One alternative of a chat token.
    public struct TopLogprob: Codable, Sendable, Equatable {
        public var token: String
        public var logprob: Double
        /// The token's UTF-8 bytes (a piece of a character is not valid text on its own).
        public var bytes: [UInt8]?
    }

    public struct ChatTokenLogprob: Codable, Sendable, Equatable {
        public var token: String
        public var logprob: Double
        public var bytes: [UInt8]?
        public var topLogprobs: [TopLogprob]

        /// `entry` with each token's raw bytes from `bytes`.
        public init(_ entry: TokenLogprob, bytes: (Int32) -> [UInt8]) {
            token = entry.text
            logprob = entry.logprob ?? 0
            self.bytes = bytes(entry.id)
            topLogprobs = entry.top.map { TopLogprob(token: $0.text, logprob: $0.logprob, bytes: bytes($0.id)) }
        }

        enum CodingKeys: String, CodingKey { case token, logprob, bytes, topLogprobs = "top_logprobs" }
    }

    public struct ChatLogprobs: Codable, Sendable, Equatable {
        public var content: [ChatTokenLogprob]?
        public init(content: [ChatTokenLogprob]?) { self.content = content }
    }

    public struct ChatMessage: Codable, Sendable, Equatable {
        public var role: String
        public var content: String?
        public init(role: String, content: String?) { self.role = role; self.content = content }
    }

    public struct ChatChoice: Codable, Sendable, Equatable {
        public var index: Int
        public var message: ChatMessage
        public var logprobs: ChatLogprobs?
        public var finishReason: String

        public init(index: Int, message: ChatMessage, logprobs: ChatLogprobs?, finishReason: String) {
            self.index = index; self.message = message; self.logprobs = logprobs; self.finishReason = finishReason
        }

        enum CodingKeys: String, CodingKey { case index, message, logprobs, finishReason = "finish_reason" }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(index, forKey: .index)
            try c.encode(message, forKey: .message)
            try c.encode(logprobs, forKey: .logprobs)   // explicit null
            try c.encode(finishReason, forKey: .finishReason)
        }
    }

    public struct ChatCompletion: Codable, Sendable, Equatable {
        public var id: String
        public var object = "chat.completion"
        public var created: Int
        public var model: String
        public var choices: [ChatChoice]
        public var usage: Usage
        /// lmlab: the seed that repeats a sampled run.
        public var seed: UInt64?

        public init(id: String = OpenAIWire.newID("chatcmpl"), created: Int = OpenAIWire.now(), model: String,
                    choices: [ChatChoice], usage: Usage, seed: UInt64? = nil) {
            self.id = id; self.created = created; self.model = model; self.choices = choices; self.usage = usage
            self.seed = seed
        }

        /// The chat completion of `result` (the reply of each choice, whitespace around it trimmed); `bytes` gives
        /// a token's raw bytes for the logprobs.
        public init(_ result: CompletionResult, bytes: (Int32) -> [UInt8], id: String = OpenAIWire.newID("chatcmpl"),
                    created: Int = OpenAIWire.now(), model: String? = nil) {
            let choices = result.choices.map { c in
                ChatChoice(index: c.index,
                           message: ChatMessage(role: "assistant", content: c.text.trimmingCharacters(in: .whitespacesAndNewlines)),
                           logprobs: c.logprobs.map { ChatLogprobs(content: $0.map { ChatTokenLogprob($0, bytes: bytes) }) },
                           finishReason: c.finishReason.openAI)
            }
            self.init(id: id, created: created, model: model ?? result.model, choices: choices,
                      usage: Usage(promptTokens: result.promptTokens.count, completionTokens: result.completionTokens),
                      seed: result.seed)
        }

        enum CodingKeys: String, CodingKey { case id, object, created, model, choices, usage, seed }
    }

    public struct ChatDelta: Codable, Sendable, Equatable {
        /// "assistant" in a choice's first chunk only.
        public var role: String?
        public var content: String?
        public init(role: String? = nil, content: String? = nil) { self.role = role; self.content = content }
    }

    public struct ChatChunkChoice: Codable, Sendable, Equatable {
        public var index: Int
        public var delta: ChatDelta
        public var logprobs: ChatLogprobs?
        public var finishReason: String?

        public init(index: Int, delta: ChatDelta, logprobs: ChatLogprobs? = nil, finishReason: String? = nil) {
            self.index = index; self.delta = delta; self.logprobs = logprobs; self.finishReason = finishReason
        }

        enum CodingKeys: String, CodingKey { case index, delta, logprobs, finishReason = "finish_reason" }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(index, forKey: .index)
            try c.encode(delta, forKey: .delta)
            try c.encode(logprobs, forKey: .logprobs)          // explicit null
            try c.encode(finishReason, forKey: .finishReason)  // explicit null until the choice ends
        }
    }

    /// A stream chunk of a chat completion. With `stream_options.include_usage`, a last chunk has no choices and
    /// the usage.
    public struct ChatCompletionChunk: Codable, Sendable, Equatable {
        public var id: String
        public var object = "chat.completion.chunk"
        public var created: Int
        public var model: String
        public var choices: [ChatChunkChoice]
        public var usage: Usage?

        public init(id: String, created: Int, model: String, choices: [ChatChunkChoice], usage: Usage? = nil) {
            self.id = id; self.created = created; self.model = model; self.choices = choices; self.usage = usage
        }

        /// The chunk of one generation event: its new text as the delta (`first`: with the role), its token's
        /// log-probability entry, its finish reason.
        public static func chunk(_ event: GenerationEvent, first: Bool, bytes: (Int32) -> [UInt8], id: String,
                                 created: Int, model: String) -> ChatCompletionChunk {
            let choice = ChatChunkChoice(
                index: event.id, delta: ChatDelta(role: first ? "assistant" : nil, content: event.text),
                logprobs: event.logprob.map { ChatLogprobs(content: [ChatTokenLogprob($0, bytes: bytes)]) },
                finishReason: event.finishReason?.openAI)
            return ChatCompletionChunk(id: id, created: created, model: model, choices: [choice])
        }

        enum CodingKeys: String, CodingKey { case id, object, created, model, choices, usage }
    }

    // MARK: Errors

    /// `{"error": {"message", "type", "param", "code"}}`.
    public struct ErrorResponse: Codable, Sendable, Equatable {
        public struct Body: Codable, Sendable, Equatable {
            public var message: String
            /// "invalid_request_error", "authentication_error", "not_found_error", "server_error"…
            public var type: String
            /// The request field at fault, if one is.
            public var param: String?
            /// "context_length_exceeded", "model_not_found", "rate_limit_exceeded"…
            public var code: String?

            public init(message: String, type: String, param: String? = nil, code: String? = nil) {
                self.message = message; self.type = type; self.param = param; self.code = code
            }

            public func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(message, forKey: .message)
                try c.encode(type, forKey: .type)
                try c.encode(param, forKey: .param)   // explicit nulls, as OpenAI writes them
                try c.encode(code, forKey: .code)
            }
        }
        public var error: Body

        public init(message: String, type: String = "invalid_request_error", param: String? = nil, code: String? = nil) {
            error = Body(message: message, type: type, param: param, code: code)
        }

        /// The error response for an error of a request: the field it names as `param`, and
        /// `context_length_exceeded` for a prompt longer than the context.
        public init(_ error: any Error) {
            switch error {
            case let e as DecodingError:
                if case .promptTooLong = e {
                    self.init(message: e.description, param: e.field, code: "context_length_exceeded")
                } else {
                    self.init(message: e.description, param: e.field)
                }
            case let e as ServingError:
                self.init(message: e.description, param: e.field)
            default:
                self.init(message: "\(error)")
            }
        }
    }
}
