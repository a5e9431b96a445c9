// TokenLogprob: one token with its log-probability under the model's own distribution (before any sampler), its
// rank, and the best alternatives — what `--logprobs N` and OpenAI's `logprobs` report. `TopTokens` picks the
// alternatives: the one top-N rule of lmlab (largest first, ties by lower id).
import Foundation

/// One token with its log-probability and the best alternatives (ids, printable pieces, natural-log probabilities
/// under the model's own distribution, before any sampler).
public struct TokenLogprob: Sendable, Equatable {
    public var id: Int32
    public var text: String
    /// nil for the very first prompt token (nothing predicts it).
    public var logprob: Double?
    public var top: [(id: Int32, text: String, logprob: Double)]
    /// 1 + the number of tokens the model found more likely (GLTR's rank); nil for the first prompt token.
    public var rank: Int?
    /// Character offset of this token in prompt + completion text.
    public var textOffset: Int

    public init(id: Int32, text: String, logprob: Double?, top: [(id: Int32, text: String, logprob: Double)], rank: Int?,
                textOffset: Int) {
        self.id = id; self.text = text; self.logprob = logprob; self.top = top; self.rank = rank
        self.textOffset = textOffset
    }

    /// The entry of `id` under one row of logits (vocabSize), with the `top` best alternatives; `piece` prints a token.
    public init(id: Int32, logits: [Float], top n: Int, textOffset: Int, piece: (Int32) -> String) {
        let lp = Samplers.logSoftmax(logits)
        let score = Scoring.score(logProbabilities: lp, id)
        let best = TopTokens.best(lp, count: n)
        self.init(id: id, text: piece(id), logprob: score.logprob, top: best.map { ($0.id, piece($0.id), $0.value) },
                  rank: score.rank, textOffset: textOffset)
    }

    public static func == (a: TokenLogprob, b: TokenLogprob) -> Bool {
        a.id == b.id && a.text == b.text && a.logprob == b.logprob && a.textOffset == b.textOffset
            && a.top.map(\.id) == b.top.map(\.id) && a.top.map(\.logprob) == b.top.map(\.logprob)
    }
}

/// The N best tokens of a row: the one rule every "top N" in lmlab follows (logprob alternatives, chat's first
/// token, `inspect`'s table, beam search's candidates) — largest value first, equal values by lower id, −∞ (a
/// banned token) never listed.
public enum TopTokens {
    /// The `count` largest entries of `values` (index = token id), best first. count ≥ values.count sorts them all.
    public static func best<T: BinaryFloatingPoint>(_ values: [T], count: Int) -> [(id: Int32, value: T)] {
        guard count > 0 else { return [] }
        if count * 16 >= values.count {
            // Most of the row is wanted: sort it all.
            let ids = values.indices.filter { values[$0] > -T.infinity }
                .sorted { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 }
            return ids.prefix(count).map { (Int32($0), values[$0]) }
        }
        // A few of many: keep a sorted list of the best so far (insertion; the scan meets ids in increasing order,
        // so an equal value never displaces an earlier, lower id).
        var top: [(id: Int32, value: T)] = []
        top.reserveCapacity(count + 1)
        for (i, v) in values.enumerated() where v > -T.infinity {
            if top.count == count, v <= top[count - 1].value { continue }
            let at = top.firstIndex { v > $0.value } ?? top.count
            top.insert((Int32(i), v), at: at)
            if top.count > count { top.removeLast() }
        }
        return top
    }
}
