// The `--json` output of `generate`: one text-completion object shaped like OpenAI's and llama-cpp-python's
// `create_completion`, so scripts written for them read it unchanged. lmlab adds `token_ids` per choice (and `score`
// for beam hypotheses) and the `seed` that reproduces the run.
import Decoding
import Foundation

struct Completion: Encodable {
    struct Logprobs: Encodable {
        var tokens: [String]
        var tokenLogprobs: [Double?]
        var topLogprobs: [[String: Double]?]
        var textOffset: [Int]

        init(_ entries: [TokenLogprob]) {
            tokens = entries.map(\.text)
            tokenLogprobs = entries.map(\.logprob)
            topLogprobs = entries.map { e in
                e.logprob == nil ? nil : Dictionary(e.top.map { ($0.text, $0.logprob) }, uniquingKeysWith: { a, _ in a })
            }
            textOffset = entries.map(\.textOffset)
        }

        enum CodingKeys: String, CodingKey { case tokens, tokenLogprobs, topLogprobs, textOffset }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(tokens, forKey: .tokens)
            try c.encode(tokenLogprobs, forKey: .tokenLogprobs)   // null for the first echoed token
            try c.encode(topLogprobs, forKey: .topLogprobs)
            try c.encode(textOffset, forKey: .textOffset)
        }
    }

    struct Choice: Encodable {
        var text: String
        var index: Int
        var logprobs: Logprobs?
        var finishReason: String
        var tokenIds: [Int32]
        var score: Double? = nil

        enum CodingKeys: String, CodingKey { case text, index, logprobs, finishReason, tokenIds, score }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(text, forKey: .text); try c.encode(index, forKey: .index)
            try c.encode(logprobs, forKey: .logprobs)   // explicit null, as OpenAI prints it
            try c.encode(finishReason, forKey: .finishReason); try c.encode(tokenIds, forKey: .tokenIds)
            try c.encodeIfPresent(score, forKey: .score)
        }
    }

    struct Usage: Encodable { var promptTokens: Int, completionTokens: Int, totalTokens: Int }

    var id = "cmpl-\(UUID().uuidString.lowercased())"
    var object = "text_completion"
    var created = Int(Date().timeIntervalSince1970)
    var model: String
    var choices: [Choice]
    var usage: Usage
    var seed: UInt64?
}
