// Byte-level BPE as a Hugging Face `tokenizer.json` (the `tokenizers` library's serialization, which
// `AutoTokenizer.from_pretrained` loads), written and read:
//
//   "added_tokens"   the special tokens: {"id", "content", "special": true, …}
//   "normalizer"     null
//   "pre_tokenizer"  {"type": "ByteLevel", "use_regex": true}: GPT-2's regex, then bytes → GPT-2's unicode form;
//                    Llama 3 / Qwen 2: a Sequence of a "Split" with their regex, then ByteLevel without a regex;
//                    SmolLM: a Sequence of "Digits" (each digit alone), then ByteLevel with GPT-2's regex
//   "post_processor" ByteLevel, or "TemplateProcessing" that puts BOS (and/or EOS) around the text
//   "decoder"        ByteLevel
//   "model"          {"type": "BPE", "vocab": {piece: id}, "merges": ["Ġ t", …] (rank order), "ignore_merges"}
//
// Pieces are GPT-2's byte↔unicode text (ByteLevel.swift), so the vocabulary here is the same list GGUF stores.
// A merge is written as its two pieces and the result is the token spelling both: an lmlab tokenizer in which two
// tokens spell the same bytes cannot be written (HF's vocab is a map from piece to id), which `duplicatePieces`
// finds first.
import Foundation

extension BPETokenizer {
    /// Pairs of ids whose pieces are the same text: a vocabulary that GGUF and tokenizer.json cannot hold exactly
    /// (both look a merge's result up by its text). Empty for every tokenizer lmlab has trained so far.
    public var duplicatePieces: [(first: Int32, second: Int32)] {
        var seen: [String: Int32] = [:]
        var out: [(Int32, Int32)] = []
        for (id, p) in pieces.enumerated() {
            if let first = seen[p] { out.append((first, Int32(id))) } else { seen[p] = Int32(id) }
        }
        return out
    }

    /// The regex of a `Split` pre-tokenizer for the rules lmlab implements by hand (PreTokenizer.swift).
    static let huggingFaceSplitPatterns: [SplitRule: String] = [
        .llama3: #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#,
        .qwen2: #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#,
    ]

    /// The `tokenizer.json` text. Throws when the vocabulary cannot be written exactly (duplicate pieces, a
    /// pre-tokenizer with no `tokenizers` equivalent).
    public func huggingFaceJSON() throws -> String {
        if let d = duplicatePieces.first {
            throw TokenizerError.unsupportedFile(path: "tokenizer.json", reason: "tokens \(d.first) and \(d.second) are both "
                + "\"\(pieces[Int(d.first)])\": a Hugging Face vocabulary maps each piece to one id — retrain the tokenizer")
        }
        let q = Self.quoteJSON
        let preTokenizer = try huggingFacePreTokenizer()
        let special = (0..<vocabSize).filter { tokenTypes[$0].isSpecial }
        var out = "{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": [\n"
        out += special.map { id in
            "    {\"id\": \(id), \"content\": \(q(pieces[id])), \"single_word\": false, \"lstrip\": false, "
                + "\"rstrip\": false, \"normalized\": false, \"special\": true}"
        }.joined(separator: ",\n")
        out += "\n  ],\n  \"normalizer\": null,\n  \"pre_tokenizer\": \(preTokenizer),\n"
        out += "  \"post_processor\": \(huggingFacePostProcessor()),\n"
        out += "  \"decoder\": {\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"trim_offsets\": true, \"use_regex\": true},\n"
        out += "  \"model\": {\n    \"type\": \"BPE\", \"dropout\": null, \"unk_token\": null, \"continuing_subword_prefix\": null, "
            + "\"end_of_word_suffix\": null, \"fuse_unk\": false, \"byte_fallback\": false, "
            + "\"ignore_merges\": \(self.preTokenizer.ignoreMerges),\n"
        out += "    \"vocab\": {\n" + pieces.enumerated().map { "      \(q($1)): \($0)" }.joined(separator: ",\n") + "\n    },\n"
        out += "    \"merges\": [\n"
            + merges.map { "      " + q(pieces[Int($0.left)] + " " + pieces[Int($0.right)]) }.joined(separator: ",\n") + "\n    ]\n"
        out += "  }\n}\n"
        return out
    }

    func huggingFacePreTokenizer() throws -> String {
        func byteLevel(regex: Bool) -> String {
            "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, \"use_regex\": \(regex)}"
        }
        switch preTokenizer.rules {
        case [.gpt2]: return byteLevel(regex: true)
        case [.eachNumber, .gpt2]:
            return "{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Digits\", \"individual_digits\": true}, "
                + byteLevel(regex: true) + "]}"
        case [.llama3], [.qwen2]:
            let pattern = Self.huggingFaceSplitPatterns[preTokenizer.rules[0]]!
            return "{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": {\"Regex\": "
                + Self.quoteJSON(pattern) + "}, \"behavior\": \"Isolated\", \"invert\": false}, " + byteLevel(regex: false) + "]}"
        default:
            throw TokenizerError.unsupportedFile(path: "tokenizer.json", reason: "the pre-tokenizer \"\(preTokenizer.name)\" "
                + "has no Hugging Face equivalent here (supported: gpt2, smollm, llama-bpe, qwen2)")
        }
    }

    /// BOS and EOS as the `tokenizers` library adds them: a template around the text ("$A"), or GPT-2's plain
    /// ByteLevel processor when neither is added.
    func huggingFacePostProcessor() -> String {
        var before: [Int32] = [], after: [Int32] = []
        if addBOS, let bos = specialIDs.bos { before.append(bos) }
        if addEOS, let eos = specialIDs.eos { after.append(eos) }
        if before.isEmpty && after.isEmpty {
            return "{\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"trim_offsets\": false, \"use_regex\": true}"
        }
        let q = Self.quoteJSON
        func item(_ id: Int32) -> String { "{\"SpecialToken\": {\"id\": \(q(pieces[Int(id)])), \"type_id\": 0}}" }
        func sequence(_ name: String) -> String { "{\"Sequence\": {\"id\": \"\(name)\", \"type_id\": 0}}" }
        let single = before.map(item) + [sequence("A")] + after.map(item)
        let pair = single + before.map(item) + [sequence("B")] + after.map(item)
        let specials = Set(before + after).sorted().map { id in
            "\(q(pieces[Int(id)])): {\"id\": \(q(pieces[Int(id)])), \"ids\": [\(id)], \"tokens\": [\(q(pieces[Int(id)]))]}"
        }
        return "{\"type\": \"TemplateProcessing\", \"single\": [" + single.joined(separator: ", ") + "], \"pair\": ["
            + pair.joined(separator: ", ") + "], \"special_tokens\": {" + specials.joined(separator: ", ") + "}}"
    }

    /// A JSON string literal for `s`.
    static func quoteJSON(_ s: String) -> String {
        let data = try! JSONEncoder().encode([s])  // a one-element array escapes exactly one string
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }
}

// MARK: - Reading

extension BPETokenizer {
    /// Reads a byte-level BPE `tokenizer.json`. `bos`/`eos` give the special tokens as ids (config.json) or as
    /// their text (tokenizer_config.json) when the file's post-processor does not; `path` names the file in errors.
    public init(huggingFaceJSON data: Data, path: String, bos: Int32? = nil, eos: Int32? = nil,
                bosText: String? = nil, eosText: String? = nil) throws {
        func fail(_ reason: String) -> TokenizerError { .badFile(path: path, reason: reason) }
        func unsupported(_ reason: String) -> TokenizerError {
            .unsupportedFile(path: path, reason: reason + "; lmlab reads byte-level BPE tokenizers (GPT-2, Llama 3, SmolLM)")
        }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw fail("not a JSON object; expected a Hugging Face tokenizer.json")
        }
        guard let model = root["model"] as? [String: Any] else { throw fail("no \"model\" object") }
        guard model["type"] as? String == "BPE" else {
            throw unsupported("model type \"\(model["type"] as? String ?? "?")\" is not BPE")
        }
        if model["byte_fallback"] as? Bool == true { throw unsupported("byte_fallback BPE is SentencePiece-style") }
        if !(root["normalizer"] is NSNull || root["normalizer"] == nil) {
            throw unsupported("a normalizer (\((root["normalizer"] as? [String: Any])?["type"] as? String ?? "?")) is set")
        }
        let preTokenizer = try Self.preTokenizer(root["pre_tokenizer"], ignoreMerges: model["ignore_merges"] as? Bool ?? false,
                                                 unsupported: unsupported)

        // Pieces by id: the vocab, then the added tokens (which may or may not repeat vocab entries).
        guard let vocab = model["vocab"] as? [String: Any] else { throw fail("model.vocab is not an object") }
        var pieceOf: [Int: String] = [:]
        for (piece, value) in vocab {
            guard let id = (value as? NSNumber)?.intValue, id >= 0 else { throw fail("model.vocab[\(piece)] is not an id") }
            if let other = pieceOf[id], other != piece { throw fail("ids: \"\(other)\" and \"\(piece)\" are both \(id)") }
            pieceOf[id] = piece
        }
        var special = Set<Int>()
        for case let token as [String: Any] in root["added_tokens"] as? [Any] ?? [] {
            guard let id = (token["id"] as? NSNumber)?.intValue, id >= 0, let content = token["content"] as? String else {
                throw fail("an added_tokens entry lacks an id or content")
            }
            if let other = pieceOf[id], other != content { throw fail("ids: \"\(other)\" and \"\(content)\" are both \(id)") }
            pieceOf[id] = content
            special.insert(id)
        }
        let n = (pieceOf.keys.max() ?? -1) + 1
        guard pieceOf.count == n else {
            throw fail("ids are not 0..<\(n) without gaps (\(n - pieceOf.count) missing); lmlab needs one token per id")
        }
        let tokens = (0..<n).map { pieceOf[$0]! }

        var mergeLines: [String] = []
        for (k, m) in (model["merges"] as? [Any] ?? []).enumerated() {
            if let line = m as? String { mergeLines.append(line) } else if let pair = m as? [String], pair.count == 2 {
                mergeLines.append(pair[0] + " " + pair[1])
            } else { throw fail("model.merges[\(k)] is neither \"a b\" nor [\"a\", \"b\"]") }
        }
        let (addBOS, addEOS, templateBOS, templateEOS) = Self.postProcessor(root["post_processor"], tokens: tokens)
        let types: [TokenType] = (0..<n).map { special.contains($0) ? .control : .normal }
        func id(of text: String?) -> Int32? { text.flatMap { t in tokens.firstIndex(of: t).map { Int32($0) } } }
        let bosID = templateBOS ?? bos ?? id(of: bosText), eosID = templateEOS ?? eos ?? id(of: eosText)
        try self.init(ggufTokens: tokens, merges: mergeLines, tokenTypes: types, preTokenizer: preTokenizer,
                      specialIDs: SpecialTokenIDs(bos: bosID, eos: eosID, eot: eosID), addBOS: addBOS, addEOS: addEOS)
    }

    /// The lmlab pre-tokenizer for a tokenizer.json "pre_tokenizer".
    static func preTokenizer(_ value: Any?, ignoreMerges: Bool, unsupported: (String) -> TokenizerError) throws -> PreTokenizer {
        let steps: [[String: Any]]
        guard let object = value as? [String: Any] else { throw unsupported("pre_tokenizer is not an object") }
        if object["type"] as? String == "Sequence" {
            steps = object["pretokenizers"] as? [[String: Any]] ?? []
        } else {
            steps = [object]
        }
        func isByteLevel(_ s: [String: Any], regex: Bool) -> Bool {
            s["type"] as? String == "ByteLevel" && (s["use_regex"] as? Bool ?? true) == regex
                && (s["add_prefix_space"] as? Bool ?? false) == false
        }
        if steps.count == 1, isByteLevel(steps[0], regex: true) {
            return PreTokenizer(name: "gpt2", rules: [.gpt2], ignoreMerges: ignoreMerges)
        }
        if steps.count == 2, steps[0]["type"] as? String == "Digits", steps[0]["individual_digits"] as? Bool == true,
           isByteLevel(steps[1], regex: true) {
            return PreTokenizer(name: "smollm", rules: [.eachNumber, .gpt2], ignoreMerges: ignoreMerges)
        }
        if steps.count == 2, steps[0]["type"] as? String == "Split", isByteLevel(steps[1], regex: false),
           let pattern = (steps[0]["pattern"] as? [String: Any])?["Regex"] as? String,
           let rule = huggingFaceSplitPatterns.first(where: { $0.value == pattern })?.key {
            return PreTokenizer(name: rule == .llama3 ? "llama-bpe" : "qwen2", rules: [rule], ignoreMerges: ignoreMerges)
        }
        let names = steps.map { $0["type"] as? String ?? "?" }.joined(separator: ", ")
        throw unsupported("pre_tokenizer [\(names)] is not one lmlab implements (GPT-2's ByteLevel, SmolLM's Digits + "
                          + "ByteLevel, or the Llama 3 / Qwen 2 Split regex + ByteLevel)")
    }

    /// Whether a post-processor adds BOS / EOS, and which ids: a TemplateProcessing's special tokens before and
    /// after "$A". A ByteLevel (or absent) post-processor adds nothing.
    static func postProcessor(_ value: Any?, tokens: [String]) -> (addBOS: Bool, addEOS: Bool, bos: Int32?, eos: Int32?) {
        guard let object = value as? [String: Any] else { return (false, false, nil, nil) }
        var steps = [object]
        if object["type"] as? String == "Sequence" { steps = object["processors"] as? [[String: Any]] ?? [] }
        guard let template = steps.first(where: { $0["type"] as? String == "TemplateProcessing" }),
              let single = template["single"] as? [[String: Any]] else { return (false, false, nil, nil) }
        let specials = template["special_tokens"] as? [String: Any] ?? [:]
        func id(_ item: [String: Any]) -> Int32? {
            guard let name = (item["SpecialToken"] as? [String: Any])?["id"] as? String else { return nil }
            if let ids = (specials[name] as? [String: Any])?["ids"] as? [NSNumber], let first = ids.first { return first.int32Value }
            return tokens.firstIndex(of: name).map { Int32($0) }
        }
        guard let a = single.firstIndex(where: { $0["Sequence"] != nil }) else { return (false, false, nil, nil) }
        let bos = single[..<a].compactMap(id).last, eos = single[(a + 1)...].compactMap(id).first
        return (bos != nil, eos != nil, bos, eos)
    }
}
