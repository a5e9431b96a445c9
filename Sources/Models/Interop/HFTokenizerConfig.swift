// What a Hugging Face folder says about its tokenizer besides tokenizer.json: the chat template and the texts of
// its BOS / EOS tokens, as transformers' `apply_chat_template` receives them.
//
//   chat_template.jinja       the template (what transformers ≥ 4.50 writes), which wins over
//   tokenizer_config.json     "chat_template": a string, or (transformers 4.x with several) a list of
//                             {"name", "template"} from which the one named "default" is used;
//                             "bos_token" / "eos_token": a string, or an AddedToken object whose "content" is it
//   special_tokens_map.json   "bos_token" / "eos_token" again, where older folders keep them
//
// Reads no weights and no tokenizer.json.
import Foundation

public struct HFTokenizerConfig: Sendable, Equatable {
    /// The model's chat template (Jinja source), nil when the folder has none.
    public var chatTemplate: String?
    /// The BOS / EOS texts the template sees (`bos_token`, `eos_token`), nil when the folder names none.
    public var bosText: String?
    public var eosText: String?

    public init(chatTemplate: String? = nil, bosText: String? = nil, eosText: String? = nil) {
        self.chatTemplate = chatTemplate; self.bosText = bosText; self.eosText = eosText
    }

    /// Reads the files of `folder` that exist; a file that is there but not what transformers writes is an error
    /// naming it.
    public init(folder: String) throws {
        let file = { (name: String) in (folder as NSString).appendingPathComponent(name) }
        let config = try Self.object(file("tokenizer_config.json"))
        let map = try Self.object(file("special_tokens_map.json"))
        func text(_ key: String) -> String? {
            for j in [config, map] {
                if let s = j[key] as? String { return s }
                if let s = (j[key] as? [String: Any])?["content"] as? String { return s }
            }
            return nil
        }
        bosText = text("bos_token")
        eosText = text("eos_token")
        if let data = FileManager.default.contents(atPath: file("chat_template.jinja")) {
            chatTemplate = String(decoding: data, as: UTF8.self)
        } else {
            chatTemplate = try Self.template(config["chat_template"], file: file("tokenizer_config.json"))
        }
    }

    /// tokenizer_config.json's "chat_template": a string, or a list of named templates of which "default" is used.
    static func template(_ value: Any?, file: String) throws -> String? {
        guard let value, !(value is NSNull) else { return nil }
        if let source = value as? String { return source }
        guard let list = value as? [[String: Any]] else {
            throw InteropError.badConfig(file: file, field: "chat_template", problem: "is neither a string nor a list of {name, template}")
        }
        let names = list.compactMap { $0["name"] as? String }
        guard let entry = list.first(where: { $0["name"] as? String == "default" }), let source = entry["template"] as? String else {
            throw InteropError.badConfig(file: file, field: "chat_template", problem: "lists templates named "
                + names.joined(separator: ", ") + " but none named \"default\", the one a chat uses (as in transformers)")
        }
        return source
    }

    /// The JSON object in `path`, [:] when the file does not exist.
    static func object(_ path: String) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw InteropError.badConfig(file: path, field: "(root)", problem: "is not a JSON object")
        }
        return object
    }
}
