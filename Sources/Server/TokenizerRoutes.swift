// POST /tokenize, /detokenize and /apply-template: the model's tokenizer and chat template over HTTP (llama.cpp's
// server has the same three), so a notebook or the playground can see what the model is fed.
//   /tokenize        {"model", "content", "add_special": false, "parse_special": false}
//                    → {"model", "tokens": [ids], "pieces": [{"id", "piece"} | {"id", "bytes": [..]}]}
//                    (bytes where a piece alone is not valid UTF-8, e.g. half of an emoji)
//   /detokenize      {"model", "tokens": [ids]} → {"model", "content"}
//   /apply-template  {"model", "messages": [...], "add_generation_prompt": true} → {"model", "prompt", "template"}
import Chat
import Hummingbird
import Serving
import Tokenizers

struct TokenizeRequest: Decodable {
    var model: String?
    var content: String
    var addSpecial: Bool?
    var parseSpecial: Bool?
    enum CodingKeys: String, CodingKey { case model, content, addSpecial = "add_special", parseSpecial = "parse_special" }
}

struct TokenizeResponse: Encodable {
    struct Piece: Encodable {
        var id: Int32
        var piece: String?
        var bytes: [UInt8]?
    }
    var model: String
    var tokens: [Int32]
    var pieces: [Piece]
}

struct DetokenizeRequest: Decodable {
    var model: String?
    var tokens: [Int32]
    enum CodingKeys: String, CodingKey { case model, tokens }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        guard let ids = try c.integers(.tokens, as: Int32.self) else {
            throw Swift.DecodingError.keyNotFound(CodingKeys.tokens, .init(codingPath: [], debugDescription: "tokens is required"))
        }
        tokens = ids
    }
}

struct DetokenizeResponse: Encodable {
    var model: String
    var content: String
}

struct ApplyTemplateRequest: Decodable {
    var model: String?
    var messages: [ChatCompletionsRequest.Message]
    var addGenerationPrompt: Bool?
    enum CodingKeys: String, CodingKey { case model, messages, addGenerationPrompt = "add_generation_prompt" }
}

struct ApplyTemplateResponse: Encodable {
    var model: String
    var prompt: String
    /// "model" (the file's own template) or the built-in format's name.
    var template: String
}

extension LMLabServer {
    func addTokenizerRoutes(to router: Router<ServerRequestContext>) {
        router.post("/tokenize") { request, _ in
            let body = try await JSONRequest.decode(TokenizeRequest.self, from: request, limit: configuration.maxBodyBytes)
            let model = try models.resolve(body.model)
            let t = model.tokenizer
            let ids = t.encode(body.content, addSpecial: body.addSpecial ?? false, parseSpecial: body.parseSpecial ?? false)
            let pieces = ids.map { id -> TokenizeResponse.Piece in
                let bytes = t.bytes(for: id)
                if let text = String(validating: bytes, as: UTF8.self) { return .init(id: id, piece: text) }
                return .init(id: id, bytes: bytes)
            }
            return try JSONResponse.make(TokenizeResponse(model: model.name, tokens: ids, pieces: pieces))
        }
        router.post("/detokenize") { request, _ in
            let body = try await JSONRequest.decode(DetokenizeRequest.self, from: request, limit: configuration.maxBodyBytes)
            let model = try models.resolve(body.model)
            try Self.checkIDs(body.tokens, vocabSize: model.vocabSize, field: "tokens")
            return try JSONResponse.make(DetokenizeResponse(model: model.name, content: model.tokenizer.decode(body.tokens)))
        }
        router.post("/apply-template") { request, _ in
            let body = try await JSONRequest.decode(ApplyTemplateRequest.self, from: request, limit: configuration.maxBodyBytes)
            let model = try models.resolve(body.model)
            let (prompt, template) = try Self.render(body.messages, for: model, addGenerationPrompt: body.addGenerationPrompt ?? true)
            return try JSONResponse.make(ApplyTemplateResponse(model: model.name, prompt: prompt, template: template))
        }
    }

    /// 400 naming `field[i]` for an id outside the vocabulary.
    static func checkIDs(_ ids: [Int32], vocabSize: Int, field: String) throws(APIError) {
        if let i = ids.firstIndex(where: { $0 < 0 || Int($0) >= vocabSize }) {
            throw APIError.badField("\(field)[\(i)]", "\(field)[\(i)]: token id \(ids[i]) is outside the vocabulary 0..<\(vocabSize)")
        }
    }

    /// The conversation rendered with the model's chat template; 400 for an empty or malformed conversation, or a
    /// model without a template.
    static func render(_ messages: [ChatCompletionsRequest.Message], for model: ServedModel,
                       addGenerationPrompt: Bool = true) throws(APIError) -> (prompt: String, template: String) {
        let conversation = try ChatCompletionsRequest.chatMessages(messages)
        guard let chat = model.chat else { throw APIError(library: ServingError.noChatTemplate(file: model.path)) }
        do {
            return (try chat.render(conversation, addGenerationPrompt: addGenerationPrompt), chat.name)
        } catch {
            throw APIError.badField("messages", "the chat template of \(model.name) rejected the conversation: \(error)")
        }
    }
}
