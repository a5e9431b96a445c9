// Damaged tokenizer JSON (`lmlab prepare` / `lmlab tokenizer train` write it, lmlab-bpe-1): the loader gives a
// TokenizerError naming the file — never a crash or a hang — and a file that still parses is a tokenizer that
// encodes and decodes. JSON has no header: every offset is structure, so every one is truncated and changed.
import Foundation
import Models
import Serving
import Tokenizers
import XCTest

final class TokenizerJSONBadInputTests: XCTestCase {
    func goodJSON() throws -> [UInt8] {
        let tokenizer = try BPETrainer(options: .init(vocabSize: 280, minPairCount: 1))
            .train(String(repeating: "the cat sat on the mat; the dog sat on the log. ", count: 4))
        return Array(tokenizer.jsonString().utf8)
    }

    func testBPETokenizerJSON() throws {
        let good = try goodJSON()
        let tally = loadCorrupted(good, header: good.count, values: Array("\u{0}9-\"],".utf8), names: "damaged.tokenizer.json", [
            Loader(name: "BPETokenizer(json:)", allowed: [TokenizerError.self]) {
                let tokenizer = try BPETokenizer(json: Data($0), path: "damaged.tokenizer.json")
                _ = tokenizer.decode(tokenizer.encode("the cat sat on the log", addSpecial: false))
            },
        ])
        XCTAssertGreaterThan(tally["BPETokenizer(json:)"]?.errors["TokenizerError"] ?? 0, good.count, "every truncation at least")
    }

    /// Through the one loader of tokenizer files, by path (a sample: the parsing is the test above).
    func testModelHandleTokenizer() throws {
        let good = try goodJSON()
        let path = try scratchDirectory(self) + "/damaged.tokenizer.json"
        loadCorrupted(good, header: 64, sample: 300, path: path, names: path, [
            Loader(name: "ModelHandle.tokenizer", allowed: [TokenizerError.self, RuntimeError.self]) { _ in
                _ = try ModelHandle.tokenizer(path: path)
            },
        ])
    }
}
