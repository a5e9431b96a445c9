// What can go wrong moving a model between lmlab and the formats of other tools (GGUF for llama.cpp, Hugging Face
// folders for transformers): each case names the file or folder and the field or tensor, says what was expected,
// and ends with what to do.

public enum InteropError: Error, Equatable, CustomStringConvertible {
    /// The checkpoint has no tokenizer, and the format needs one (llama.cpp and AutoTokenizer load it from the file).
    case noTokenizer(checkpoint: String)
    /// The model cannot be written in this format as it is (e.g. grouped-query attention in a GPT-2 layout).
    case cannotExport(format: String, reason: String)
    /// A folder that is not a Hugging Face model folder (no config.json, no safetensors).
    case notAModelFolder(path: String, reason: String)
    /// config.json names an architecture lmlab does not run, or a field lmlab cannot honour.
    case unsupportedModel(file: String, reason: String)
    /// A field of config.json that is missing or of the wrong type.
    case badConfig(file: String, field: String, problem: String)
    /// A weight the config needs is not in the safetensors files.
    case missingTensor(file: String, tensor: String)
    /// A weight whose shape disagrees with the config.
    case shapeMismatch(file: String, tensor: String, expected: [Int], found: [Int])
    /// A tensor in the files that the config's model does not have (another architecture, or a wrong config).
    case unexpectedTensor(file: String, tensor: String)
    /// The tokenizer has more tokens than the model has embedding rows.
    case vocabularyMismatch(file: String, tokenizer: Int, model: Int)
    /// A weight that is NaN or infinite cannot be quantized or exported meaningfully.
    case nonFinite(tensor: String)
    /// Writing the output failed (any earlier output at that path is unchanged).
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case let .noTokenizer(checkpoint):
            return "\(checkpoint): the checkpoint carries no tokenizer, and the exported model needs one; train with "
                + "`lmlab train` on data from `lmlab prepare` (which stores the tokenizer in the checkpoint)"
        case let .cannotExport(format, reason):
            return "cannot export as \(format): \(reason)"
        case let .notAModelFolder(path, reason):
            return "\(path): not a Hugging Face model folder (\(reason)); pass a folder with config.json and "
                + "model.safetensors, as `save_pretrained` or `lmlab export --format hf` writes it"
        case let .unsupportedModel(file, reason):
            return "\(file): \(reason); lmlab imports GPT2LMHeadModel, LlamaForCausalLM and nanoGPT state dicts"
        case let .badConfig(file, field, problem):
            return "\(file): field \"\(field)\" \(problem); fix config.json"
        case let .missingTensor(file, tensor):
            return "\(file): no tensor \(tensor), which the config's model needs; the weights do not belong to this config.json"
        case let .shapeMismatch(file, tensor, expected, found):
            return "\(file): tensor \(tensor) has shape \(found) but config.json needs \(expected); the weights do not "
                + "belong to this config.json"
        case let .unexpectedTensor(file, tensor):
            return "\(file): tensor \(tensor) is not a weight of the model config.json describes (another architecture?); "
                + "the weights do not belong to this config.json"
        case let .vocabularyMismatch(file, tokenizer, model):
            return "\(file): the tokenizer has \(tokenizer) tokens but the model embeds only \(model); the tokenizer does "
                + "not belong to this model — pass the tokenizer it was trained with"
        case let .nonFinite(tensor):
            return "weight \(tensor) holds NaN or infinite values (a diverged training run?); export an earlier checkpoint"
        case let .cannotWrite(path, reason):
            return "\(path): cannot write (\(reason)); check that the directory exists, is writable and has space"
        }
    }
}
