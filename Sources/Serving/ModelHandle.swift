// ModelHandle: a model file opened once — the runtime, its tokenizer, its chat template and the texts of its
// special tokens, and the name clients call it by. Every command that runs a model and the server start here.
// ModelFile is the same file opened only for what it says about itself (no weights, no tokenizer).
//
//   let model = try ModelHandle(path: "checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf")
//   let ids = try model.encodePrompt("The capital of France is")
//   let result = try model.complete(CompletionRequest(prompt: .text("The capital of France is")))
//
// The file's format is decided by ModelFileFormat (its first bytes): a GGUF file gives the runtime, the tokenizer
// its `tokenizer.ggml.*` keys describe and `tokenizer.chat_template`; an lmlab .h5 checkpoint gives our GPT and the
// tokenizer stored with it (no chat template: pass a built-in format); a Hugging Face folder (HFModelFolder) its
// weights converted from safetensors and its tokenizer.json (no chat template either).
//
// Threads: the tokenizer, template and metadata are immutable and may be read from any thread; the runtime computes
// on lmlab's worker pool and must be driven by one thread at a time (the CLI's, or a server's generation worker).
import Chat
import Decoding
import Foundation
import GGUF
import Models
import Tokenizers

/// A model file opened for what it says about itself — format, name, chat template, special-token texts — without
/// loading weights or building a tokenizer (what `lmlab template` and a model list need). ModelHandle builds on it.
public struct ModelFile: Sendable {
    /// The path it was opened from.
    public let path: String
    /// The file name without its extension: what a request's `model` field names.
    public let name: String
    public let format: ModelFileFormat
    /// The parsed GGUF header and metadata (tensors stay in the mapping); nil for an .h5 checkpoint.
    public let gguf: GGUFFile?
    /// `tokenizer.chat_template` of a GGUF file; nil for a file without one (and for .h5 checkpoints).
    public let chatTemplateSource: String?
    /// The texts of the BOS and EOS tokens as chat templates receive them, from a GGUF file's vocabulary ("" when
    /// it has none); nil for an .h5 checkpoint (a built-in chat format then supplies its own).
    public let bosText: String?
    public let eosText: String?

    /// Opens `path` (GGUF: header and metadata; .h5: nothing yet). Throws the format's own error for a bad file.
    public init(path: String) throws {
        self.path = path
        name = (URL(fileURLWithPath: path).lastPathComponent as NSString).deletingPathExtension
        format = try ModelFileFormat.of(path: path)
        switch format {
        case .gguf:
            let file = try GGUFFile(path: path)
            let vocabulary = try file.vocabulary()
            func text(_ id: Int32?) -> String {
                guard let id, vocabulary.tokens.indices.contains(Int(id)) else { return "" }
                return vocabulary.tokens[Int(id)]
            }
            gguf = file
            bosText = text(vocabulary.bos)
            eosText = text(vocabulary.eos)
            chatTemplateSource = file.metadata["tokenizer.chat_template"]?.string
        case .hdf5:
            (gguf, bosText, eosText, chatTemplateSource) = (nil, nil, nil, nil)
        case .huggingFace:
            (gguf, bosText, eosText, chatTemplateSource) = (nil, nil, nil, nil)
        case .tokenizerJSON:
            throw RuntimeError.unknownFormat(file: path)
        }
    }
}

public final class ModelHandle: @unchecked Sendable {
    /// What the file says about itself (name, format, chat template, special-token texts).
    public let file: ModelFile
    public let runtime: TransformerRuntime
    public let tokenizer: any Tokenizer
    /// JSON mode's vocabulary tables, built on first use.
    let jsonTables = Lazy<JSONConstraint>()

    /// Opens `path` once and loads its model. Throws the format's own error for a bad file (naming it),
    /// `RuntimeError.noTokenizer` for a checkpoint saved without a tokenizer.
    public convenience init(path: String, options: RuntimeOptions = RuntimeOptions()) throws {
        try self.init(file: ModelFile(path: path), options: options)
    }

    /// Loads the model of an opened file.
    public init(file: ModelFile, options: RuntimeOptions = RuntimeOptions()) throws {
        self.file = file
        if let gguf = file.gguf {
            runtime = try TransformerRuntime(gguf: gguf)
        } else if file.format == .huggingFace {
            runtime = try TransformerRuntime.load(path: file.path)  // HFModelFolder; its warnings go to stderr
        } else {
            let checkpoint = try Checkpoint.load(path: file.path)
            runtime = TransformerRuntime(gpt: checkpoint.model, tokenizer: checkpoint.tokenizer)
        }
        runtime.options = options
        guard let tokenizer = runtime.tokenizer else { throw RuntimeError.noTokenizer(file: file.path) }
        self.tokenizer = tokenizer
    }

    public var path: String { file.path }
    public var name: String { file.name }
    public var format: ModelFileFormat { file.format }
    public var chatTemplateSource: String? { file.chatTemplateSource }
    public var bosText: String? { file.bosText }
    public var eosText: String? { file.eosText }

    /// The tokenizer of the file at `path` alone, without loading any weight: a `*.tokenizer.json`, a GGUF file's
    /// vocabulary, or the /tokenizer group of an lmlab checkpoint.
    public static func tokenizer(path: String) throws -> any Tokenizer {
        guard FileManager.default.fileExists(atPath: path) else {
            throw TokenizerError.badFile(path: path, reason: "no such file; check the path")
        }
        let format: ModelFileFormat
        do { format = try ModelFileFormat.of(path: path) } catch {
            throw TokenizerError.unsupportedFile(
                path: path, reason: "unknown tokenizer file kind; expected a *.tokenizer.json (`lmlab tokenizer train`), "
                    + "a .gguf model or an lmlab .h5 checkpoint")
        }
        switch format {
        case .tokenizerJSON:
            return try BPETokenizer(contentsOf: path)
        case .gguf:
            return try GGUFFile(path: path).tokenizer()
        case .hdf5:
            guard let tokenizer = try Checkpoint.tokenizer(path: path) else {
                throw TokenizerError.unsupportedFile(
                    path: path, reason: "this checkpoint was saved without a tokenizer (no /tokenizer group); pass the "
                        + "tokenizer.json it was trained with instead (`lmlab prepare` writes one next to the token files)")
            }
            return tokenizer
        case .huggingFace:
            guard let tokenizer = try HFModelFolder.tokenizer(folder: path) else {
                throw TokenizerError.unsupportedFile(path: path, reason: "the folder has no tokenizer.json; pass the tokenizer file instead")
            }
            return tokenizer
        }
    }

    public var contextLength: Int { runtime.contextLength }
    public var vocabSize: Int { runtime.vocabSize }

    /// The decoding loop over this model.
    public var generator: Generator<TransformerRuntime> { Generator(model: runtime, tokenizer: tokenizer) }

    /// A prompt's ids (BOS per the tokenizer; `parseSpecial`: `<|im_start|>` written in the text becomes its id).
    /// Throws `DecodingError.promptTooLong` when they leave no room for `newTokens` more in the context
    /// (0: only the prompt's own next-token distribution is wanted), `.emptyPrompt` for no tokens.
    public func encodePrompt(_ text: String, parseSpecial: Bool = false, addSpecial: Bool = true,
                             newTokens: Int = 1) throws -> [Int32] {
        let ids = tokenizer.encode(text, addSpecial: addSpecial, parseSpecial: parseSpecial)
        try checkPrompt(ids, newTokens: newTokens)
        return ids
    }

    /// Throws `DecodingError.promptTooLong` unless `ids` and `newTokens` more fit the context.
    public func checkPrompt(_ ids: [Int32], newTokens: Int = 1) throws {
        guard !ids.isEmpty else { throw DecodingError.emptyPrompt }
        guard ids.count + newTokens <= contextLength else {
            throw DecodingError.promptTooLong(tokens: ids.count, context: contextLength)
        }
    }

    /// The printable text of one token (its bytes as UTF-8; a piece of a character shows as U+FFFD).
    public func piece(_ id: Int32) -> String { String(decoding: tokenizer.bytes(for: id), as: UTF8.self) }
}
