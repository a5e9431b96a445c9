// ChatTemplateError: what can go wrong parsing or rendering a chat template, with the template's line and column.
//
// `raised` is the template's own refusal (`raise_exception("Conversation roles must alternate…")`), which Hugging
// Face surfaces as a jinja2 TemplateError; its message is the template's text, unchanged.

public enum ChatTemplateError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The template is not valid Jinja (or uses a construct lmlab does not support).
    case syntax(message: String, line: Int, column: Int)
    /// The template is valid but failed while rendering (an undefined name looked into, a type error…).
    case render(message: String, line: Int, column: Int)
    /// The template called `raise_exception(message)`: the conversation does not fit the model's format.
    case raised(message: String, line: Int, column: Int)
    /// `--chat-format NAME` named no built-in format.
    case unknownFormat(name: String, known: [String])

    public var description: String {
        switch self {
        case let .syntax(message, line, column):
            return "chat template, line \(line), column \(column): \(message)"
        case let .render(message, line, column):
            return "chat template, line \(line), column \(column): \(message)"
        case let .raised(message, line, column):
            return "the model's chat template refuses this conversation: \(message) "
                + "(raise_exception at line \(line), column \(column))"
        case let .unknownFormat(name, known):
            return "unknown chat format \"\(name)\"; use one of: \(known.joined(separator: ", "))"
        }
    }
}

/// The interpreter's internal error: a kind, a message and the offset (in Unicode scalars) into the source.
struct JinjaError: Error {
    enum Kind { case syntax, render, raised }
    let kind: Kind
    let message: String
    let offset: Int

    static func syntax(_ message: String, at offset: Int) -> JinjaError { .init(kind: .syntax, message: message, offset: offset) }
    static func render(_ message: String, at offset: Int) -> JinjaError { .init(kind: .render, message: message, offset: offset) }

    /// The public error, with `offset` turned into a 1-based line and column of `source`.
    func publicError(source: [Unicode.Scalar]) -> ChatTemplateError {
        var line = 1, column = 1
        for scalar in source.prefix(offset) {
            if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        switch kind {
        case .syntax: return .syntax(message: message, line: line, column: column)
        case .render: return .render(message: message, line: line, column: column)
        case .raised: return .raised(message: message, line: line, column: column)
        }
    }
}
