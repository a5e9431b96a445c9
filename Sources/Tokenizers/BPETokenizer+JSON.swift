// Saving and loading a byte-level BPE as readable JSON (`*.tokenizer.json`, and the /tokenizer/json of a checkpoint).
// Two versions; a tokenizer is written in the first one that holds it exactly.
//
// lmlab-bpe-1, the tokenizers lmlab trains (ids: 256 bytes, then one per merge, then special tokens):
//   {
//     "format": "lmlab-bpe-1",
//     "pre_tokenizer": "gpt2",
//     "vocab": ["!", "\"", …, "Ġt", …, "<|endoftext|>"],   // id order; bytes in GPT-2's byte↔unicode text form
//     "merges": [[32, 116], …],                             // in rank order; merge k makes id 256 + k
//     "special_tokens": [{"id": 4095, "content": "<|endoftext|>"}],
//     "bos_id": 4095, "eos_id": 4095, "eot_id": 4095
//   }
//
// lmlab-bpe-2, any byte-level BPE the runtime runs (a Hugging Face tokenizer.json, a GGUF vocabulary): the same
// fields, and
//     "pre_tokenizer_rules": ["gpt2"], "ignore_merges": false,  // the split rules (PreTokenizer.swift), not only a name
//     "merges": [[0, 17, 261], …],                              // [left, right, result]: results in any order
//     "special_tokens": [{"id": 0, "content": "<|endoftext|>", "type": "control"}, …],  // every token that is not
//                                   // "normal": control, user_defined (an added token), unused, unknown, byte
//     "unk_id", "pad_id", "add_bos", "add_eos"
// A non-special piece that is not GPT-2 byte text stands for its own UTF-8 bytes (as in GGUF vocabularies).
//
// Merges are stored as ids rather than HF's "Ġ t" strings because two different merges can produce the same byte
// string; ids keep the file exact. Files are written to a temporary name and renamed (never half-written).

import Foundation

extension BPETokenizer {
    static let formatTag = "lmlab-bpe-1"
    static let generalFormatTag = "lmlab-bpe-2"

    struct SpecialEntry: Codable { var id: Int32; var content: String; var type: String? }

    struct File: Codable {
        var format: String
        var pre_tokenizer: String
        var vocab: [String]
        var merges: [[Int32]]
        var special_tokens: [SpecialEntry]
        var bos_id: Int32?
        var eos_id: Int32?
        var eot_id: Int32?
        // lmlab-bpe-2 only
        var pre_tokenizer_rules: [SplitRule]?
        var ignore_merges: Bool?
        var unk_id: Int32?
        var pad_id: Int32?
        var add_bos: Bool?
        var add_eos: Bool?
    }

    /// The names of token types in lmlab-bpe-2's "special_tokens".
    static let typeNames: [TokenType: String] = [
        .normal: "normal", .unknown: "unknown", .control: "control", .userDefined: "user_defined", .unused: "unused",
        .byte: "byte",
    ]

    /// Whether lmlab-bpe-1 holds this tokenizer exactly: what lmlab's trainer makes.
    public var fitsFormat1: Bool {
        guard PreTokenizer.named(preTokenizer.name) == preTokenizer, specialIDs.unk == nil, specialIDs.pad == nil,
              !addBOS, !addEOS else { return false }
        for (k, m) in merges.enumerated() where m.result != Int32(256 + k) { return false }
        for id in 0..<vocabSize {
            switch tokenTypes[id] {
            case .control: continue
            case .normal: if ByteLevel.decode(pieces[id]) != tokenBytes[id] { return false }
            default: return false
            }
        }
        return true
    }

    /// The JSON text, in lmlab-bpe-1 when it fits, else lmlab-bpe-2: one vocab entry and one merge per line, so the
    /// file reads (and diffs) well.
    public func jsonString() -> String {
        let general = !fitsFormat1
        let q = Self.quoteJSON
        func opt(_ v: Int32?) -> String { v.map(String.init) ?? "null" }
        var out = "{\n  \"format\": \(q(general ? Self.generalFormatTag : Self.formatTag)),\n"
        out += "  \"pre_tokenizer\": \(q(preTokenizer.name)),\n"
        if general {
            out += "  \"pre_tokenizer_rules\": [" + preTokenizer.rules.map { q($0.rawValue) }.joined(separator: ", ") + "], "
                + "\"ignore_merges\": \(preTokenizer.ignoreMerges),\n"
        }
        out += "  \"vocab\": [\n" + pieces.map { "    " + q($0) }.joined(separator: ",\n") + "\n  ],\n"
        out += "  \"merges\": [\n" + merges.map {
            general ? "    [\($0.left), \($0.right), \($0.result)]" : "    [\($0.left), \($0.right)]"
        }.joined(separator: ",\n") + "\n  ],\n"
        let listed = (0..<vocabSize).filter { general ? tokenTypes[$0] != .normal : tokenTypes[$0].isSpecial }
        out += "  \"special_tokens\": [\n" + listed.map { id in
            "    {\"id\": \(id), \"content\": \(q(pieces[id]))"
                + (general ? ", \"type\": \(q(Self.typeNames[tokenTypes[id]]!))}" : "}")
        }.joined(separator: ",\n") + "\n  ],\n"
        out += "  \"bos_id\": \(opt(specialIDs.bos)), \"eos_id\": \(opt(specialIDs.eos)), \"eot_id\": \(opt(specialIDs.eot))"
        if general {
            out += ",\n  \"unk_id\": \(opt(specialIDs.unk)), \"pad_id\": \(opt(specialIDs.pad)), "
                + "\"add_bos\": \(addBOS), \"add_eos\": \(addEOS)"
        }
        return out + "\n}\n"
    }

    /// Writes the JSON atomically (temporary file, then rename).
    public func save(to path: String) throws {
        do {
            try Data(jsonString().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw TokenizerError.badFile(path: path, reason: "cannot write (\(error.localizedDescription)); check the directory exists and is writable")
        }
    }

    /// Loads a file written by `save(to:)`.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerError.badFile(path: path, reason: "cannot read the file; check the path")
        }
        try self.init(json: data, path: path)
    }

    /// Reads lmlab-bpe-1 or lmlab-bpe-2 JSON; every error is `TokenizerError.badFile` naming `path`.
    public init(json data: Data, path: String = "<memory>") throws {
        let f: File
        do { f = try JSONDecoder().decode(File.self, from: data) } catch {
            throw TokenizerError.badFile(path: path, reason: "not an lmlab tokenizer JSON (\(error)); train one with `lmlab tokenizer train`")
        }
        do { try self.init(file: f, path: path) } catch let error as TokenizerError {
            if case .badFile = error { throw error }
            throw TokenizerError.badFile(path: path, reason: error.description)   // say which file the ids came from
        }
    }

    init(file f: File, path: String) throws {
        guard f.format == Self.formatTag || f.format == Self.generalFormatTag else {
            throw TokenizerError.badFile(path: path, reason: "format \"\(f.format)\", expected \"\(Self.formatTag)\" or "
                                         + "\"\(Self.generalFormatTag)\" (a newer lmlab wrote it? update lmlab)")
        }
        let general = f.format == Self.generalFormatTag
        let pre: PreTokenizer
        if general {
            guard let rules = f.pre_tokenizer_rules, !rules.isEmpty else {
                throw TokenizerError.badFile(path: path, reason: "\(f.format) needs pre_tokenizer_rules")
            }
            pre = PreTokenizer(name: f.pre_tokenizer, rules: rules, ignoreMerges: f.ignore_merges ?? false)
        } else {
            guard let named = PreTokenizer.named(f.pre_tokenizer) else {
                throw TokenizerError.badFile(path: path, reason: "unknown pre_tokenizer \"\(f.pre_tokenizer)\"")
            }
            pre = named
        }
        var types = [TokenType](repeating: .normal, count: f.vocab.count)
        for s in f.special_tokens {
            guard (0..<f.vocab.count).contains(Int(s.id)) else {
                throw TokenizerError.idOutOfRange(name: "special token \(s.content)", id: Int(s.id), vocabSize: f.vocab.count)
            }
            guard let type = general ? Self.typeNames.first(where: { $0.value == s.type })?.key : .control else {
                throw TokenizerError.badFile(path: path, reason: "special_tokens entry \(s.id) has type \(s.type.map { "\"\($0)\"" } ?? "(none)"), "
                                             + "expected one of " + Self.typeNames.values.sorted().joined(separator: ", "))
            }
            types[Int(s.id)] = type
        }
        var bytes: [[UInt8]] = []
        bytes.reserveCapacity(f.vocab.count)
        for (id, piece) in f.vocab.enumerated() {
            if types[id].isSpecial { bytes.append(Array(piece.utf8)); continue }
            if let b = ByteLevel.decode(piece) { bytes.append(b); continue }
            guard general else {
                throw TokenizerError.badFile(path: path, reason: "vocab[\(id)] \"\(piece)\" is not in GPT-2 byte form")
            }
            bytes.append(Array(piece.utf8))  // as BPETokenizer(ggufTokens:) reads such a piece
        }
        var merges: [Merge] = []
        merges.reserveCapacity(f.merges.count)
        for (k, m) in f.merges.enumerated() {
            if general {
                guard m.count == 3 else {
                    throw TokenizerError.badMerge(index: k, text: "\(m)", reason: "expected [left, right, result]")
                }
                merges.append(Merge(left: m[0], right: m[1], result: m[2]))
            } else {
                let result = Int32(256 + k)
                guard m.count == 2, (0..<f.vocab.count).contains(Int(result)) else {
                    throw TokenizerError.badMerge(index: k, text: "\(m)", reason: "expected [left, right] with id 256+\(k) in the vocab")
                }
                merges.append(Merge(left: m[0], right: m[1], result: result))
            }
        }
        try self.init(tokenBytes: bytes, pieces: f.vocab, tokenTypes: types, merges: merges, preTokenizer: pre,
                      specialIDs: SpecialTokenIDs(bos: f.bos_id, eos: f.eos_id, eot: f.eot_id, unk: f.unk_id, pad: f.pad_id),
                      addBOS: f.add_bos ?? false, addEOS: f.add_eos ?? false)
    }
}
