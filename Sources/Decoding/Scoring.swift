// Scoring: how probable a model finds a given text — each token's log-probability (and rank) given the tokens
// before it, teacher-forced in one pass per window. Perplexity is exp(−mean log p).
//
// Two protocols for texts longer than the context:
//   sliding (Hugging Face's "Perplexity of fixed-length models"): windows of `context` tokens moved by `stride`;
//     each window scores only the tokens no earlier window scored, all with ≥ context − stride tokens of history.
//   llama.cpp (`llama-perplexity`): disjoint chunks of `context` tokens, the first replaced by BOS when the model has
//     one; only the second half of each chunk is scored, so every scored token has ≥ context/2 tokens of history.
import Foundation
import Models

public struct TokenScore: Sendable, Equatable {
    public var id: Int32
    /// ln p(token | the tokens before it).
    public var logprob: Double
    /// 1 + how many tokens the model found more likely.
    public var rank: Int
}

public enum PerplexityProtocol: String, Sendable, Codable, CaseIterable {
    case sliding
    case llamaCpp = "llama.cpp"
}

public struct PerplexityResult: Sendable {
    public var perplexity: Double
    public var meanLogprob: Double
    public var scoredTokens: Int
    public var totalTokens: Int
    public var windows: Int
}

public enum Scoring {
    /// Scores of tokens[1...] given their prefixes (the whole sequence must fit the context).
    public static func score<M: LanguageModel>(_ model: M, _ tokens: [Int32], from first: Int = 1) throws -> [TokenScore] {
        precondition(tokens.count >= 2 && first >= 1, "Scoring.score: \(tokens.count) tokens, first \(first)")
        let cache = model.makeCache(capacity: tokens.count)
        let logits = try model.feed(tokens, cache: cache, allPositions: true)
        let v = model.vocabSize
        return (first..<tokens.count).map { i in
            score(Array(logits[((i - 1) * v)..<(i * v)]), tokens[i])
        }
    }

    /// The score of `id` under one row of logits.
    public static func score(_ logits: [Float], _ id: Int32) -> TokenScore {
        score(logProbabilities: Samplers.logSoftmax(logits), id)
    }

    /// The score of `id` given the row's log-probabilities (already log-softmaxed).
    public static func score(logProbabilities lp: [Double], _ id: Int32) -> TokenScore {
        let mine = lp[Int(id)]
        return TokenScore(id: id, logprob: mine, rank: 1 + lp.reduce(0) { $1 > mine ? $0 + 1 : $0 })
    }

    /// Per-token scores over a long text with the sliding-window protocol (tokens[0] is not scored).
    public static func sliding<M: LanguageModel>(_ model: M, _ tokens: [Int32], context: Int, stride: Int,
                                                 progress: (Int) -> Void = { _ in }) throws -> [TokenScore] {
        precondition(context >= 2 && stride >= 1 && stride <= context, "sliding: context \(context), stride \(stride)")
        var scores: [TokenScore] = [], scoredUpTo = 1   // tokens[..<scoredUpTo] are done (token 0 never is)
        var start = 0
        while scoredUpTo < tokens.count {
            let end = min(start + context, tokens.count)
            let window = Array(tokens[start..<end])
            // A window's first token has no history inside it; with stride = context it goes unscored (as in HF).
            scores += try score(model, window, from: max(1, scoredUpTo - start))
            scoredUpTo = end
            progress(scoredUpTo)
            if end == tokens.count { break }
            start += stride
        }
        return scores
    }

    /// llama-perplexity's protocol: disjoint `context`-token chunks, BOS first, the second half scored.
    public static func llamaCpp<M: LanguageModel>(_ model: M, _ tokens: [Int32], context: Int,
                                                  progress: (Int) -> Void = { _ in }) throws -> [TokenScore] {
        precondition(context >= 4, "llamaCpp: context \(context)")
        var scores: [TokenScore] = []
        for chunk in 0..<(tokens.count / context) {
            var window = Array(tokens[(chunk * context)..<((chunk + 1) * context)])
            if let bos = model.specialTokens.bos { window[0] = bos }
            scores += try score(model, window, from: context / 2 + 1)
            progress((chunk + 1) * context)
        }
        return scores
    }

    public static func perplexity(_ scores: [TokenScore], totalTokens: Int, windows: Int) -> PerplexityResult {
        let mean = scores.isEmpty ? 0 : scores.map(\.logprob).reduce(0, +) / Double(scores.count)
        return PerplexityResult(perplexity: Foundation.exp(-mean), meanLogprob: mean, scoredTokens: scores.count,
                                totalTokens: totalTokens, windows: windows)
    }
}
