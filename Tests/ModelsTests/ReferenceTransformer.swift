// An independent float64 implementation of the GPT forward pass and loss, written as plain loops from the
// definitions (no lmlab ops), used to check the autograd model's loss and, by central differences, its gradients.
import Foundation
import Tensor
@testable import Models

struct ReferenceTransformer {
    let config: TransformerConfig
    var params: [String: [Double]]

    init(_ model: GPT) {
        config = model.config
        params = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor.scalars.map(Double.init)) })
    }

    func p(_ name: String) -> [Double] { params[name]! }

    /// y (n×out) = x (n×in) · Wᵀ with W stored (out, in).
    func linear(_ x: [[Double]], _ w: [Double], out: Int, bias: [Double]? = nil) -> [[Double]] {
        x.map { row in
            (0..<out).map { o in
                var s = bias?[o] ?? 0
                for i in 0..<row.count { s += row[i] * w[o * row.count + i] }
                return s
            }
        }
    }

    func norm(_ x: [[Double]], _ prefix: String) -> [[Double]] {
        let w = p(prefix + ".weight"), eps = Double(config.normEps)
        return x.map { row in
            let n = Double(row.count)
            if config.style == .gpt2 {
                let b = p(prefix + ".bias")
                let mean = row.reduce(0, +) / n
                let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n
                return row.indices.map { (row[$0] - mean) / (variance + eps).squareRoot() * w[$0] + b[$0] }
            } else {
                let ms = row.map { $0 * $0 }.reduce(0, +) / n
                return row.indices.map { row[$0] / (ms + eps).squareRoot() * w[$0] }
            }
        }
    }

    /// Rotates adjacent pairs (2i, 2i+1) of a head vector at position pos by pos·θ^(−2i/d).
    func rope(_ v: [Double], pos: Int) -> [Double] {
        var out = v
        let d = v.count
        for i in 0..<(d / 2) {
            let angle = Double(pos) * pow(Double(config.ropeTheta), -2 * Double(i) / Double(d))
            out[2 * i] = v[2 * i] * cos(angle) - v[2 * i + 1] * sin(angle)
            out[2 * i + 1] = v[2 * i] * sin(angle) + v[2 * i + 1] * cos(angle)
        }
        return out
    }

    /// Causal attention for one sequence x (T×C).
    func attention(_ x: [[Double]], _ prefix: String) -> [[Double]] {
        let gpt2 = config.style == .gpt2, hs = config.headSize, h = config.heads, kvh = config.kvHeads
        let q = linear(x, p(prefix + ".wq"), out: h * hs, bias: gpt2 ? p(prefix + ".bq") : nil)
        let k = linear(x, p(prefix + ".wk"), out: kvh * hs, bias: gpt2 ? p(prefix + ".bk") : nil)
        let v = linear(x, p(prefix + ".wv"), out: kvh * hs, bias: gpt2 ? p(prefix + ".bv") : nil)
        let t = x.count
        var y = [[Double]](repeating: [Double](repeating: 0, count: h * hs), count: t)
        for head in 0..<h {
            let kvHead = head / (h / kvh)  // query heads share KV heads in groups
            func slice(_ m: [[Double]], _ i: Int, _ hh: Int) -> [Double] { Array(m[i][(hh * hs)..<((hh + 1) * hs)]) }
            for i in 0..<t {
                var qi = slice(q, i, head)
                if !gpt2 { qi = rope(qi, pos: i) }
                var scores = [Double]()
                for j in 0...i {
                    var kj = slice(k, j, kvHead)
                    if !gpt2 { kj = rope(kj, pos: j) }
                    scores.append(zip(qi, kj).map { $0 * $1 }.reduce(0, +) / Double(hs).squareRoot())
                }
                let m = scores.max()!
                let e = scores.map { exp($0 - m) }
                let z = e.reduce(0, +)
                for j in 0...i {
                    let vj = slice(v, j, kvHead)
                    for d in 0..<hs { y[i][head * hs + d] += e[j] / z * vj[d] }
                }
            }
        }
        return linear(y, p(prefix + ".wo"), out: config.width, bias: gpt2 ? p(prefix + ".bo") : nil)
    }

    /// x·Φ(x), and GPT-2's ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
    static func gelu(_ x: Double) -> Double { 0.5 * x * (1 + erf(x / 2.0.squareRoot())) }
    static func geluTanh(_ x: Double) -> Double { 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x))) }

    func mlp(_ x: [[Double]], _ prefix: String) -> [[Double]] {
        let hidden: [[Double]]
        if config.style == .gpt2 {
            hidden = linear(x, p(prefix + ".up"), out: config.mlpHidden, bias: p(prefix + ".upBias"))
                .map { $0.map(config.geluApproximation == .tanh ? Self.geluTanh : Self.gelu) }
        } else {
            let g = linear(x, p(prefix + ".gate"), out: config.mlpHidden), u = linear(x, p(prefix + ".up"), out: config.mlpHidden)
            hidden = zip(g, u).map { gr, ur in zip(gr, ur).map { $0 / (1 + exp(-$0)) * $1 } }
        }
        return linear(hidden, p(prefix + ".down"), out: config.width, bias: config.style == .gpt2 ? p(prefix + ".downBias") : nil)
    }

    /// Mean cross-entropy over batch·time positions.
    func loss(_ ids: [Int32], _ targets: [Int32], batch: Int, time: Int) -> Double {
        let c = config.width, emb = p("tokenEmbedding")
        var total = 0.0
        for b in 0..<batch {
            var x = (0..<time).map { t in Array(emb[(Int(ids[b * time + t]) * c)..<((Int(ids[b * time + t]) + 1) * c)]) }
            if config.style == .gpt2 {
                let pos = p("positionEmbedding")
                for t in 0..<time { for d in 0..<c { x[t][d] += pos[t * c + d] } }
            }
            for l in 0..<config.layers {
                let a = attention(norm(x, "blocks.\(l).attentionNorm"), "blocks.\(l).attention")
                x = zip(x, a).map { zip($0, $1).map(+) }
                let m = mlp(norm(x, "blocks.\(l).mlpNorm"), "blocks.\(l).mlp")
                x = zip(x, m).map { zip($0, $1).map(+) }
            }
            let logits = linear(norm(x, "finalNorm"), params["outputHead"] ?? emb, out: config.vocabSize)
            for t in 0..<time {
                let row = logits[t], m = row.max()!
                let lse = m + log(row.map { exp($0 - m) }.reduce(0, +))
                total += lse - row[Int(targets[b * time + t])]
            }
        }
        return total / Double(batch * time)
    }
}
