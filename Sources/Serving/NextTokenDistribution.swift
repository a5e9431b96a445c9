// The next-token distribution after a prompt — what `lmlab inspect` shows and the server's /v1/next_token returns:
// the raw logits, p_i(T) = softmax(l / T)_i at any temperature, the top N tokens (N up to the whole vocabulary,
// TopTokens' order), the entropy H = −Σ p ln p, and the candidates after each stage of a sampler chain.
import Decoding
import Foundation

extension ModelHandle {
    /// The distribution after `prompt` (its ids; they must fit the context).
    public func nextToken(after prompt: [Int32]) throws -> NextTokenDistribution {
        try checkPrompt(prompt, newTokens: 0)
        let logits = try runtime.feed(prompt, cache: runtime.makeCache(capacity: prompt.count))
        return NextTokenDistribution(promptTokens: prompt, logits: logits)
    }
}

public struct NextTokenDistribution: Sendable {
    public var promptTokens: [Int32]
    /// The raw logits, (vocabSize).
    public var logits: [Float]

    public init(promptTokens: [Int32], logits: [Float]) {
        self.promptTokens = promptTokens
        self.logits = logits
    }

    /// softmax(l / T), (vocabSize); T > 0.
    public func probabilities(temperature t: Double = 1) -> [Double] {
        precondition(t > 0, "probabilities: temperature \(t) must be > 0")
        return Samplers.logSoftmax(logits.map { Float(Double($0) / t) }).map { Foundation.exp($0) }
    }

    /// The `n` most likely ids, best first (ties by lower id).
    public func top(_ n: Int) -> [Int32] { TopTokens.best(logits, count: n).map(\.id) }

    /// −Σ p ln p, in nats.
    public static func entropy(_ p: [Double]) -> Double { -p.reduce(0) { $1 > 0 ? $0 + $1 * Foundation.log($1) : $0 } }

    /// One stage of a sampler chain: the candidates it leaves.
    public struct Stage: Sendable, Codable, Equatable {
        /// "processors", then the chain's steps ("penalties", "temperature", "top-k"…).
        public var step: String
        /// Candidates left.
        public var count: Int
        /// Entropy of the distribution over them (nats).
        public var entropy: Double
        /// The best `top` of them, best first, with their probability among the candidates.
        public var ids: [Int32]
        public var probabilities: [Double]
    }

    /// The candidates after each stage of `parameters`' chain (the prompt counted by the penalties), the best `top`
    /// of each listed.
    public func stages(_ parameters: SamplingParameters, top: Int) -> [Stage] {
        var sampler = Sampler(parameters: parameters, seed: 0)
        sampler.prompt(promptTokens)
        return sampler.stages(logits).map { step, c in
            var sorted = c
            sorted.sort()
            let p = sorted.probabilities()
            return Stage(step: step, count: c.count, entropy: Self.entropy(p), ids: Array(sorted.ids.prefix(top)),
                         probabilities: Array(p.prefix(top)))
        }
    }

    /// The table `lmlab inspect` prints: the `top` most likely tokens at the first temperature's order (the raw
    /// logits' order, which every T > 0 keeps), each with its probability and the cumulative probability at every
    /// temperature, and the entropy per temperature. `piece` prints a token.
    public func report(model: String, prompt: String, top: Int, temperatures: [Double],
                       piece: (Int32) -> String) -> NextTokenReport {
        let dists = temperatures.map { probabilities(temperature: $0) }
        var cumulative = [Double](repeating: 0, count: temperatures.count)
        let rows = self.top(top).enumerated().map { rank, id -> NextTokenReport.Row in
            let i = Int(id)
            for k in temperatures.indices { cumulative[k] += dists[k][i] }
            return .init(rank: rank + 1, id: id, piece: piece(id), logit: logits[i], probabilities: dists.map { $0[i] },
                         cumulative: cumulative)
        }
        return NextTokenReport(model: model, prompt: prompt, promptTokens: promptTokens, temperatures: temperatures,
                               entropy: dists.map(Self.entropy), rows: rows)
    }
}

/// `lmlab inspect --json`'s object (keys in snake_case when encoded as the CLI does).
public struct NextTokenReport: Sendable, Codable, Equatable {
    public struct Row: Sendable, Codable, Equatable {
        public var rank: Int
        public var id: Int32
        public var piece: String
        public var logit: Float
        /// At each temperature.
        public var probabilities: [Double]
        public var cumulative: [Double]
    }
    public var model: String
    public var prompt: String
    public var promptTokens: [Int32]
    public var temperatures: [Double]
    public var entropy: [Double]
    public var rows: [Row]
    /// With a sampler chain: the candidates after each of its stages (absent otherwise).
    public var stages: [NextTokenDistribution.Stage]? = nil
}
