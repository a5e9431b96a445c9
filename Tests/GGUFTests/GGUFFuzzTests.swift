// Fuzz-style robustness: every truncation of tiny.gguf and thousands of seeded byte flips must either load or throw
// a GGUFError — never crash, trap or hang. (If the reader trapped, this whole test process would die, so a pass
// here means "no crash" for every one of these inputs.)
import GGUF
import XCTest

final class GGUFFuzzTests: XCTestCase {
    /// Loads `bytes` and, if that succeeds, touches every tensor the way a model would.
    func attempt(_ bytes: [UInt8]) -> String {
        do {
            let f = try GGUFFile(bytes: bytes, file: "fuzz.gguf")
            for t in f.tensors { _ = try? t.dequantized() }
            for k in f.metadata.keys { _ = f.metadata[k]?.summary }
            return "ok"
        } catch {
            // `GGUFFile.init` throws(GGUFError): the type system already rules out any other error.
            XCTAssertFalse(error.description.isEmpty)
            return "error"
        }
    }

    func testEveryTruncation() throws {
        let good = try Fixture.bytes("tiny.gguf")
        var outcomes: [String: Int] = [:]
        for n in 0..<good.count { outcomes[attempt(Array(good[0..<n])), default: 0] += 1 }
        XCTAssertEqual(outcomes["ok"], nil, "every strict prefix must fail: the last tensor ends at the end of file")
        XCTAssertEqual(outcomes["error"], good.count)
    }

    func testSeededByteFlips() throws {
        let good = try Fixture.bytes("tiny.gguf")
        var rng = TestRNG(seed: 6)
        var outcomes: [String: Int] = [:]
        for _ in 0..<4000 {
            var bytes = good
            // One to four random bytes replaced; aimed at the header/metadata/tensor-info part half of the time,
            // where a flip changes structure rather than weights.
            let headerEnd = min(good.count, 1600)
            for _ in 0..<(1 + rng.int(below: 4)) {
                let at = rng.int(below: rng.int(below: 2) == 0 ? headerEnd : good.count)
                bytes[at] = UInt8(truncatingIfNeeded: rng.next())
            }
            outcomes[attempt(bytes), default: 0] += 1
        }
        print("byte flips: \(outcomes)")
        XCTAssertGreaterThan(outcomes["error"] ?? 0, 0)
    }

    /// Counts and lengths set to huge values at every u64 position of the header area: must throw quickly, without
    /// trying to allocate.
    func testHugeCounts() throws {
        let good = try Fixture.bytes("tiny.gguf")
        for at in stride(from: 0, to: min(good.count - 8, 1600), by: 1) {
            for value: UInt64 in [UInt64.max, 1 << 62, 1 << 40, 0xFFFF_FFFF] {
                var bytes = good
                withUnsafeBytes(of: value.littleEndian) { v in for i in 0..<8 { bytes[at + i] = v[i] } }
                _ = attempt(bytes)
            }
        }
    }
}
