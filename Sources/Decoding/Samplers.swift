// Samplers: the stateless cuts of the logits chain, each a small pure function over a candidate list, and the
// final draw. A cut removes tokens (never all of them: each keeps at least one) or rescales logits; none of them
// renormalises — probabilities are always softmax over the candidates that remain, computed when needed.
//
//   temperature:  l_i / T
//   top-k:        the k largest logits
//   top-p:        the shortest most-likely-first prefix with Σ p_i ≥ p (Holtzman et al. 2019, "nucleus")
//   min-p:        p_i ≥ minP · p_max  ⇔  l_i ≥ l_max + ln(minP)
//   typical-p:    sort by |−ln p_i − H| and keep the prefix with Σ p_i ≥ p (Meister et al. 2022)
//   draw:         the token where a uniform u ∈ [0, 1) falls in the cumulative distribution
import Foundation
import Tensor

/// The tokens still in the running and their (processed) logits, like llama.cpp's `llama_token_data_array`.
public struct Candidates: Sendable, Equatable {
    public var ids: [Int32]
    public var logits: [Float]
    /// Whether ids are sorted by descending logit (cuts that need the order sort once and set it).
    public var isSorted: Bool

    /// Every id of the vocabulary, in id order.
    public init(logits: [Float]) {
        self.ids = (0..<Int32(logits.count)).map { $0 }
        self.logits = logits
        self.isSorted = false
    }

    public init(ids: [Int32], logits: [Float], isSorted: Bool = false) {
        precondition(ids.count == logits.count, "Candidates: \(ids.count) ids but \(logits.count) logits")
        self.ids = ids; self.logits = logits; self.isSorted = isSorted
    }

    public var count: Int { ids.count }

    /// Drops −∞ logits (tokens a processor banned), keeping at least one.
    public mutating func removeBanned() {
        guard logits.contains(-.infinity) else { return }
        let keep = logits.indices.filter { logits[$0] > -.infinity }
        guard !keep.isEmpty else { return }
        ids = keep.map { ids[$0] }
        logits = keep.map { logits[$0] }
    }

    /// Sorts by descending logit (ties: lower id first, so the order is the same on every machine).
    public mutating func sort() {
        guard !isSorted else { return }
        let order = logits.indices.sorted { a, b in
            logits[a] != logits[b] ? logits[a] > logits[b] : ids[a] < ids[b]
        }
        ids = order.map { ids[$0] }
        logits = order.map { logits[$0] }
        isSorted = true
    }

    /// Keeps the first `n` (of the current order).
    public mutating func keepFirst(_ n: Int) {
        guard n < count else { return }
        let drop = count - n
        ids.removeLast(drop)
        logits.removeLast(drop)
    }

    /// softmax of the logits, computed in Double for a stable cumulative sum.
    public func probabilities() -> [Double] {
        guard let m = logits.max(), m > -.infinity else { return [Double](repeating: 1 / Double(count), count: count) }
        let e = logits.map { Foundation.exp(Double($0 - m)) }
        let z = e.reduce(0, +)
        return e.map { $0 / z }
    }
}

public enum Samplers {
    /// l_i / T. T must be > 0 (T ≤ 0 is greedy and never reaches the chain).
    public static func temperature(_ c: inout Candidates, _ t: Float) {
        precondition(t > 0, "temperature \(t) must be positive here (≤ 0 means greedy)")
        guard t != 1 else { return }
        for i in c.logits.indices { c.logits[i] /= t }
    }

    /// The k most likely tokens (exactly k; ties broken by lower id). k ≤ 0 keeps all.
    public static func topK(_ c: inout Candidates, _ k: Int) {
        guard k > 0, k < c.count else { return }
        c.sort()
        c.keepFirst(k)
    }

    /// The smallest most-likely-first set whose probability reaches p, at least `minKeep` tokens. Token i stays
    /// exactly when the mass of the tokens ranked above it is < p (Hugging Face's and llama.cpp's rule).
    public static func topP(_ c: inout Candidates, _ p: Float, minKeep: Int = 1) {
        guard p < 1, c.count > 1 else { return }
        c.sort()
        let probs = c.probabilities()
        var cumulative = 0.0, keep = c.count
        for (i, q) in probs.enumerated() {
            cumulative += q
            if cumulative >= Double(p) { keep = i + 1; break }
        }
        c.keepFirst(max(keep, minKeep))
    }

    /// Tokens with p_i ≥ minP · p_max, i.e. l_i ≥ l_max + ln(minP); at least `minKeep`.
    public static func minP(_ c: inout Candidates, _ minP: Float, minKeep: Int = 1) {
        guard minP > 0, c.count > 1, let top = c.logits.max() else { return }
        let threshold = top + Float(Foundation.log(Double(minP)))
        c.sort()
        let keep = c.logits.firstIndex { $0 < threshold } ?? c.count
        c.keepFirst(max(keep, minKeep))
    }

    /// Locally typical sampling: with entropy H = −Σ p ln p, rank tokens by |−ln p_i − H| (closest to the expected
    /// surprise first) and keep the shortest prefix of that ranking whose mass reaches p; at least `minKeep`.
    public static func typicalP(_ c: inout Candidates, _ p: Float, minKeep: Int = 1) {
        guard p < 1, c.count > 1 else { return }
        let probs = c.probabilities()
        let entropy = -probs.reduce(0) { $1 > 0 ? $0 + $1 * Foundation.log($1) : $0 }
        let distance = probs.map { q in q > 0 ? Swift.abs(-Foundation.log(q) - entropy) : .infinity }
        let order = probs.indices.sorted { a, b in distance[a] != distance[b] ? distance[a] < distance[b] : c.ids[a] < c.ids[b] }
        var cumulative = 0.0, keep = order.count
        for (rank, i) in order.enumerated() {
            cumulative += probs[i]
            if cumulative >= Double(p) { keep = rank + 1; break }
        }
        let kept = order.prefix(max(keep, minKeep))
        c = Candidates(ids: kept.map { c.ids[$0] }, logits: kept.map { c.logits[$0] })
    }

    /// The candidate where `u` ∈ [0, 1) falls in the cumulative distribution (inverse-CDF sampling, as llama2.c's
    /// `sample_mult`). The last candidate catches rounding when u is within 1e-16 of 1.
    public static func draw(_ c: Candidates, u: Double) -> Int32 {
        precondition(c.count > 0, "draw: no candidates")
        let probs = c.probabilities()
        var cumulative = 0.0
        for (i, q) in probs.enumerated() {
            cumulative += q
            if u < cumulative { return c.ids[i] }
        }
        return c.ids[c.count - 1]
    }

    /// The id with the largest logit; the lowest id among equals.
    public static func argmax(_ logits: [Float]) -> Int32 {
        var best = 0
        for i in logits.indices where logits[i] > logits[best] { best = i }
        return Int32(best)
    }

    /// log softmax over the whole vocabulary, in Double (what `--logprobs` reports: the model's own distribution).
    public static func logSoftmax(_ logits: [Float]) -> [Double] {
        let m = Double(logits.max() ?? 0)
        let z = logits.reduce(0.0) { $0 + Foundation.exp(Double($1) - m) }
        let logZ = m + Foundation.log(z)
        return logits.map { Double($0) - logZ }
    }
}
