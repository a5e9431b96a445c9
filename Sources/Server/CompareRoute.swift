// POST /v1/compare: several decoding strategies on one prompt with one seed, side by side — what `lmlab compare
// --json` prints, from the same library function (Serving/Comparison.swift):
//   {"model", "prompt", "strategies": ["greedy", "beam:4", "top-k:40", "top-p:0.9@0.8", …], "max_tokens": 48,
//    "seed": 1}
//   → {"model", "prompt", "seed", "max_tokens", "rows": [{"strategy", "text", "tokens", "mean_logprob", "distinct2",
//      "repeated3grams", "seconds"}]}
// The strategies run one after the other on the scheduler's worker (between two batch steps of other requests).
import Foundation
import Hummingbird
import Serving

struct CompareRequest: Decodable {
    var model: String?
    var prompt: String
    var strategies: [String]
    var maxTokens: Int
    var seed: UInt64

    /// `lmlab compare`'s defaults.
    static let defaultStrategies = ["greedy", "beam:4", "top-k:40", "top-p:0.9", "temp:1.5"]
    /// Strategies one request may run (each one generates max_tokens tokens while other requests wait).
    static let maxStrategies = 8

    enum CodingKeys: String, CodingKey { case model, prompt, strategies, maxTokens = "max_tokens", seed }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        prompt = try c.decode(String.self, forKey: .prompt)
        strategies = try c.decodeIfPresent([String].self, forKey: .strategies) ?? Self.defaultStrategies
        maxTokens = try c.integer(.maxTokens) ?? 48
        seed = try c.integer(.seed, as: UInt64.self) ?? 1
    }

    /// The strategies, parsed; 400 naming `strategies[i]` or `max_tokens`.
    func parsed() throws(APIError) -> [DecodingStrategy] {
        guard maxTokens >= 2 else { throw APIError.badField("max_tokens", "max_tokens \(maxTokens) is invalid: expected an integer ≥ 2") }
        guard !strategies.isEmpty, strategies.count <= Self.maxStrategies else {
            throw APIError.badField("strategies", "strategies has \(strategies.count) entries: expected 1...\(Self.maxStrategies)")
        }
        return try strategies.enumerated().map { i, text throws(APIError) in
            do { return try DecodingStrategy(text) } catch {
                throw APIError.badField("strategies[\(i)]", "strategies[\(i)]: \(String(describing: error))")
            }
        }
    }
}

struct CompareResponse: Encodable {
    var model: String, prompt: String, seed: UInt64, maxTokens: Int, rows: [ComparisonRow]
    enum CodingKeys: String, CodingKey { case model, prompt, seed, maxTokens = "max_tokens", rows }
}

extension LMLabServer {
    func addCompareRoute(to router: Router<ServerRequestContext>) {
        router.post("/v1/compare") { request, _ in
            let body = try await JSONRequest.decode(CompareRequest.self, from: request, limit: configuration.maxBodyBytes)
            let model = try models.resolve(body.model)
            let strategies = try body.parsed()
            // Checked before queueing: a prompt that does not fit is a 400 now, not an error from the worker.
            for s in strategies {
                do { _ = try model.handle.prepare(s.request(prompt: body.prompt, maxTokens: body.maxTokens, seed: body.seed,
                                                            parseSpecial: false)) } catch { throw APIError(library: error) }
            }
            let handle = model.handle
            let rows = try await namingFields {
                try await scheduler.exclusive {
                    try handle.compare(prompt: body.prompt, strategies: strategies, maxTokens: body.maxTokens, seed: body.seed)
                }
            }
            return try JSONResponse.make(CompareResponse(model: model.name, prompt: body.prompt, seed: body.seed,
                                                         maxTokens: body.maxTokens, rows: rows))
        }
    }
}
