// Training byte-level BPE: a worked example with known merges, the incremental trainer against a naive one that
// recounts every pair after every merge, and determinism.
import XCTest

@testable import Tokenizers

final class BPETrainerTests: XCTestCase {
    /// The classic "aaabdaaabac" example (Wikipedia, Byte pair encoding): aa → 256; then (Z,a) and (a,b) both
    /// occur twice and the tie goes to the lower pair (97, 98) → 257; then (256, 257) → 258; then every pair
    /// occurs once, below minPairCount = 2, so training stops.
    func testWorkedExample() throws {
        let options = BPETrainer.Options(vocabSize: 300, specialTokens: ["<|endoftext|>"], minPairCount: 2)
        let tok = try BPETrainer(options: options).train("aaabdaaabac")
        let observed = tok.merges.map { [$0.left, $0.right, $0.result] }
        XCTAssertEqual(observed, [[97, 97, 256], [97, 98, 257], [256, 257, 258]])
        XCTAssertEqual(tok.vocabSize, 260, "256 bytes + 3 merges + 1 special token")
        XCTAssertEqual(tok.specialIDs.eot, 259)
        XCTAssertEqual(tok.encode("aaabdaaabac", addSpecial: false), [258, 100, 258, 97, 99])
    }

    /// The simple trainer: count all pairs of all words from scratch before every merge.
    func naiveMerges(_ text: String, merges: Int, pre: PreTokenizer) -> [[Int32]] {
        var counts: [[Int32]: Int] = [:]
        for chunk in pre.split(text) { counts[chunk.utf8.map { Int32($0) }, default: 0] += 1 }
        var words = Array(counts)
        var result: [[Int32]] = []
        for k in 0..<merges {
            var pairs: [[Int32]: Int] = [:]
            for (w, c) in words where w.count >= 2 { for j in 0..<(w.count - 1) { pairs[[w[j], w[j + 1]], default: 0] += c } }
            guard let best = pairs.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key.lexicographicallyPrecedes($1.key) == false }),
                  best.value >= 2 else { break }
            let z = Int32(256 + k)
            result.append(best.key + [z])
            words = words.map { (BPETrainer.merge($0.key, best.key[0], best.key[1], into: z) ?? $0.key, $0.value) }
        }
        return result
    }

    func testIncrementalTrainerMatchesNaiveRecount() throws {
        let text = String(try Corpus.wikitext("valid").prefix(60_000))
        let merges = 300
        let tok = try BPETrainer(options: .init(vocabSize: 256 + merges + 1)).train(text)
        let observed = tok.merges.map { [$0.left, $0.right, $0.result] }
        let expected = naiveMerges(text, merges: merges, pre: .gpt2)
        XCTAssertEqual(observed.count, expected.count)
        if let k = (0..<min(observed.count, expected.count)).first(where: { observed[$0] != expected[$0] }) {
            XCTFail("merge #\(k): expected \(expected[k]) observed \(observed[k])")
        }
    }

    func testTrainingIsDeterministic() throws {
        let text = String(try Corpus.wikitext("valid").prefix(100_000))
        let a = try BPETrainer(options: .init(vocabSize: 600)).train(text)
        let b = try BPETrainer(options: .init(vocabSize: 600)).train(text)
        XCTAssertEqual(a.merges, b.merges)
        XCTAssertEqual(a.vocabSize, 600)
    }
}
