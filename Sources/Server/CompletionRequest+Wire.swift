// From the wire to the library: a decoded /v1/completions or /v1/chat/completions body becomes the library's
// CompletionRequest (Sources/Serving), whose validate() names any field out of range; the library's errors become
// 400s that name the field, and a prompt that does not fit becomes context_length_exceeded.
import Chat
import Decoding
import Serving

extension SamplingFields {
    /// Writes these fields into `r` (over lmlab's defaults, or the `preset`'s).
    func apply(to r: inout CompletionRequest) throws(APIError) {
        var knobs = knobs
        for (key, bias) in logitBias ?? [:] {
            guard let id = Int32(key), id >= 0 else {
                throw APIError.badField("logit_bias", "logit_bias key \"\(key)\" is invalid: expected a token id (an integer ≥ 0, as a string)")
            }
            // OpenAI's documented range (the CLI's --logit-bias takes any number).
            guard (-100...100).contains(bias) else {
                throw APIError.badField("logit_bias", "logit_bias[\"\(key)\"] \(bias) is invalid: expected a value in [-100, 100]")
            }
            knobs.logitBias[id] = bias
        }
        (r.sampling, r.beams) = try mapped { () throws(DecodingError) in
            let p = try knobs.parameters()
            return (p, try knobs.beamSearch(sampling: p))
        }
        if let n { r.n = n }
        r.seed = seed
        if let stop {
            guard stop.count <= 4 else { throw APIError.badField("stop", "stop has \(stop.count) strings: at most 4 are allowed") }
            r.stop = stop.filter { !$0.isEmpty }
        }
        if let ignoreEOS { r.ignoreEOS = ignoreEOS }
        r.stream = stream ?? false
    }

    /// Whether the last stream chunk should carry the usage (`stream_options.include_usage`).
    var includeUsage: Bool { streamOptions?.includeUsage ?? false }
}

extension CompletionsRequest {
    /// The library's request for this body.
    func completionRequest() throws(APIError) -> CompletionRequest {
        if let bestOf, bestOf != 1, bestOf != (sampling.n ?? 1) {
            throw APIError.badField("best_of", "best_of \(bestOf) is not supported: lmlab returns every sample; use n (or num_beams for the best of several beams)")
        }
        if let suffix, !suffix.isEmpty {
            throw APIError.badField("suffix", "suffix is not supported: lmlab's models only continue text (no fill-in-the-middle)")
        }
        var r: CompletionRequest
        switch prompt {
        case .text(let text): r = CompletionRequest(prompt: .text(text))
        case .tokens(let ids): r = CompletionRequest(prompt: .tokens(ids))
        }
        r.maxTokens = maxTokens ?? 16   // OpenAI's default for /v1/completions
        if let logprobs {
            guard (0...5).contains(logprobs) else {
                throw APIError.badField("logprobs", "logprobs \(logprobs) is invalid: expected an integer in 0...5")
            }
            r.logprobs = logprobs
        }
        if let nProbs {
            guard (0...OpenAIWire.maxNProbs).contains(nProbs) else {
                throw APIError.badField("n_probs", "n_probs \(nProbs) is invalid: expected an integer in 0...\(OpenAIWire.maxNProbs)")
            }
            r.logprobs = max(r.logprobs ?? 0, nProbs)   // the response trims each shape to what it asked for
        }
        r.echo = echo ?? false
        try sampling.apply(to: &r)
        return r
    }
}

extension ChatCompletionsRequest {
    /// The conversation as chat messages (OpenAI's "developer" is the newer name of "system"); 400 for an empty
    /// conversation or an unknown role.
    func chatMessages() throws(APIError) -> [ChatMessage] { try Self.chatMessages(messages) }

    static func chatMessages(_ messages: [Message]) throws(APIError) -> [ChatMessage] {
        guard !messages.isEmpty else { throw APIError.badField("messages", "messages is empty: send at least one message") }
        let roles: Set<String> = ["system", "developer", "user", "assistant"]
        for (i, m) in messages.enumerated() where !roles.contains(m.role) {
            throw APIError.badField("messages[\(i)].role", "messages[\(i)].role \"\(m.role)\" is invalid: expected system, user or assistant")
        }
        return messages.map { ChatMessage(role: $0.role == "developer" ? "system" : $0.role, content: $0.content) }
    }

    /// The library's request for this body, before the conversation is rendered into its prompt. `schema` is
    /// response_format.json_schema.schema as the body wrote it (ChatCompletionsRequest.schema(inBody:)).
    func completionRequest(schema: JSONValue?) throws(APIError) -> CompletionRequest {
        var r = CompletionRequest(prompt: .text(""))
        // OpenAI's default: as many tokens as fit. lmlab caps it at the context by GenerationOutput's room.
        r.maxTokens = maxCompletionTokens ?? maxTokens ?? Int(Int32.max)
        if r.maxTokens < 1 {
            let field = maxCompletionTokens != nil ? "max_completion_tokens" : "max_tokens"
            throw APIError.badField(field, "\(field) \(r.maxTokens) is invalid: expected an integer ≥ 1")
        }
        if let topLogprobs {
            guard (0...20).contains(topLogprobs) else {
                throw APIError.badField("top_logprobs", "top_logprobs \(topLogprobs) is invalid: expected an integer in 0...20")
            }
            guard logprobs == true else {
                throw APIError.badField("top_logprobs", "top_logprobs needs \"logprobs\": true")
            }
        }
        if logprobs == true { r.logprobs = topLogprobs ?? 0 }
        if let format = responseFormat {
            switch format.type {
            case "text": r.responseFormat = .text
            case "json_object": r.responseFormat = .jsonObject
            case "json_schema":
                guard let schema else {
                    throw APIError.badField("response_format.json_schema.schema", "response_format.json_schema.schema is required with type json_schema")
                }
                do {
                    r.responseFormat = .jsonSchema(try JSONSchema(schema, file: "response_format.json_schema.schema"))
                } catch {
                    throw APIError.badField("response_format.json_schema.schema", error.description)
                }
            default:
                throw APIError.badField("response_format.type", "response_format.type \"\(format.type)\" is invalid: expected text, json_object or json_schema")
            }
        }
        try sampling.apply(to: &r)
        return r
    }
}

extension APIError {
    /// A library error (ServingError, DecodingError) as the 400 that names its field; anything else as a 500.
    init(library error: any Error, promptField: String = "prompt") {
        switch error {
        case let e as APIError:
            self = e
        case let e as DecodingError:
            if case let .promptTooLong(tokens, context) = e {
                self = .contextLengthExceeded(tokens: tokens, context: context, param: promptField)
            } else {
                let field = e.field == "prompt" ? promptField : (e.field ?? "(body)")
                self = .badField(field, e.description)
            }
        case let e as ServingError:
            // Name the server's flag where the library names a CLI/config knob.
            self = .badField(e.field ?? "(body)", e.described { $0 == "chat_format" ? "lmlab serve --chat-format" : $0 })
        default:
            self = .internalError(error)
        }
    }
}

/// `body()`'s DecodingError as the 400 naming its field.
func mapped<T>(_ body: () throws(DecodingError) -> T) throws(APIError) -> T {
    do { return try body() } catch { throw APIError(library: error) }
}
