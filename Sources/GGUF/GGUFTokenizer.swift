// GGUFTokenizer: the tokenizer a GGUF file carries in its `tokenizer.ggml.*` metadata (ggml docs/gguf.md,
// "Tokenizer"), read into a `GGUFVocabulary` and built by the Tokenizers module.
//
// The keys, as llama.cpp's converters write them (convert_hf_to_gguf.py `_set_vocab_gpt2` /
// `_set_vocab_sentencepiece`) and as llama.cpp reads them (src/llama-vocab.cpp):
//
//   tokenizer.ggml.model              string          required: "gpt2" (byte-level BPE) or "llama" (SentencePiece)
//   tokenizer.ggml.tokens             [string]        required, (vocabSize)
//   tokenizer.ggml.merges             [string]        required for "gpt2": "left right", highest priority first
//   tokenizer.ggml.scores             [float32]       required for "llama", (vocabSize): higher merges first
//   tokenizer.ggml.token_type         [int32]         optional, (vocabSize): 1 normal … 6 byte (TokenType)
//   tokenizer.ggml.pre                string          optional: the pre-tokenizer regex list of a "gpt2" model
//   tokenizer.ggml.{bos,eos,eot,unknown,padding}_token_id   uint32, each optional
//   tokenizer.ggml.add_bos_token / add_eos_token / add_space_prefix   bool, each optional
//
// An absent optional key means "none" (or the Tokenizers module's documented default). In particular no end-of-turn
// id is inferred from token text: llama.cpp guesses `<|im_end|>`, `<|eot_id|>`… when `eot_token_id` is missing,
// lmlab uses only what the file says.
import Tokenizers

extension GGUFFile {
    /// The `tokenizer.ggml.*` keys as plain arrays. A missing required key or a key of the wrong type is a
    /// GGUFError naming this file and the key; whether the arrays agree with each other is checked by
    /// `GGUFVocabulary.makeTokenizer()`.
    public func vocabulary() throws(GGUFError) -> GGUFVocabulary {
        let model = try string("tokenizer.ggml.model")
        let tokens = try strings("tokenizer.ggml.tokens")
        // Each model needs one list the other ignores; only the one it needs is required.
        let merges = model == "gpt2" ? try strings("tokenizer.ggml.merges") : try optional("tokenizer.ggml.merges", "an array of strings", \.strings)
        let scores = model == "llama" ? try floats("tokenizer.ggml.scores") : try optional("tokenizer.ggml.scores", "an array of floats", \.floats)
        return GGUFVocabulary(
            model: model, tokens: tokens, merges: merges, scores: scores,
            tokenTypes: try optional("tokenizer.ggml.token_type", "an array of integers", \.ints)?.map { Int32(clamping: $0) },
            pre: try optional("tokenizer.ggml.pre", "a string", \.string),
            bos: try tokenID("bos"), eos: try tokenID("eos"), eot: try tokenID("eot"),
            unk: try tokenID("unknown"), pad: try tokenID("padding"),
            addBOS: try optional("tokenizer.ggml.add_bos_token", "a bool", \.bool),
            addEOS: try optional("tokenizer.ggml.add_eos_token", "a bool", \.bool) ?? false,
            addSpacePrefix: try optional("tokenizer.ggml.add_space_prefix", "a bool", \.bool) ?? true)
    }

    /// The file's tokenizer: byte-level BPE for "gpt2" vocabularies, SentencePiece BPE for "llama" ones.
    /// Throws GGUFError for missing or mistyped keys, and a TokenizerError that names this file when the arrays
    /// disagree (e.g. fewer scores than tokens, a merge of pieces that do not exist).
    public func tokenizer() throws -> any Tokenizer {
        let vocabulary = try vocabulary()
        do {
            return try vocabulary.makeTokenizer()
        } catch let error as TokenizerError {
            // The Tokenizers module does not know which file the arrays came from; say it here.
            throw TokenizerError.badFile(path: file, reason: error.description)
        }
    }

    /// `tokenizer.ggml.<name>_token_id`, or nil when the file has none. Ids larger than Int32 are clamped, and
    /// then refused by the tokenizer as outside the vocabulary.
    private func tokenID(_ name: String) throws(GGUFError) -> Int32? {
        try optional("tokenizer.ggml.\(name)_token_id", "an integer", \.int).map { Int32(clamping: $0) }
    }

    /// A float-array key (`tokenizer.ggml.scores`).
    private func floats(_ key: String) throws(GGUFError) -> [Float] {
        let v = try value(key)
        guard let f = v.floats else { throw .wrongKeyType(file: file, key: key, expected: "an array of floats", found: describe(v)) }
        return f
    }

    /// The value of `key` read by `get`; nil when the key is absent, a GGUFError when it holds another type.
    private func optional<T>(_ key: String, _ expected: String, _ get: (GGUFValue) -> T?) throws(GGUFError) -> T? {
        guard let v = metadata[key] else { return nil }
        guard let t = get(v) else { throw .wrongKeyType(file: file, key: key, expected: expected, found: describe(v)) }
        return t
    }

    /// "STRING", or for an array "an array of INT32", so a wrong element type is visible in the message.
    private func describe(_ v: GGUFValue) -> String {
        if case let .array(element, _) = v { return "an array of \(element)" }
        return "\(v.type)"
    }
}
