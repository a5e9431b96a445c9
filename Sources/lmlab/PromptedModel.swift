// What generate, compare, inspect and chat start with: the model (.gguf or .h5) with its runtime options, its
// tokenizer, and a prompt's ids that leave room for at least one new token.
import Models
import Tokenizers

struct PromptedModel {
    let lm: TransformerRuntime
    let tokenizer: any Tokenizer

    init(path: String, options: RuntimeOptions = RuntimeOptions()) throws {
        lm = try TransformerRuntime.load(path: path)
        lm.options = options
        guard let tokenizer = lm.tokenizer else { throw RuntimeError.noTokenizer(file: path) }
        self.tokenizer = tokenizer
    }

    /// The prompt's ids (BOS per the tokenizer), or `promptTooLong` when they do not fit the context — with room
    /// for one new token, unless only the prompt's own next-token distribution is wanted.
    func encode(_ prompt: String, parseSpecial: Bool, roomForNewToken: Bool = true) throws -> [Int32] {
        let ids = tokenizer.encode(prompt, addSpecial: true, parseSpecial: parseSpecial)
        guard ids.count + (roomForNewToken ? 1 : 0) <= lm.contextLength else {
            throw RuntimeError.promptTooLong(tokens: ids.count, context: lm.contextLength)
        }
        return ids
    }
}
