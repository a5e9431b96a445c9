// The tokenizer a GGUF file describes, as plain arrays (GGUF spec, "tokenizer.ggml.*" keys). The GGUF reader fills
// one of these and calls `makeTokenizer()`; this module does not read files itself.
//
//   tokenizer.ggml.model        → model        "gpt2": byte-level BPE from tokens + merges
//                                              "llama": SentencePiece BPE from tokens + scores
//   tokenizer.ggml.pre          → pre          pre-tokenizer name for "gpt2" models (llama.cpp's list)
//   tokenizer.ggml.tokens / merges / scores / token_type
//   tokenizer.ggml.{bos,eos,eot,unknown,padding}_token_id
//   tokenizer.ggml.add_bos_token / add_eos_token / add_space_prefix

public struct GGUFVocabulary: Sendable, Equatable {
    /// `tokenizer.ggml.model`: "gpt2" or "llama".
    public var model: String
    /// `tokenizer.ggml.tokens`, (vocabSize).
    public var tokens: [String]
    /// `tokenizer.ggml.merges` ("left right", rank order); required for "gpt2".
    public var merges: [String]?
    /// `tokenizer.ggml.scores`, (vocabSize); required for "llama".
    public var scores: [Float]?
    /// `tokenizer.ggml.token_type`, (vocabSize); all normal when absent.
    public var tokenTypes: [Int32]?
    /// `tokenizer.ggml.pre`; nil or unknown means llama.cpp's "default" regex list.
    public var pre: String?
    public var bos: Int32?
    public var eos: Int32?
    public var eot: Int32?
    public var unk: Int32?
    public var pad: Int32?
    /// `tokenizer.ggml.add_bos_token`; when the file lacks it: true for "llama" (SentencePiece models have always
    /// started with `<s>`), false for "gpt2".
    public var addBOS: Bool?
    public var addEOS: Bool = false
    /// SentencePiece only; llama.cpp's default is true.
    public var addSpacePrefix: Bool = true

    public init(
        model: String, tokens: [String], merges: [String]? = nil, scores: [Float]? = nil, tokenTypes: [Int32]? = nil,
        pre: String? = nil, bos: Int32? = nil, eos: Int32? = nil, eot: Int32? = nil, unk: Int32? = nil,
        pad: Int32? = nil, addBOS: Bool? = nil, addEOS: Bool = false, addSpacePrefix: Bool = true
    ) {
        self.model = model; self.tokens = tokens; self.merges = merges; self.scores = scores
        self.tokenTypes = tokenTypes; self.pre = pre; self.bos = bos; self.eos = eos; self.eot = eot
        self.unk = unk; self.pad = pad; self.addBOS = addBOS; self.addEOS = addEOS; self.addSpacePrefix = addSpacePrefix
    }

    /// The pre-tokenizer for `pre`; an unknown name falls back to "default" with a warning on stderr
    /// (as llama.cpp does for vocabularies converted before a name existed).
    public func resolvedPreTokenizer(warn: (String) -> Void = { printToStandardError($0) }) -> PreTokenizer {
        guard let pre else { return .default }
        if let p = PreTokenizer.named(pre) { return p }
        warn("warning: unknown tokenizer.ggml.pre \"\(pre)\"; using the \"default\" pre-tokenizer (ids may differ from the model's own)")
        return .default
    }

    public func makeTokenizer() throws -> any Tokenizer {
        let n = tokens.count
        let types: [TokenType] = try (tokenTypes ?? Array(repeating: 1, count: n)).enumerated().map { id, raw in
            guard let t = TokenType(rawValue: raw) else {
                throw TokenizerError.badTokenType(id: id, value: raw)
            }
            return t
        }
        guard types.count == n else {
            throw TokenizerError.lengthMismatch(field: "tokenizer.ggml.token_type", expected: n, observed: types.count)
        }
        let ids = SpecialTokenIDs(bos: bos, eos: eos, eot: eot, unk: unk, pad: pad)
        switch model {
        case "gpt2":
            return try BPETokenizer(
                ggufTokens: tokens, merges: merges ?? [], tokenTypes: types, preTokenizer: resolvedPreTokenizer(),
                specialIDs: ids, addBOS: addBOS ?? false, addEOS: addEOS)
        case "llama":
            guard let scores else {
                throw TokenizerError.lengthMismatch(field: "tokenizer.ggml.scores", expected: n, observed: 0)
            }
            return try SentencePieceTokenizer(
                pieces: tokens, scores: scores, tokenTypes: types, specialIDs: ids, addBOS: addBOS ?? true,
                addEOS: addEOS, addSpacePrefix: addSpacePrefix)
        default:
            throw TokenizerError.unsupportedModel(model)
        }
    }
}

import Foundation

/// One line to stderr (warnings must not mix with ids printed on stdout).
public func printToStandardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
