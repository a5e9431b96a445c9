// WeightMatrix's two products against the plainest possible reference: Y[t][r] = Σ_c X[t][c]·W[r][c] in float64.
// Float32 weights run in CI; SmolLM2's quantized matrices (skipped without the checkpoint) are compared with
// matVecReference, which dequantizes each row and dots it with x.
import Foundation
import GGUF
import Tensor
import XCTest
@testable import Models

final class RuntimeWeightMatrixTests: XCTestCase {
    func reference(_ w: [Float], rows: Int, cols: Int, _ x: [Float], tokens: Int) -> [Double] {
        var y = [Double](repeating: 0, count: tokens * rows)
        for t in 0..<tokens {
            for r in 0..<rows {
                var s = 0.0
                for c in 0..<cols { s += Double(x[t * cols + c]) * Double(w[r * cols + c]) }
                y[t * rows + r] = s
            }
        }
        return y
    }

    func testFloat32MatVecAndMatMulMatchReference() throws {
        var rng = RandomGenerator(seed: 4)
        // 300 rows: more than one tile, and not a multiple of the tile or of the thread split.
        let (rows, cols, tokens) = (300, 70, 5)
        let w = (0..<(rows * cols)).map { _ in rng.nextNormal() }, x = (0..<(tokens * cols)).map { _ in rng.nextNormal() }
        let m = WeightMatrix.float32(values: w, rows: rows, cols: cols)
        let expected = reference(w, rows: rows, cols: cols, x, tokens: tokens)
        var y = [Float](repeating: 0, count: tokens * rows), y1 = [Float](repeating: 0, count: rows)
        try x.withUnsafeBufferPointer { xp in
            try y.withUnsafeMutableBufferPointer { try m.matMul(xp.baseAddress!, $0.baseAddress!, tokens: tokens) }
            try y1.withUnsafeMutableBufferPointer { try m.matVec(xp.baseAddress!, $0.baseAddress!) }
        }
        let diff = zip(y, expected).map { abs(Double($0) - $1) }.max()!
        let diff1 = zip(y1, expected.prefix(rows)).map { abs(Double($0) - $1) }.max()!
        print("float32 \(rows)×\(cols): matMul max |Δ| = \(diff), matVec max |Δ| = \(diff1)")
        XCTAssertLessThan(diff, 1e-4)
        XCTAssertLessThan(diff1, 1e-4)
    }

    func testQuantizedMatMulMatchesMatVecReference() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf").standardized.path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) absent; run scripts/get-model.sh") }
        let file = try GGUFFile(path: path)
        var rng = RandomGenerator(seed: 9)
        for name in ["blk.0.ffn_down.weight", "blk.0.attn_k.weight", "token_embd.weight"] {
            let t = try file.tensor(name), m = WeightMatrix.quantized(t), tokens = 3
            let x = (0..<(tokens * t.columns)).map { _ in rng.nextNormal() }
            var y = [Float](repeating: 0, count: tokens * t.rows), expected = y
            try x.withUnsafeBufferPointer { xp in
                try y.withUnsafeMutableBufferPointer { try m.matMul(xp.baseAddress!, $0.baseAddress!, tokens: tokens) }
                for i in 0..<tokens {
                    try expected.withUnsafeMutableBufferPointer { e in
                        try matVecReference(t.matrix, UnsafeBufferPointer(rebasing: xp[(i * t.columns)..<((i + 1) * t.columns)]),
                                            UnsafeMutableBufferPointer(rebasing: e[(i * t.rows)..<((i + 1) * t.rows)]))
                    }
                }
            }
            let scale = expected.map(abs).max()!
            let diff = zip(y, expected).map { abs($0 - $1) }.max()!
            print("\(name) (\(t.type)): tiled matMul vs matVecReference max |Δ| = \(diff) (max |y| \(scale))")
            XCTAssertLessThan(diff, 1e-5 * scale, name)
        }
    }
}
