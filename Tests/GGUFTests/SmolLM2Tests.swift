// The real model: every tensor of SmolLM2-135M-Instruct.Q4_1.gguf loads and dequantizes to what gguf-py computes
// (Fixtures/smollm2-sums.json: count, Σ, Σ|·| and the first four values per tensor, from
// scripts/make-gguf-fixtures.py). Skipped when the checkpoint is absent; run scripts/get-model.sh to get it.
import Foundation
import GGUF
import Tensor
import XCTest

final class SmolLM2Tests: XCTestCase {
    struct Sums: Decodable {
        var type: String
        var count: Int
        var sum: Double
        var abs_sum: Double
        var first: [Float]
    }

    func loadModel() throws -> GGUFFile {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf").standardized.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("\(path) absent; run scripts/get-model.sh")
        }
        return try GGUFFile(path: path)
    }

    func testMetadata() throws {
        let f = try loadModel()
        XCTAssertEqual(f.metadata.architecture, "llama")
        XCTAssertEqual(try f.int("llama.block_count"), 30)
        XCTAssertEqual(try f.int("llama.embedding_length"), 576)
        XCTAssertEqual(try f.int("llama.attention.head_count_kv"), 3)
        XCTAssertEqual(try f.strings("tokenizer.ggml.tokens").count, 49152)
        XCTAssertEqual(try f.string("tokenizer.ggml.pre"), "smollm")
        XCTAssertEqual(f.tensors.count, 272)
    }

    func testEveryTensorDequantizesLikeGGUFPy() throws {
        let f = try loadModel()
        let json = try Data(contentsOf: URL(fileURLWithPath: Fixture.path("smollm2-sums.json")))
        let expected = try JSONDecoder().decode([String: Sums].self, from: json)
        XCTAssertEqual(Set(expected.keys), Set(f.tensors.map(\.name)))
        for t in f.tensors {
            let e = try XCTUnwrap(expected[t.name], t.name)
            let v = try t.dequantized()
            XCTAssertEqual(t.type.name, e.type, t.name)
            XCTAssertEqual(v.count, e.count, t.name)
            XCTAssertEqual(Array(v.prefix(4)).map(\.bitPattern), e.first.map(\.bitPattern), "\(t.name): first values")
            var sum = 0.0, absSum = 0.0
            for x in v { sum += Double(x); absSum += abs(Double(x)) }
            // Σ in float64 of float32 values: order-dependent only at the 1e-16 · n level.
            XCTAssertEqual(sum, e.sum, accuracy: 1e-9 * e.abs_sum, "\(t.name): Σ")
            XCTAssertEqual(absSum, e.abs_sum, accuracy: 1e-9 * e.abs_sum, "\(t.name): Σ|·|")
        }
    }

    func testMatVecOnRealWeights() throws {
        let f = try loadModel()
        for name in ["blk.0.ffn_down.weight", "blk.0.attn_q.weight", "blk.0.ffn_gate.weight", "token_embd.weight"] {
            let t = try f.tensor(name)
            var rng = TestRNG(seed: 3)
            let x = (0..<t.columns).map { _ in rng.float() }
            var y = [Float](repeating: 0, count: t.rows), ref = y
            try x.withUnsafeBufferPointer { xb in
                try y.withUnsafeMutableBufferPointer { try t.matVec(xb, $0) }
                try ref.withUnsafeMutableBufferPointer { try matVecReference(t.matrix, xb, $0) }
            }
            let scale = ref.map(abs).max() ?? 1
            for r in 0..<t.rows where abs(y[r] - ref[r]) > 1e-5 * scale {
                return XCTFail("\(name) row \(r): reference \(ref[r]), fast \(y[r])")
            }
        }
    }
}
