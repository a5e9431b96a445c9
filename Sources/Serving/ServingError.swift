// Errors of the serving layer: a request field that is wrong (named as the request spells it — max_tokens, n,
// logprobs, response_format… — so the server can say which, and the CLI can rename it to its flag), and a model
// without what a request needs. Errors of decoding (a bad sampling parameter, a prompt longer than the context) are
// DecodingError's.
import Chat

public enum ServingError: Error, CustomStringConvertible, Equatable {
    /// A field outside its valid range.
    case invalidValue(field: String, value: String, valid: String)
    /// `n` larger than the number of beams.
    case moreChoicesThanBeams(n: Int, beams: Int)
    /// A field beam search cannot honour (`logprobs`, `stream`).
    case notWithBeams(field: String, beams: Int)
    /// A field lmlab does not implement.
    case unsupported(field: String, reason: String)
    /// JSON mode on a model without an end-of-sequence token.
    case jsonModeNeedsEOS
    /// A chat on a model whose file has no chat template, without a built-in format.
    case noChatTemplate(file: String)

    /// The field the error is about, when it is about one.
    public var field: String? {
        switch self {
        case .invalidValue(let field, _, _), .notWithBeams(let field, _), .unsupported(let field, _): return field
        case .moreChoicesThanBeams: return "n"
        case .jsonModeNeedsEOS: return "response_format"
        case .noChatTemplate: return "messages"
        }
    }

    public var description: String { described { $0 } }

    /// The message with every field renamed by `name` (the CLI passes its flag names).
    public func described(naming name: (String) -> String) -> String {
        switch self {
        case .invalidValue(let field, let value, let valid):
            return "\(name(field)) \(value) is invalid: expected \(valid)"
        case .moreChoicesThanBeams(let n, let beams):
            return "\(name("n")) \(n) is invalid with \(name("num_beams")) \(beams): expected at most the number of beams"
        case .notWithBeams(let field, let beams):
            return "\(name(field)) is invalid with \(name("num_beams")) \(beams): beam search returns whole sequences with "
                + "their scores; drop \(name(field)) or use \(name("num_beams")) 1"
        case .unsupported(let field, let reason):
            return "\(name(field)) is not supported: \(reason)"
        case .jsonModeNeedsEOS:
            return "\(name("response_format")) needs a model with an end-of-sequence token, to end once the value is complete"
        case .noChatTemplate(let file):
            return "\(file) has no tokenizer.chat_template; choose a built-in format with \(name("chat_format")) chatml "
                + "(or \(ChatFormat.all.dropFirst().map(\.name).joined(separator: ", ")))"
        }
    }
}
