// The hand-written pre-tokenizer scanners against Python's `regex` module running llama.cpp's regex lists
// (Fixtures/pretokenizer-reference.json, made by scripts/make-tokenizer-fixtures.py).
import XCTest

@testable import Tokenizers

final class PreTokenizerTests: XCTestCase {
    struct Reference: Decodable {
        var texts: [String]
        var chunks: [String: [[String]]]
    }

    func testScannersMatchPythonRegex() throws {
        let ref = try Fixture.load("pretokenizer-reference.json", as: Reference.self)
        XCTAssertEqual(Set(ref.chunks.keys), ["gpt2", "llama-bpe", "qwen2", "smollm", "default"])
        for (name, expectedPerText) in ref.chunks.sorted(by: { $0.key < $1.key }) {
            let pre = try XCTUnwrap(PreTokenizer.named(name), "no pre-tokenizer named \(name)")
            for (text, expected) in zip(ref.texts, expectedPerText) {
                let observed = pre.split(text)
                XCTAssertEqual(observed, expected, "pre-tokenizer \(name) on \(text.debugDescription)")
            }
        }
    }

    func testChunksCoverInvalidUTF8() {
        // Bytes that are not UTF-8 still come out as chunks that concatenate back to the input.
        let bytes: [UInt8] = [0x61, 0xFF, 0x20, 0xC3, 0x62, 0xE2, 0x82, 0x20, 0xF0, 0x9F, 0x98, 0x80]
        let ranges = bytes.withUnsafeBufferPointer { PreTokenizer.gpt2.split($0) }
        XCTAssertEqual(ranges.first?.lowerBound, 0)
        XCTAssertEqual(ranges.last?.upperBound, bytes.count)
        for (a, b) in zip(ranges, ranges.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound, "gap or overlap in \(ranges)") }
    }
}
