// Loading the fixtures that scripts/make-gguf-fixtures.py wrote (quantized blocks and gguf-py's dequantization).
import Foundation
import XCTest

enum Fixture {
    /// The path of `name` inside the test bundle's Fixtures folder.
    static func path(_ name: String) throws -> String {
        guard let dir = Bundle.module.resourceURL?.appendingPathComponent("Fixtures") else {
            throw XCTSkip("test resources not found")
        }
        return dir.appendingPathComponent(name).path
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: try path(name))))
    }

    /// A little-endian float32 file.
    static func floats(_ name: String) throws -> [Float] {
        let b = try bytes(name)
        return stride(from: 0, to: b.count, by: 4).map { i in
            Float(bitPattern: UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24)
        }
    }
}

/// xorshift64*: the seeded generator the tests draw from (same numbers on every machine).
struct TestRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
    mutating func int(below n: Int) -> Int { Int(next() % UInt64(n)) }
    /// Uniform in [-1, 1).
    mutating func float() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
}
