// Tokenizers: byte-level BPE we train ourselves, and the vocabularies that GGUF files bring.
//
// `Tokenizer` is the small role both kinds play for the rest of lmlab (models, decoding, the CLI):
// text → ids, ids → bytes, and what each id is. It mirrors the surface of llama.cpp's `llama_vocab`
// (tokenize with add_special / parse_special, token_to_piece, token attributes).

/// What a vocabulary entry is, with the numbers GGUF stores in `tokenizer.ggml.token_type`
/// (the same as SentencePiece's `ModelProto.SentencePiece.Type`).
public enum TokenType: Int32, Sendable, Codable, CaseIterable {
    case normal = 1
    case unknown = 2
    /// Markers such as `<s>`, `<|im_start|>`: matched in text only when the caller asks to parse special tokens.
    case control = 3
    /// Added by the model's authors; treated like control tokens here (whole-token match only on request).
    /// llama.cpp matches these even without parse_special; lmlab keeps the stricter rule so that plain text never
    /// turns into special ids unasked.
    case userDefined = 4
    case unused = 5
    /// SentencePiece byte fallback `<0xNN>`.
    case byte = 6

    /// Types that `parseSpecial: true` matches as whole tokens in the input text.
    public var isSpecial: Bool { self == .control || self == .userDefined }
}

/// The ids a model gives special meaning to; `nil` when the vocabulary has none.
public struct SpecialTokenIDs: Sendable, Equatable, Codable {
    /// Beginning of sequence (`<s>`, `<|begin_of_text|>`), prepended when `addBOS`.
    public var bos: Int32? = nil
    /// End of sequence, appended when `addEOS`; also a stop token.
    public var eos: Int32? = nil
    /// End of turn (`<|im_end|>`, `<|eot_id|>`): a stop token for chat models.
    public var eot: Int32? = nil
    /// Stand-in for text the vocabulary cannot express (SentencePiece without byte fallback).
    public var unk: Int32? = nil
    /// Padding for batches; never produced by `encode`.
    public var pad: Int32? = nil

    public init(bos: Int32? = nil, eos: Int32? = nil, eot: Int32? = nil, unk: Int32? = nil, pad: Int32? = nil) {
        self.bos = bos; self.eos = eos; self.eot = eot; self.unk = unk; self.pad = pad
    }
}

public protocol Tokenizer: Sendable {
    /// Number of ids, 0..<vocabSize.
    var vocabSize: Int { get }
    var specialIDs: SpecialTokenIDs { get }
    /// Whether `encode(_:addSpecial:parseSpecial:)` with `addSpecial: true` prepends `specialIDs.bos`.
    var addBOS: Bool { get }
    /// Whether `encode(_:addSpecial:parseSpecial:)` with `addSpecial: true` appends `specialIDs.eos`.
    var addEOS: Bool { get }

    /// Text → ids, without BOS/EOS. With `parseSpecial`, control and user-defined tokens written in the text
    /// (e.g. `<|im_start|>`) become their ids; otherwise they are ordinary text.
    func encodeText(_ text: String, parseSpecial: Bool) -> [Int32]
    /// The bytes one id stands for when it is printed (special tokens print their text).
    func bytes(for id: Int32) -> [UInt8]
    /// The vocabulary entry as stored (e.g. `Ġthe` for GPT-2, `▁the` for SentencePiece).
    func piece(for id: Int32) -> String
    func tokenType(of id: Int32) -> TokenType
}

/// A tokenizer whose vocabulary is stored as tables by id — both of lmlab's (BPETokenizer, SentencePieceTokenizer).
public protocol VocabularyTables: Tokenizer {
    /// The vocabulary entries as stored, by id.
    var pieces: [String] { get }
    /// Each id's type (normal, control, byte…), by id.
    var tokenTypes: [TokenType] { get }
}

extension VocabularyTables {
    public func piece(for id: Int32) -> String {
        precondition((0..<vocabSize).contains(Int(id)), "token id \(id) outside 0..<\(vocabSize)")
        return pieces[Int(id)]
    }

    public func tokenType(of id: Int32) -> TokenType {
        precondition((0..<vocabSize).contains(Int(id)), "token id \(id) outside 0..<\(vocabSize)")
        return tokenTypes[Int(id)]
    }
}

extension Tokenizer {
    /// Text → ids as a model sees them: BOS/EOS added per `addBOS`/`addEOS` when `addSpecial`
    /// (llama.cpp's `llama_tokenize(…, add_special, parse_special)`).
    public func encode(_ text: String, addSpecial: Bool = true, parseSpecial: Bool = false) -> [Int32] {
        var ids: [Int32] = []
        if addSpecial, addBOS, let bos = specialIDs.bos { ids.append(bos) }
        ids += encodeText(text, parseSpecial: parseSpecial)
        if addSpecial, addEOS, let eos = specialIDs.eos { ids.append(eos) }
        return ids
    }

    /// ids → bytes, concatenated. Byte-level BPE round-trips any byte string through this.
    public func decodeBytes(_ ids: [Int32]) -> [UInt8] {
        var out: [UInt8] = []
        for id in ids { out += bytes(for: id) }
        return out
    }

    /// ids → text; invalid UTF-8 (only possible for a cut-off id sequence) becomes U+FFFD.
    public func decode(_ ids: [Int32]) -> String {
        String(decoding: decodeBytes(ids), as: UTF8.self)
    }
}
