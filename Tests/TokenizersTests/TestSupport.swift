// Shared helpers: fixture loading, the WikiText-2 path, and a seeded RNG for property tests.
import Foundation
import XCTest

@testable import Tokenizers

enum Fixture {
    /// Decodes `Fixtures/<name>` (see scripts/make-tokenizer-fixtures.py for how each was made).
    static func load<T: Decodable>(_ name: String, as: T.Type = T.self) throws -> T {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            throw TokenizerError.badFile(path: "Fixtures/\(name)", reason: "fixture missing; run scripts/make-tokenizer-fixtures.py")
        }
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }
}

enum Corpus {
    /// The repository root, found from this file's path (Tests/TokenizersTests/TestSupport.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// WikiText-2 split text. Fails the test (not skips) when missing: CI provides it via scripts/get-corpus.sh.
    static func wikitext(_ split: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let path = root.appendingPathComponent("corpora/wikitext-2/\(split).txt").path
        guard let data = FileManager.default.contents(atPath: path) else {
            XCTFail("\(path) is missing: run `make corpus` (scripts/get-corpus.sh) first", file: file, line: line)
            throw TokenizerError.badFile(path: path, reason: "missing")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny seeded generator so property tests repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The first index where two id lists differ, with both sides around it, for failure messages.
func firstDifference(_ expected: [Int32], _ observed: [Int32]) -> String {
    let n = zip(expected, observed).prefix { $0 == $1 }.count
    let lo = max(0, n - 3)
    return "first difference at index \(n): expected \(Array(expected[lo..<min(expected.count, n + 5)])) "
        + "observed \(Array(observed[lo..<min(observed.count, n + 5)])) (lengths \(expected.count) vs \(observed.count))"
}
