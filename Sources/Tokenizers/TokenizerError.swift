// Typed errors of the Tokenizers module. Each one names the file, field or id that is wrong, what was expected,
// and ends with what to do about it.
import Foundation

public enum TokenizerError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// `tokenizer.ggml.model` (or our JSON's "model") names a kind we do not implement.
    case unsupportedModel(String)
    /// Two arrays that must have one entry per token disagree in length.
    case lengthMismatch(field: String, expected: Int, observed: Int)
    /// A merge line is not two space-separated pieces, or names a piece that is not in the vocabulary.
    case badMerge(index: Int, text: String, reason: String)
    /// `tokenizer.ggml.token_type` holds a value outside 1…6.
    case badTokenType(id: Int, value: Int32)
    /// A special-token id (bos, eos, …) or a merge id points outside the vocabulary.
    case idOutOfRange(name: String, id: Int, vocabSize: Int)
    /// A tokenizer file could not be read or parsed.
    case badFile(path: String, reason: String)
    /// The file is of a kind this command cannot load (yet).
    case unsupportedFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .unsupportedModel(let m):
            return "unsupported tokenizer model \"\(m)\": expected \"gpt2\" (byte-level BPE) or \"llama\" (SentencePiece); "
                + "use a model whose tokenizer.ggml.model is one of these"
        case .lengthMismatch(let field, let expected, let observed):
            return "\(field) has \(observed) entries but the vocabulary has \(expected) tokens; "
                + "the vocabulary arrays must have one entry per token — re-export the file"
        case .badMerge(let index, let text, let reason):
            return "merge #\(index) \"\(text)\": \(reason); the merges list is corrupt — re-export the tokenizer"
        case .badTokenType(let id, let value):
            return "token \(id) has type \(value), expected 1 (normal) … 6 (byte); the token_type array is corrupt — re-export the file"
        case .idOutOfRange(let name, let id, let vocabSize):
            return "\(name) id \(id) is outside the vocabulary (0..<\(vocabSize)); fix or drop that id"
        case .badFile(let path, let reason):
            return "\(path): \(reason)"
        case .unsupportedFile(let path, let reason):
            return "\(path): \(reason)"
        }
    }

    public var errorDescription: String? { description }
}
