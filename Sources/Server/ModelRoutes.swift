// GET /v1/models and GET /v1/models/{id}: the served models in OpenAI's list shape (what `client.models.list()`
// parses), with lmlab's additions: the context length and the chat template's name.
import Hummingbird

struct ModelObject: Encodable {
    var id: String
    var object = "model"
    var created: Int
    var ownedBy = "lmlab"
    var contextLength: Int
    var vocabSize: Int
    /// "model" (the file's own), a built-in format's name, or nil (no chat endpoint for this model).
    var chatTemplate: String?

    init(_ m: ServedModel) {
        id = m.name; created = m.created; contextLength = m.contextLength; vocabSize = m.vocabSize
        chatTemplate = m.chat?.name
    }

    enum CodingKeys: String, CodingKey {
        case id, object, created, ownedBy = "owned_by", contextLength = "context_length", vocabSize = "vocab_size"
        case chatTemplate = "chat_template"
    }
}

struct ModelList: Encodable {
    var object = "list"
    var data: [ModelObject]
}

extension LMLabServer {
    func addModelRoutes(to router: Router<ServerRequestContext>) {
        router.get("/v1/models") { _, _ in
            try JSONResponse.make(ModelList(data: models.all.map(ModelObject.init)))
        }
        router.get("/v1/models/{id}") { _, context in
            let id = try context.parameters.require("id")
            return try JSONResponse.make(ModelObject(try models.resolve(id)))
        }
    }
}
