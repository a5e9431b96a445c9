// Prepared token streams in nanoGPT's format: a flat array of little-endian uint16 ids (uint32 when the vocabulary
// has more than 65,536 tokens), no header. Any tool that reads nanoGPT's train.bin can train on exactly our tokens.
import Files
import Foundation

public enum TokenFile {
    public enum DType: String, Codable, Sendable { case uint16, uint32 }

    /// The narrowest type that holds every id of a vocabulary.
    public static func dtype(forVocabSize n: Int) -> DType { n <= 65536 ? .uint16 : .uint32 }

    /// Writes `ids` to `path` atomically (AtomicFile: readers see the old stream or the new one, never half).
    public static func write(_ ids: [Int32], to path: String, dtype: DType) throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * (dtype == .uint16 ? 2 : 4))
        switch dtype {
        case .uint16: for id in ids { withUnsafeBytes(of: UInt16(id).littleEndian) { bytes.append(contentsOf: $0) } }
        case .uint32: for id in ids { withUnsafeBytes(of: UInt32(id).littleEndian) { bytes.append(contentsOf: $0) } }
        }
        do { try AtomicFile.write(bytes, to: path) } catch {
            throw DataError.io(path: path, reason: "cannot write it: \(error.reason)")
        }
    }

    /// Reads a token stream, checking every id against the vocabulary size.
    public static func read(_ path: String, dtype: DType, vocabSize: Int) throws -> [Int32] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError.missing(path: path, hint: "run `lmlab prepare` first")
        }
        let width = dtype == .uint16 ? 2 : 4
        guard data.count % width == 0 else {
            throw DataError.corrupt(path: path, reason: "\(data.count) bytes is not a whole number of \(dtype.rawValue) ids")
        }
        var ids = [Int32](repeating: 0, count: data.count / width)
        data.withUnsafeBytes { raw in
            for i in 0..<ids.count {
                ids[i] = dtype == .uint16
                    ? Int32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                    : Int32(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
        }
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= vocabSize }) {
            throw DataError.corrupt(path: path, reason: "token id \(bad) is outside the vocabulary of \(vocabSize)")
        }
        return ids
    }
}

/// What `lmlab prepare` wrote, saved as meta.json beside the streams.
public struct PreparedCorpusMeta: Codable, Sendable, Equatable {
    public var corpus: String
    public var vocabSize: Int
    public var dtype: TokenFile.DType
    /// Tokens in each split, e.g. ["train": 3045528].
    public var tokens: [String: Int]
    /// The tokenizer that produced the ids, relative to the meta.json folder.
    public var tokenizer: String
    public var tokenizerSeconds: Double?
}

public enum DataError: Error, CustomStringConvertible {
    case missing(path: String, hint: String)
    case corrupt(path: String, reason: String)
    case io(path: String, reason: String)
    case tooShort(path: String, tokens: Int, needed: Int)

    public var description: String {
        switch self {
        case .missing(let p, let hint): return "\(p): not found — \(hint)"
        case .corrupt(let p, let r): return "\(p): \(r) — delete it and run `lmlab prepare` again"
        case .io(let p, let r): return "\(p): \(r)"
        case .tooShort(let p, let n, let needed):
            return "\(p): \(n) tokens, but one training window needs \(needed) — use a larger corpus or a shorter context"
        }
    }
}
