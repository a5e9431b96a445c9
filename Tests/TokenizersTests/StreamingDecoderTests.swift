// Streaming decode: text arrives token by token; incomplete UTF-8 is held back, never printed as U+FFFD.
import XCTest

@testable import Tokenizers

final class StreamingDecoderTests: XCTestCase {
    func tinyTokenizer() throws -> BPETokenizer {
        try BPETrainer(options: .init(vocabSize: 300)).train("hello world 😀 café 中文 " + String(repeating: "the cat ", count: 20))
    }

    /// Every byte as its own token — the worst case: multi-byte characters split across 2–4 tokens.
    func testSplitCharactersAreHeldBack() throws {
        let tok = try tinyTokenizer()
        let text = "a😀b é中文\n"
        var decoder = StreamingDecoder(tokenizer: tok)
        var pieces: [String] = []
        for b in text.utf8 { pieces.append(decoder.push(Int32(b))) }  // ids 0…255 are the bytes
        pieces.append(decoder.finish())
        XCTAssertEqual(pieces.joined(), text)
        XCTAssertFalse(pieces.joined().contains("\u{FFFD}"))
        // "😀" is F0 9F 98 80: nothing comes out until its fourth byte.
        XCTAssertEqual(Array(pieces[1...4]), ["", "", "", "😀"])
    }

    /// A token without bytes (a control token that prints nothing) with nothing pending: no text, no trap.
    func testTokenWithoutBytes() {
        var decoder = StreamingDecoder(tokenizer: try! tinyTokenizer())
        XCTAssertEqual(decoder.push(bytes: []), "")
        XCTAssertEqual(decoder.push(bytes: [0xC3]), "")
        XCTAssertEqual(decoder.push(bytes: []), "", "still held back")
        XCTAssertEqual(decoder.push(bytes: [0xA9]), "é")
        XCTAssertEqual(decoder.finish(), "")
    }

    func testRandomTokenizationsOfValidTextNeverEmitReplacement() throws {
        let tok = try tinyTokenizer()
        let text = "Streaming 😀👍🏽 naïve 中文分词 — done."
        var rng = SplitMix64(seed: 7)
        let bytes = Array(text.utf8)
        for trial in 0..<50 {
            var decoder = StreamingDecoder(tokenizer: tok)
            var out = ""
            var i = 0
            while i < bytes.count {
                let n = Int.random(in: 1...5, using: &rng)
                out += decoder.push(bytes: Array(bytes[i..<min(bytes.count, i + n)]))
                i += n
            }
            out += decoder.finish()
            XCTAssertEqual(out, text, "trial \(trial) (seed 7)")
        }
        // Through the tokenizer's own ids as well.
        var decoder = StreamingDecoder(tokenizer: tok)
        let streamed = tok.encode(text, addSpecial: false).map { decoder.push($0) }.joined() + decoder.finish()
        XCTAssertEqual(streamed, text)
    }

    func testInvalidBytesBecomeReplacement() {
        XCTAssertEqual(StreamingDecoder.incompleteSuffixLength([0x61, 0xE2, 0x82]), 2)
        XCTAssertEqual(StreamingDecoder.incompleteSuffixLength([0xE0, 0x80]), 0, "E0 80 can never be valid")
        XCTAssertEqual(StreamingDecoder.incompleteSuffixLength([0xF0, 0x9F, 0x98, 0x80]), 0, "complete")
        var d = StreamingDecoder(tokenizer: try! tinyTokenizer())
        XCTAssertEqual(d.push(bytes: [0xFF, 0x61]), "\u{FFFD}a")
        XCTAssertEqual(d.push(bytes: [0xC3]), "")
        XCTAssertEqual(d.finish(), "\u{FFFD}", "an unfinished sequence at the end of the stream")
    }
}
