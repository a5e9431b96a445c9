// A hand-built LanguageModel for decoding tests: the next-token logits depend only on the previous token (a bigram
// table), so the best sequences can be worked out by hand. Tokens are single characters.
import Models
import Tokenizers
@testable import Decoding

final class ToyCache: ModelCache {
    var tokens: [Int32] = []
    let capacity: Int
    init(capacity: Int) { self.capacity = capacity }
    var count: Int { tokens.count }
    func truncate(to length: Int) { tokens.removeLast(tokens.count - length) }
    func copy(from other: ToyCache) { tokens = other.tokens }
}

/// Characters as tokens: id i is `alphabet[i]`; `eos` prints nothing.
struct CharTokenizer: Tokenizer {
    let alphabet: [Character]
    var eos: Int32?
    var vocabSize: Int { alphabet.count }
    var specialIDs: SpecialTokenIDs { SpecialTokenIDs(eos: eos) }
    var addBOS: Bool { false }
    var addEOS: Bool { false }
    func encodeText(_ text: String, parseSpecial: Bool) -> [Int32] {
        text.map { ch in Int32(alphabet.firstIndex(of: ch)!) }
    }
    func bytes(for id: Int32) -> [UInt8] { id == eos ? [] : Array(String(alphabet[Int(id)]).utf8) }
    func piece(for id: Int32) -> String { String(alphabet[Int(id)]) }
    func tokenType(of id: Int32) -> TokenType { id == eos ? .control : .normal }
}

final class ToyModel: LanguageModel {
    /// logits[previous][next]
    let table: [[Float]]
    let contextLength: Int
    let specialTokens: SpecialTokenIDs
    let charTokenizer: CharTokenizer
    /// Positions fed in total (to count recomputation).
    var positionsFed = 0
    /// The size of every `feed(batch:caches:)` call (to see sequences stepped together).
    var batchSizes: [Int] = []

    init(table: [[Float]], alphabet: String, eos: Int32? = nil, contextLength: Int = 64) {
        self.table = table
        self.contextLength = contextLength
        self.specialTokens = SpecialTokenIDs(eos: eos)
        self.charTokenizer = CharTokenizer(alphabet: Array(alphabet), eos: eos)
    }

    var vocabSize: Int { table.count }
    var tokenizer: (any Tokenizer)? { charTokenizer }
    func makeCache(capacity: Int?) -> ToyCache { ToyCache(capacity: min(capacity ?? contextLength, contextLength)) }

    func feed(_ tokens: [Int32], cache: ToyCache, allPositions: Bool) throws -> [Float] {
        guard cache.count + tokens.count <= cache.capacity else {
            throw ModelError.contextOverflow(tokens: cache.count + tokens.count, context: cache.capacity)
        }
        cache.tokens += tokens
        positionsFed += tokens.count
        let rows = allPositions ? tokens : [tokens.last!]
        return rows.flatMap { table[Int($0)] }
    }

    func feed(batch tokens: [Int32], caches: [ToyCache]) throws -> [Float] {
        batchSizes.append(tokens.count)
        var rows: [Float] = []
        for (t, c) in zip(tokens, caches) { rows += try feed([t], cache: c, allPositions: false) }
        return rows
    }
}
