// ChatCompletionsRequest: the body of POST /v1/chat/completions — `messages` rendered with the model's own chat
// template, OpenAI's chat fields (max_tokens / max_completion_tokens, logprobs + top_logprobs 0–20,
// response_format json_object / json_schema), the shared sampling fields and lmlab's extras (SamplingFields).
import Decoding

struct ChatCompletionsRequest: Decodable, Sendable {
    var model: String?
    var messages: [Message]
    var maxTokens: Int?
    var maxCompletionTokens: Int?
    var logprobs: Bool?
    var topLogprobs: Int?
    var responseFormat: ResponseFormat?
    var sampling: SamplingFields

    struct Message: Decodable, Sendable, Equatable {
        var role: String
        var content: String

        enum CodingKeys: String, CodingKey { case role, content }
        /// `content` is a string, or (OpenAI's newer shape) an array of parts of which the text parts are joined.
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            role = try c.decode(String.self, forKey: .role)
            if let text = try? c.decode(String.self, forKey: .content) {
                content = text
            } else if let parts = try? c.decode([Part].self, forKey: .content) {
                content = parts.compactMap(\.text).joined()
            } else if c.contains(.content), try c.decodeNil(forKey: .content) {
                content = ""
            } else {
                throw Swift.DecodingError.dataCorruptedError(
                    forKey: .content, in: c, debugDescription: "expected a string or an array of {\"type\": \"text\", \"text\": …} parts")
            }
        }
        struct Part: Decodable, Sendable { var type: String; var text: String? }
    }

    /// `{"type": "text"}`, `{"type": "json_object"}` or `{"type": "json_schema", "json_schema": {name, schema, strict}}`.
    struct ResponseFormat: Decodable, Sendable {
        var type: String
        var jsonSchema: SchemaSpec?
        enum CodingKeys: String, CodingKey { case type, jsonSchema = "json_schema" }

        /// The schema itself is read from the body with lmlab's JSON parser (`schema(inBody:)`), which keeps the
        /// order of `properties` that Foundation's decoder drops.
        struct SchemaSpec: Decodable, Sendable {
            var name: String?
            var strict: Bool?
        }
    }

    enum CodingKeys: String, CodingKey {
        case model, messages, maxTokens = "max_tokens", maxCompletionTokens = "max_completion_tokens", logprobs
        case topLogprobs = "top_logprobs", responseFormat = "response_format"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        messages = try c.decode([Message].self, forKey: .messages)
        maxTokens = try c.integer(.maxTokens)
        maxCompletionTokens = try c.integer(.maxCompletionTokens)
        logprobs = try c.decodeIfPresent(Bool.self, forKey: .logprobs)
        topLogprobs = try c.integer(.topLogprobs)
        responseFormat = try c.decodeIfPresent(ResponseFormat.self, forKey: .responseFormat)
        sampling = try SamplingFields(from: decoder)
    }

    /// `response_format.json_schema.schema` of a body, parsed in document order, or nil when absent.
    static func schema(inBody bytes: [UInt8]) -> JSONValue? {
        guard let root = try? JSONValue(parsing: bytes) else { return nil }
        var value = root
        for key in ["response_format", "json_schema", "schema"] {
            guard case .object(let members) = value, let next = members.last(where: { $0.key == key })?.value else { return nil }
            value = next
        }
        return value
    }
}
