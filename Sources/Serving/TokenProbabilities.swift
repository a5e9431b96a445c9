// TokenProbabilities: lmlab's per-token detail on /v1/completions, asked for with the extra `n_probs` (llama.cpp's
// server name for it) and sent as each choice's `completion_probabilities` — for every token its id, log-probability
// and rank under the model's own distribution (before any sampler), and the n best alternatives with their ids:
//   "completion_probabilities": [{"id", "token", "bytes", "logprob", "rank", "top_logprobs": [{"id", "token", "logprob"}]}]
// (`bytes`: the token's UTF-8 bytes — a piece of a character is not text on its own, so a page decodes the bytes in
// order to show each token's exact share of the text).
// The legacy `logprobs` shape has no ids and no ranks and keys alternatives by their text; the playground needs
// the ranks to shade tokens by GLTR's bands and the ids to fork a generation at an alternative.
import Decoding

extension OpenAIWire {
    public struct TokenProbability: Codable, Sendable, Equatable {
        public struct Alternative: Codable, Sendable, Equatable {
            public var id: Int32
            public var token: String
            public var logprob: Double
        }

        public var id: Int32
        public var token: String
        public var bytes: [UInt8]
        /// nil for the first echoed prompt token (nothing predicts it).
        public var logprob: Double?
        /// 1 + the number of tokens the model found more likely; nil where `logprob` is.
        public var rank: Int?
        /// The best alternatives, best first (TopTokens' order).
        public var topLogprobs: [Alternative]

        /// `entry` with its best `n` alternatives; `bytes` gives a token's raw bytes.
        public init(_ entry: TokenLogprob, top n: Int, bytes: (Int32) -> [UInt8]) {
            id = entry.id
            token = entry.text
            self.bytes = bytes(entry.id)
            logprob = entry.logprob
            rank = entry.rank
            topLogprobs = entry.top.prefix(n).map { Alternative(id: $0.id, token: $0.text, logprob: $0.logprob) }
        }

        enum CodingKeys: String, CodingKey { case id, token, bytes, logprob, rank, topLogprobs = "top_logprobs" }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(token, forKey: .token)
            try c.encode(bytes, forKey: .bytes)
            try c.encode(logprob, forKey: .logprob)   // explicit null for the first echoed token
            try c.encode(rank, forKey: .rank)
            try c.encode(topLogprobs, forKey: .topLogprobs)
        }
    }

    /// The largest `n_probs` accepted (as chat's `top_logprobs`).
    public static let maxNProbs = 20
}

extension OpenAIWire.TextCompletion {
    /// This completion with `n_probs` detail: choice i gets `entries[i]` as `completion_probabilities` (each with
    /// `nProbs` alternatives), and its legacy `logprobs` keeps `logprobs` alternatives per token — or is null when
    /// the request asked only for `n_probs`. (The run computed max(logprobs, n_probs) alternatives per token.)
    public func withTokenProbabilities(_ entries: [[TokenLogprob]?], nProbs: Int, logprobs: Int?,
                                       bytes: (Int32) -> [UInt8]) -> Self {
        var out = self
        for i in out.choices.indices where i < entries.count {
            guard let e = entries[i] else { continue }
            out.choices[i].completionProbabilities = e.map { OpenAIWire.TokenProbability($0, top: nProbs, bytes: bytes) }
            out.choices[i].logprobs = logprobs.map { k in
                OpenAIWire.LegacyLogprobs(e.map { var t = $0; t.top = Array(t.top.prefix(k)); return t })
            }
        }
        return out
    }
}
