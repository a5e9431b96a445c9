// Encoding and decoding with our trained byte-level BPE: the fast merge loop against the textbook one,
// round trips (random bytes, all of WikiText-2 valid), JSON save/load, and special tokens.
import Foundation
import XCTest

@testable import Tokenizers

final class BPETokenizerTests: XCTestCase {
    /// Trained once for the class: vocab 512 on the first 400 kB of WikiText-2 train.
    nonisolated(unsafe) static var cached: BPETokenizer?
    func tokenizer() throws -> BPETokenizer {
        if let t = Self.cached { return t }
        let text = String(try Corpus.wikitext("train").prefix(400_000))
        let t = try BPETrainer(options: .init(vocabSize: 512)).train(text)
        Self.cached = t
        return t
    }

    /// Textbook BPE of one chunk: apply every merge, in rank order, to the whole chunk.
    func referenceEncodeChunk(_ bytes: [UInt8], merges: [BPETokenizer.Merge]) -> [Int32] {
        var word = bytes.map { Int32($0) }
        for m in merges { word = BPETrainer.merge(word, m.left, m.right, into: m.result) ?? word }
        return word
    }

    func testFastEncoderMatchesTextbookMerges() throws {
        let tok = try tokenizer()
        let text = String(try Corpus.wikitext("test").prefix(30_000))
        let expected = PreTokenizer.gpt2.split(text).flatMap { referenceEncodeChunk(Array($0.utf8), merges: tok.merges) }
        let observed = tok.encode(text, addSpecial: false)
        XCTAssertEqual(observed, expected, firstDifference(expected, observed))
    }

    func testRoundTripRandomBytes() throws {
        let tok = try tokenizer()
        var rng = SplitMix64(seed: 42)
        for trial in 0..<300 {
            let n = Int.random(in: 0...64, using: &rng)
            // Mix raw bytes with ASCII so that merges fire too.
            let bytes: [UInt8] = (0..<n).map { _ in
                Bool.random(using: &rng) ? UInt8.random(in: 0...255, using: &rng) : UInt8.random(in: 32...122, using: &rng)
            }
            let ids = tok.encode(bytes: bytes)
            XCTAssertEqual(tok.decodeBytes(ids), bytes, "trial \(trial) (seed 42): bytes \(bytes) ids \(ids)")
        }
    }

    func testRoundTripWikiTextValid() throws {
        let tok = try tokenizer()
        let text = try Corpus.wikitext("valid")
        let ids = tok.encode(text, addSpecial: false)
        let back = tok.decode(ids)
        XCTAssertTrue(back == text, "decode(encode(valid.txt)) differs: \(back.utf8.count) vs \(text.utf8.count) bytes")
        // A 512-token vocabulary must compress: expect more than 2 bytes per token on English text.
        XCTAssertGreaterThan(Double(text.utf8.count) / Double(ids.count), 2.0)
    }

    func testJSONRoundTripGivesIdenticalIDs() throws {
        let tok = try tokenizer()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lmlab-test-\(getpid()).tokenizer.json").path
        try tok.save(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let loaded = try BPETokenizer(contentsOf: path)
        XCTAssertEqual(loaded.vocabSize, tok.vocabSize)
        XCTAssertEqual(loaded.merges, tok.merges)
        XCTAssertEqual(loaded.specialIDs, tok.specialIDs)
        let text = String(try Corpus.wikitext("test").prefix(50_000)) + " <|endoftext|> ünïcödé 😀"
        for parse in [false, true] {
            let expected = tok.encode(text, addSpecial: false, parseSpecial: parse)
            let observed = loaded.encode(text, addSpecial: false, parseSpecial: parse)
            XCTAssertEqual(observed, expected, "parseSpecial \(parse): " + firstDifference(expected, observed))
        }
        // The vocab is written in GPT-2's byte form: byte 0x20 (space) is "Ġ".
        let json = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(json.contains("\"Ġ\""), "expected the space byte as \"Ġ\" in the vocab")
    }

    func testSpecialTokenOnlyWhenAsked() throws {
        let tok = try tokenizer()
        let eot = try XCTUnwrap(tok.specialIDs.eot)
        XCTAssertEqual(tok.piece(for: eot), "<|endoftext|>")
        XCTAssertEqual(tok.tokenType(of: eot), .control)
        let parsed = tok.encode("a<|endoftext|>b", addSpecial: false, parseSpecial: true)
        XCTAssertEqual(parsed, tok.encode("a", addSpecial: false) + [eot] + tok.encode("b", addSpecial: false))
        let plain = tok.encode("a<|endoftext|>b", addSpecial: false, parseSpecial: false)
        XCTAssertFalse(plain.contains(eot), "without parseSpecial the text must not become the special id: \(plain)")
        XCTAssertEqual(tok.decode(plain), "a<|endoftext|>b")
    }

    func testLoadRejectsBadFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lmlab-bad-\(getpid()).json").path
        try Data("{\"format\": \"other\"}".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try BPETokenizer(contentsOf: path)) { error in
            XCTAssertTrue("\(error)".contains(path), "error should name the file: \(error)")
        }
    }
}

final class BPEMergeLoopTests: XCTestCase {
    /// The heap merge loop (long chunks) against the readable passes, on random symbol strings of all lengths.
    func testHeapMergeMatchesPasses() throws {
        let text = String(repeating: "aaab abab the then there other ", count: 40) + "mississippi banana bandana"
        let tok = try BPETrainer(options: .init(vocabSize: 400)).train(text)
        var rng = SplitMix64(seed: 11)
        let alphabet = Array("abnst hemrio".utf8)
        for trial in 0..<200 {
            let n = Int.random(in: 2...300, using: &rng)
            let symbols = (0..<n).map { _ in Int32(alphabet.randomElement(using: &rng)!) }
            let expected = tok.mergeByPasses(symbols)
            let observed = tok.mergeWithHeap(symbols)
            XCTAssertEqual(observed, expected, "trial \(trial) (seed 11), \(n) symbols: " + firstDifference(expected, observed))
        }
    }

    func testLongChunkIsFast() throws {
        let tok = try BPETrainer(options: .init(vocabSize: 300)).train(String(repeating: "abcabcab ", count: 50))
        let long = String(repeating: "abcab", count: 40_000)  // one 200 kB chunk
        let start = Date()
        let ids = tok.encode(long, addSpecial: false)
        let seconds = Date().timeIntervalSince(start)
        XCTAssertEqual(tok.decode(ids), long)
        XCTAssertLessThan(seconds, 10, "a 200 kB single chunk should not be quadratic")
    }
}
