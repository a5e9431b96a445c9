// Comparison: several decoding strategies on one prompt with one seed, side by side — what `lmlab compare` prints
// and the server's /v1/compare returns (the playground's Compare view). Each continuation is re-scored under the
// model's raw distribution (teacher-forced), so the columns compare:
//   mean log p         how probable the model finds the text (greedy/beam high; high temperature low)
//   distinct-2         distinct bigrams / bigrams (Li et al. 2016): low means loops
//   repeated 3-grams   3-grams that occur more than once (counted per extra occurrence)
import Decoding
import Foundation

/// One strategy: greedy, beam:N, top-k:K, top-p:P, min-p:P, typical:P, temp:T (sampling strategies at temperature 1
/// unless `@T` follows, e.g. top-p:0.9@0.8).
public struct DecodingStrategy: Sendable, Equatable, CustomStringConvertible {
    /// As written ("top-p:0.9@0.8").
    public var name: String
    public var sampling = SamplingParameters.greedy
    /// > 1: beam search with this many beams.
    public var beams = 1

    public var description: String { name }

    /// The forms `parse` accepts, for messages.
    public static let forms = "greedy, beam:N, top-k:K, top-p:P, min-p:P, typical:P or temp:T (sampling ones may end in @T)"

    /// Why a strategy's text is not one: `reason` says what is expected.
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var text: String
        public var reason: String
        public var description: String { "strategy \(text) is invalid: \(reason)" }
    }

    public init(_ text: String) throws(Invalid) {
        name = text
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        let main = parts[0].split(separator: ":", maxSplits: 1)
        guard let head = main.first else { throw Invalid(text: text, reason: "expected \(Self.forms)") }
        let kind = String(head), value = main.count > 1 ? String(main[1]) : nil
        func invalid(_ why: String) -> Invalid { Invalid(text: text, reason: why) }
        func number() throws(Invalid) -> Double {
            guard let value, let x = Double(value), x.isFinite else { throw invalid("\(kind) needs a value, e.g. \(kind):0.9") }
            return x
        }
        var p = SamplingParameters()
        switch kind {
        case "greedy": p = .greedy
        case "beam":
            let n = Int(try number())
            guard n >= 1 else { throw invalid("beams must be ≥ 1") }
            beams = n; p = .greedy
        case "top-k":
            let k = Int(try number())
            guard k >= 1 else { throw invalid("k must be ≥ 1") }   // top-k:0 would be "off"
            p.topK = k
        case "top-p": p.topP = Float(try number())
        case "min-p": p.minP = Float(try number())
        case "typical": p.typicalP = Float(try number())
        case "temp":
            let x = try number()
            guard x > 0 else { throw invalid("temperature must be > 0 (use greedy for 0)") }
            p.temperature = Float(x)
        default:
            throw invalid("expected greedy, beam:N, top-k:K, top-p:P, min-p:P, typical:P or temp:T")
        }
        if parts.count > 1 {
            guard let t = Float(parts[1]), t > 0 else { throw invalid("@T needs a temperature > 0") }
            p.temperature = t
        }
        // The ranges are SamplingParameters' own (the same check as the sampling flags and a request's fields).
        do { try p.validate() } catch {
            let what = ["top_p": "p must be in (0, 1]", "min_p": "min-p must be in [0, 1]", "typical_p": "typical-p must be in (0, 1]"]
            throw invalid(error.field.flatMap { what[$0] } ?? error.description)
        }
        sampling = p
    }

    /// The completion request that runs this strategy on `prompt`.
    public func request(prompt: String, maxTokens: Int, seed: UInt64, parseSpecial: Bool) -> CompletionRequest {
        var r = CompletionRequest(prompt: .text(prompt))
        r.maxTokens = maxTokens
        r.parseSpecial = parseSpecial
        r.sampling = sampling
        r.seed = seed
        if beams > 1 { r.beams = BeamSearchParameters(); r.beams!.numBeams = beams }
        return r
    }
}

/// One strategy's continuation and its figures (`lmlab compare --json`'s row; keys as written there).
public struct ComparisonRow: Sendable, Codable, Equatable {
    public var strategy: String
    public var text: String
    /// New tokens.
    public var tokens: Int
    /// Mean natural-log probability of the new tokens under the raw model (0 when there are none).
    public var meanLogprob: Double
    public var distinct2: Double
    public var repeated3grams: Int
    /// Wall time of the generation (not of the re-scoring).
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case strategy, text, tokens, meanLogprob = "mean_logprob", distinct2, repeated3grams, seconds
    }
}

public enum Comparison {
    /// Distinct n-grams / n-grams (Li et al. 2016); 1 when there are none.
    public static func distinct(_ t: [Int32], n: Int) -> Double {
        guard t.count >= n else { return 1 }
        let grams = (0...(t.count - n)).map { Array(t[$0..<($0 + n)]) }
        return Double(Set(grams).count) / Double(grams.count)
    }

    /// n-gram occurrences beyond the first of each.
    public static func repeated(_ t: [Int32], n: Int) -> Int {
        guard t.count >= n else { return 0 }
        let grams = (0...(t.count - n)).map { Array(t[$0..<($0 + n)]) }
        return grams.count - Set(grams).count
    }
}

extension ModelHandle {
    /// Runs each strategy on `prompt` (every sampling one with `seed`) and measures its continuation. Drives the
    /// runtime: call it from the thread that owns the model.
    public func compare(prompt: String, strategies: [DecodingStrategy], maxTokens: Int, seed: UInt64,
                        parseSpecial: Bool = false) throws -> [ComparisonRow] {
        try strategies.map { s in
            let start = DispatchTime.now().uptimeNanoseconds
            let result = try complete(s.request(prompt: prompt, maxTokens: maxTokens, seed: seed, parseSpecial: parseSpecial))
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            let ids = result.promptTokens, tokens = result.choices[0].tokens
            let scores = tokens.isEmpty ? [] : try Scoring.score(runtime, ids + tokens, from: ids.count)
            return ComparisonRow(
                strategy: s.name, text: result.choices[0].text, tokens: tokens.count,
                meanLogprob: scores.isEmpty ? 0 : scores.map(\.logprob).reduce(0, +) / Double(scores.count),
                distinct2: Comparison.distinct(tokens, n: 2), repeated3grams: Comparison.repeated(tokens, n: 3),
                seconds: seconds)
        }
    }
}
