// CompletionsRequest: the body of POST /v1/completions as the openai client (and llama-cpp-python-style code) sends
// it: `prompt` as a string or as token ids, OpenAI's legacy fields (max_tokens, logprobs 0–5, echo, best_of), the
// shared sampling fields and lmlab's extras (SamplingFields).

struct CompletionsRequest: Decodable, Sendable {
    var model: String?
    var prompt: Prompt
    var maxTokens: Int?
    var logprobs: Int?
    var echo: Bool?
    var bestOf: Int?
    var suffix: String?
    var sampling: SamplingFields

    /// What to continue: text, or token ids as the model's tokenizer numbers them.
    enum Prompt: Sendable, Equatable {
        case text(String)
        case tokens([Int32])
    }

    enum CodingKeys: String, CodingKey {
        case model, prompt, maxTokens = "max_tokens", logprobs, echo, bestOf = "best_of", suffix
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        prompt = try Self.prompt(c)
        maxTokens = try c.integer(.maxTokens)
        logprobs = try c.integer(.logprobs)
        echo = try c.decodeIfPresent(Bool.self, forKey: .echo)
        bestOf = try c.integer(.bestOf)
        suffix = try c.decodeIfPresent(String.self, forKey: .suffix)
        sampling = try SamplingFields(from: decoder)
    }

    /// OpenAI accepts a string, an array of strings, an array of ids, or an array of arrays of ids; one server
    /// request here continues one prompt, so the arrays must hold exactly one.
    static func prompt(_ c: KeyedDecodingContainer<CodingKeys>) throws -> Prompt {
        if let s = try? c.decode(String.self, forKey: .prompt) { return .text(s) }
        if let list = try? c.decode([String].self, forKey: .prompt), list.count == 1 { return .text(list[0]) }
        if let lists = try? c.decode([[Double]].self, forKey: .prompt), lists.count == 1 {
            return .tokens(try lists[0].enumerated().map { i, x in
                guard let id = Int32(exactly: x) else {
                    throw Swift.DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [CodingKeys.prompt, IndexKey(0), IndexKey(i)],
                                                                  debugDescription: "\(x) is not a token id"))
                }
                return id
            })
        }
        if (try? c.decode([Double].self, forKey: .prompt)) != nil, let ids = try c.integers(.prompt, as: Int32.self) {
            return .tokens(ids)
        }
        guard c.contains(.prompt) else {
            throw Swift.DecodingError.keyNotFound(
                CodingKeys.prompt, .init(codingPath: c.codingPath, debugDescription: "prompt is required"))
        }
        throw Swift.DecodingError.dataCorruptedError(
            forKey: .prompt, in: c,
            debugDescription: "expected a string or an array of token ids (one prompt per request: send several requests, they are decoded together)")
    }
}
