// Errors of loading a model into the inference runtime; each names the file and what was expected.

public enum RuntimeError: Error, CustomStringConvertible {
    case unsupportedArchitecture(file: String, architecture: String)
    case badShape(file: String, tensor: String, expected: [Int], found: [Int])
    case tokenOutOfRange(id: Int32, vocabSize: Int)
    case noTokenizer(file: String)
    case unknownFormat(file: String)
    case unsupportedRoPE(file: String, reason: String)

    public var description: String {
        switch self {
        case .unsupportedArchitecture(let file, let arch):
            return "\(file): architecture \"\(arch)\" is not supported (lmlab runs \"llama\": SmolLM2, TinyLlama, Llama 2/3; "
                + "and \"gpt2\": GPT-2 and lmlab's own gpt2-style exports)"
        case .badShape(let file, let tensor, let expected, let found):
            return "\(file): tensor \(tensor) has shape \(found), expected \(expected) from the metadata; the file is inconsistent"
        case .tokenOutOfRange(let id, let n):
            return "token id \(id) is outside the vocabulary 0..<\(n)"
        case .noTokenizer(let file):
            return "\(file) carries no tokenizer; train with a tokenizer so the checkpoint stores it (for a Hugging Face "
                + "folder without tokenizer.json: `lmlab import FOLDER --tokenizer FILE --out X.h5`)"
        case .unknownFormat(let file):
            return "\(file): unknown model format; expected a .gguf file, an lmlab .h5 checkpoint or a Hugging Face model folder "
                + "(config.json + model.safetensors)"
        case .unsupportedRoPE(let file, let reason):
            return "\(file): \(reason); lmlab's runtime supports plain RoPE, rope_freqs factors and linear scaling"
        }
    }
}
