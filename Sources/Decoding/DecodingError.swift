// Errors of decoding, each saying what was wrong and what to do.

public enum DecodingError: Error, CustomStringConvertible, Equatable {
    case promptTooLong(tokens: Int, context: Int)
    case invalidParameter(flag: String, value: String, valid: String)
    case unknownSampler(name: String)
    case unknownPreset(name: String)

    public var description: String {
        switch self {
        case .promptTooLong(let n, let c):
            return "the prompt is \(n) tokens, longer than the model's context of \(c): shorten the prompt"
        case .invalidParameter(let flag, let value, let valid):
            return "\(flag) \(value) is invalid: expected \(valid)"
        case .unknownSampler(let name):
            return "--samplers: unknown step \"\(name)\"; steps are \(SamplerStep.allCases.map(\.rawValue).joined(separator: ", "))"
        case .unknownPreset(let name):
            return "--preset: unknown preset \"\(name)\"; presets are \(SamplingParameters.presets.keys.sorted().joined(separator: ", "))"
        }
    }
}
