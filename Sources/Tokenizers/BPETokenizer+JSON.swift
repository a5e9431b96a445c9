// Saving and loading our trained byte-level BPE as readable JSON (`*.tokenizer.json`).
//
//   {
//     "format": "lmlab-bpe-1",
//     "pre_tokenizer": "gpt2",
//     "vocab": ["!", "\"", …, "Ġt", …, "<|endoftext|>"],   // id order; bytes in GPT-2's byte↔unicode text form
//     "merges": [[32, 116], …],                             // in rank order; merge k makes id 256 + k
//     "special_tokens": [{"id": 4095, "content": "<|endoftext|>"}],
//     "bos_id": 4095, "eos_id": 4095, "eot_id": 4095
//   }
//
// Merges are stored as id pairs rather than HF's "Ġ t" strings because two different merges can produce the same
// byte string; ids keep the file exact. Files are written to a temporary name and renamed (never half-written).

import Foundation

extension BPETokenizer {
    static let formatTag = "lmlab-bpe-1"

    struct SpecialEntry: Codable { var id: Int32; var content: String }

    struct File: Codable {
        var format: String
        var pre_tokenizer: String
        var vocab: [String]
        var merges: [[Int32]]
        var special_tokens: [SpecialEntry]
        var bos_id: Int32?
        var eos_id: Int32?
        var eot_id: Int32?
    }

    /// The JSON text: one vocab entry and one merge per line, so the file reads (and diffs) well.
    public func jsonString() -> String {
        func quote(_ s: String) -> String {
            let data = try! JSONEncoder().encode([s])  // a one-element array escapes exactly one string
            let t = String(decoding: data, as: UTF8.self)
            return String(t.dropFirst().dropLast())
        }
        func opt(_ v: Int32?) -> String { v.map(String.init) ?? "null" }
        let special = (0..<vocabSize).filter { tokenTypes[$0].isSpecial }
        var out = "{\n  \"format\": \(quote(Self.formatTag)),\n  \"pre_tokenizer\": \(quote(preTokenizer.name)),\n"
        out += "  \"vocab\": [\n" + pieces.map { "    " + quote($0) }.joined(separator: ",\n") + "\n  ],\n"
        out += "  \"merges\": [\n" + merges.map { "    [\($0.left), \($0.right)]" }.joined(separator: ",\n") + "\n  ],\n"
        out += "  \"special_tokens\": [\n"
            + special.map { "    {\"id\": \($0), \"content\": \(quote(pieces[$0]))}" }.joined(separator: ",\n") + "\n  ],\n"
        out += "  \"bos_id\": \(opt(specialIDs.bos)), \"eos_id\": \(opt(specialIDs.eos)), \"eot_id\": \(opt(specialIDs.eot))\n}\n"
        return out
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

    /// Parses the JSON of a tokenizer file; every error is `TokenizerError.badFile` naming `path`.
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
        guard f.format == Self.formatTag else {
            throw TokenizerError.badFile(path: path, reason: "format \"\(f.format)\", expected \"\(Self.formatTag)\"")
        }
        guard let pre = PreTokenizer.named(f.pre_tokenizer) else {
            throw TokenizerError.badFile(path: path, reason: "unknown pre_tokenizer \"\(f.pre_tokenizer)\"")
        }
        var types = [TokenType](repeating: .normal, count: f.vocab.count)
        for s in f.special_tokens {
            guard (0..<f.vocab.count).contains(Int(s.id)) else {
                throw TokenizerError.idOutOfRange(name: "special token \(s.content)", id: Int(s.id), vocabSize: f.vocab.count)
            }
            types[Int(s.id)] = .control
        }
        var bytes: [[UInt8]] = []
        bytes.reserveCapacity(f.vocab.count)
        for (id, piece) in f.vocab.enumerated() {
            if types[id].isSpecial { bytes.append(Array(piece.utf8)); continue }
            guard let b = ByteLevel.decode(piece) else {
                throw TokenizerError.badFile(path: path, reason: "vocab[\(id)] \"\(piece)\" is not in GPT-2 byte form")
            }
            bytes.append(b)
        }
        var merges: [Merge] = []
        merges.reserveCapacity(f.merges.count)
        for (k, m) in f.merges.enumerated() {
            let result = Int32(256 + k)
            guard m.count == 2, (0..<f.vocab.count).contains(Int(result)) else {
                throw TokenizerError.badMerge(index: k, text: "\(m)", reason: "expected [left, right] with id 256+\(k) in the vocab")
            }
            merges.append(Merge(left: m[0], right: m[1], result: result))
        }
        try self.init(tokenBytes: bytes, pieces: f.vocab, tokenTypes: types, merges: merges, preTokenizer: pre,
                      specialIDs: SpecialTokenIDs(bos: f.bos_id, eos: f.eos_id, eot: f.eot_id))
    }
}
