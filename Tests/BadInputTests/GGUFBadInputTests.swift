// Damaged GGUF files: the reader (GGUFFile) and the one model loader (ModelHandle) give a typed error naming the
// file — never a crash, a trap or a hang. Fixtures: tiny.gguf (scripts/make-gguf-fixtures.py: metadata of all 13
// value types, nested arrays, tensors F32/F16/Q4_0/Q8_0/Q4_K) and tiny-llama.gguf (scripts/make-bad-input-fixtures.py:
// a whole llama with a tokenizer and a chat template, which ModelHandle turns into a runtime).
import Foundation
import GGUF
import Models
import Serving
import Tensor
import Tokenizers
import XCTest

final class GGUFBadInputTests: XCTestCase {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

    func bytes(_ relativePath: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: Self.tests.appendingPathComponent(relativePath)))
    }

    /// Reads everything a model would: every tensor dequantized, every value summarised, the vocabulary.
    func readAll(_ bytes: [UInt8]) throws(GGUFError) {
        let f = try GGUFFile(bytes: bytes, file: "damaged.gguf")
        for t in f.tensors { _ = try t.dequantized() }
        for k in f.metadata.keys { _ = f.metadata[k]?.summary }
    }

    func testReaderOnTinyGGUF() throws {
        let good = try bytes("GGUFTests/Fixtures/tiny.gguf")
        let header = try GGUFFile(bytes: good).dataOffset
        let tally = loadCorrupted(good, header: header, values: [0x00, 0xFF], names: "damaged.gguf",
                                  [Loader(name: "GGUFFile", allowed: [GGUFError.self]) { try self.readAll($0) }])
        XCTAssertGreaterThan(tally["GGUFFile"]?.errors["GGUFError"] ?? 0, header, "every truncation inside the header at least")
    }

    /// One to four bytes changed at once, thousands of times (seeded), half of them aimed at the header: the
    /// combinations single-byte changes cannot make (a length and the bytes it counts, say).
    func testSeededMultiByteChangesInTinyGGUF() throws {
        let good = try bytes("GGUFTests/Fixtures/tiny.gguf")
        let header = try GGUFFile(bytes: good).dataOffset
        var rng = RandomGenerator(seed: 6)  // Tensor's seeded generator: the same 4000 trials every run
        var tally = Tally()
        let watchdog = Watchdog()
        defer { watchdog.stop() }
        for trial in 0..<4000 {
            var b = good
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                b[Int(rng.next() % UInt64(rng.next() % 2 == 0 ? header : good.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            do { try watchdog.watch("trial \(trial)") { try readAll(b) }; tally.loaded += 1 } catch {
                tally.errors["GGUFError", default: 0] += 1
                XCTAssertTrue("\(error)".contains("damaged.gguf"), "\(error)")
            }
        }
        print("tiny.gguf, 4000 multi-byte changes: \(tally)")
        XCTAssertGreaterThan(tally.errors["GGUFError"] ?? 0, 0)
    }

    /// Counts and lengths set to huge values at every position of the header: an error at once, no allocation of
    /// what the count claims.
    func testHugeCountsInTinyGGUF() throws {
        let good = try bytes("GGUFTests/Fixtures/tiny.gguf")
        let header = try GGUFFile(bytes: good).dataOffset
        let watchdog = Watchdog()
        defer { watchdog.stop() }
        for at in 0..<(header - 8) {
            for value: UInt64 in [UInt64.max, 1 << 62, 1 << 40, 0xFFFF_FFFF, 0x8000_0000] {
                var b = good
                withUnsafeBytes(of: value.littleEndian) { v in for i in 0..<8 { b[at + i] = v[i] } }
                do { try watchdog.watch("u64 \(value) at \(at)") { try readAll(b) } } catch {
                    XCTAssertTrue("\(error)".contains("damaged.gguf"), "\(error)")
                }
            }
        }
    }

    /// The whole model through ModelHandle (header, tensor infos, hyper-parameters, tokenizer, chat template, one
    /// token fed), and the tokenizer alone as `lmlab tokenize --model file.gguf` loads it.
    func testModelHandleOnTinyLlama() throws {
        let good = try bytes("BadInputTests/Fixtures/tiny-llama.gguf")
        let header = try GGUFFile(bytes: good).dataOffset
        let path = try scratchDirectory(self) + "/damaged.gguf"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(good)))
        let model = try ModelHandle(path: path)   // the good file loads and runs
        XCTAssertEqual(model.vocabSize, 300)
        XCTAssertFalse(try model.runtime.feed([1, 2, 3], cache: model.runtime.makeCache(capacity: nil)).contains { !$0.isFinite })

        let tally = loadCorrupted(good, header: header, path: path, names: path, [
            Loader(name: "ModelHandle", allowed: [GGUFError.self, RuntimeError.self, TokenizerError.self]) { _ in
                let m = try ModelHandle(path: path)
                _ = try m.runtime.feed([0], cache: m.runtime.makeCache(capacity: 2))
            },
            Loader(name: "ModelHandle.tokenizer", allowed: [GGUFError.self, TokenizerError.self]) { _ in
                let tokenizer = try ModelHandle.tokenizer(path: path)
                _ = tokenizer.decode(tokenizer.encode("the cat sat on the mat"))
            },
        ])
        XCTAssertGreaterThan(tally["ModelHandle"]?.errors["GGUFError"] ?? 0, header)
    }
}
