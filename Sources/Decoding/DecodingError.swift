// Errors of decoding, each saying what was wrong and what to do. A bad parameter names its *field* as a request
// spells it (OpenAI / llama.cpp names: top_p, repeat_penalty, num_beams…); a front end that calls it something else
// (the CLI's --top-p) renames it with `described(naming:)`.

public enum DecodingError: Error, CustomStringConvertible, Equatable {
    /// The one prompt-too-long error of lmlab: the prompt does not fit the model's context (with room for the new
    /// tokens the caller needs).
    case promptTooLong(tokens: Int, context: Int)
    /// A prompt of no tokens (nothing to continue).
    case emptyPrompt
    /// A parameter outside its valid range: `valid` says what is expected.
    case invalidParameter(field: String, value: String, valid: String)
    case unknownSampler(name: String)
    case unknownPreset(name: String)

    /// The field the error is about, when it is about one.
    public var field: String? {
        switch self {
        case .promptTooLong, .emptyPrompt: return "prompt"
        case .invalidParameter(let field, _, _): return field
        case .unknownSampler: return "samplers"
        case .unknownPreset: return "preset"
        }
    }

    public var description: String { described(naming: field ?? "") }

    /// The message with the field called `name` (e.g. the flag that set it).
    public func described(naming name: String) -> String {
        switch self {
        case .promptTooLong(let n, let c):
            return "the prompt is \(n) tokens, longer than the model's context of \(c): shorten the prompt"
        case .emptyPrompt:
            return "the prompt has no tokens: give some text to continue"
        case .invalidParameter(_, let value, let valid):
            return "\(name) \(value) is invalid: expected \(valid)"
        case .unknownSampler(let step):
            return "\(name): unknown step \"\(step)\"; steps are \(SamplerStep.allCases.map(\.rawValue).joined(separator: ", "))"
        case .unknownPreset(let preset):
            return "\(name): unknown preset \"\(preset)\"; presets are \(SamplingParameters.presets.keys.sorted().joined(separator: ", "))"
        }
    }
}
