// Rotary position embedding (Su et al., 2021, "RoFormer"): each pair of features (x₁, x₂) of a head is rotated
// by the angle p·θ^(−2i/d) for position p, so q·k depends only on the distance between positions.
//   y₁ = x₁·cos − x₂·sin,   y₂ = x₁·sin + x₂·cos;   the backward rotates by −angle.
// Pairs are adjacent features (2i, 2i+1) in Meta's original layout, which GGUF's llama weights use, or the two
// halves (i, i + d/2) in Hugging Face's "rotate_half" layout.
import Foundation

public enum RoPELayout: String, Sendable, Codable {
    case interleaved  // (x[2i], x[2i+1])   — Meta Llama, GGUF, llama.cpp
    case halves       // (x[i], x[i + d/2]) — Hugging Face transformers
}

extension Tensor {
    /// Rotates x (…, T, d) for positions `offset ..< offset + T`; with `heads` > 1, x is (…, T, heads·d), the
    /// heads side by side (as a projection makes them), and every head of a position turns by the same angles.
    public func rope(offset: Int = 0, theta: Float = 10000, layout: RoPELayout = .interleaved, heads: Int = 1) -> Tensor {
        precondition(heads >= 1 && shape[rank - 1] % heads == 0, "rope: \(heads) heads do not divide the last axis of \(shape)")
        let t = shape[rank - 2], d = shape[rank - 1] / heads
        precondition(d % 2 == 0, "rope: head size \(d) must be even")
        let half = d / 2
        var cosTable = [Float](repeating: 0, count: t * half), sinTable = cosTable
        for p in 0..<t {
            for i in 0..<half {
                let angle = Double(offset + p) * Foundation.pow(Double(theta), -2 * Double(i) / Double(d))
                cosTable[p * half + i] = Float(Foundation.cos(angle))
                sinTable[p * half + i] = Float(Foundation.sin(angle))
            }
        }
        let out = Tensor.rotate(self, cosTable, sinTable, sign: 1, layout: layout, heads: heads)
        return Tensor.record(out, inputs: [self]) { [self] g in
            accumulateGrad(Tensor.rotate(g, cosTable, sinTable, sign: -1, layout: layout, heads: heads), owned: true)
        }
    }

    static func rotate(_ x: Tensor, _ cosT: [Float], _ sinT: [Float], sign: Float, layout: RoPELayout, heads: Int) -> Tensor {
        let t = x.shape[x.rank - 2], d = x.shape[x.rank - 1] / heads, half = d / 2
        let out = Tensor(zeros: x.shape)
        let rowsCount = x.count / d  // rows of one head's d features
        let src = x.pointer, dst = out.pointer
        for row in 0..<rowsCount {
            let p = (row / heads) % t, xi = src + row * d, yi = dst + row * d
            for i in 0..<half {
                let c = cosT[p * half + i], s = sign * sinT[p * half + i]
                let (a, b) = layout == .interleaved ? (2 * i, 2 * i + 1) : (i, i + half)
                yi[a] = xi[a] * c - xi[b] * s
                yi[b] = xi[a] * s + xi[b] * c
            }
        }
        return out
    }
}
