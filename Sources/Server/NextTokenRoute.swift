// POST /v1/next_token: lmlab's look inside — the next-token distribution after a prompt (or after chat messages,
// rendered with the template and the assistant's header), what `lmlab inspect` shows, as JSON:
//   {"model", "prompt": "The quick brown fox" | [ids] | "messages": [...], "top": 10, "temperatures": [0.1, 0.8, 2],
//    + any sampling fields (temperature, top_k, top_p, min_p, typical_p, penalties, samplers, preset)}
//   → {"model", "prompt_tokens", "vocab_size",
//      "top": {"ids", "pieces", "logits", "probabilities"}          the top N at T = 1 (N up to the whole vocabulary,
//                                                                      parallel arrays), best first
//      "entropy",                                                     at T = 1, in nats
//      "temperatures": [{"temperature", "probabilities", "entropy"}]  softmax(logits / T) of the same top N
//      "stages": [{"step", "count", "entropy", "ids", "pieces", "probabilities"}]}
//                                                                     the candidates after each stage of the sampler
//                                                                     chain the sampling fields describe
// The forward pass runs on the scheduler's worker, between two batch steps; its logits are kept (NextTokenCache), so
// the same prompt with other sampling fields (the playground's sliders) costs only the cuts.
import Chat
import Foundation
import Hummingbird
import Serving

struct NextTokenRequest: Decodable {
    var model: String?
    var prompt: CompletionsRequest.Prompt?
    var messages: [ChatCompletionsRequest.Message]?
    var top: Int?
    var temperatures: [Double]?
    var sampling: SamplingFields

    enum CodingKeys: String, CodingKey { case model, prompt, messages, top, temperatures }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        if c.contains(.prompt) {
            if let s = try? c.decode(String.self, forKey: .prompt) { prompt = .text(s) }
            else { prompt = try c.integers(.prompt, as: Int32.self).map { .tokens($0) } }
        }
        messages = try c.decodeIfPresent([ChatCompletionsRequest.Message].self, forKey: .messages)
        top = try c.integer(.top)
        temperatures = try c.decodeIfPresent([Double].self, forKey: .temperatures)
        sampling = try SamplingFields(from: decoder)
    }
}

struct NextTokenResponse: Encodable {
    struct Top: Encodable { var ids: [Int32]; var pieces: [String]; var logits: [Float]; var probabilities: [Double] }
    struct AtTemperature: Encodable { var temperature: Double; var probabilities: [Double]; var entropy: Double }
    struct Stage: Encodable {
        var step: String, count: Int, entropy: Double, ids: [Int32], pieces: [String], probabilities: [Double]
    }
    var model: String
    var promptTokens: [Int32]
    var vocabSize: Int
    var top: Top
    var entropy: Double
    var temperatures: [AtTemperature]
    var stages: [Stage]

    enum CodingKeys: String, CodingKey {
        case model, promptTokens = "prompt_tokens", vocabSize = "vocab_size", top, entropy, temperatures, stages
    }
}

extension LMLabServer {
    func addNextTokenRoute(to router: Router<ServerRequestContext>) {
        router.post("/v1/next_token") { request, _ in
            let body = try await JSONRequest.decode(NextTokenRequest.self, from: request, limit: configuration.maxBodyBytes)
            let model = try models.resolve(body.model)
            let handle = model.handle
            let ids = try promptIDs(body, model)
            let n = body.top ?? 20
            guard n >= 1 else { throw APIError.badField("top", "top \(n) is invalid: expected an integer ≥ 1 (up to the vocabulary, \(model.vocabSize))") }
            let temperatures = body.temperatures ?? []
            if let bad = temperatures.first(where: { !($0 > 0 && $0.isFinite) }) {
                throw APIError.badField("temperatures", "temperatures contains \(bad): expected numbers > 0")
            }
            var chain = CompletionRequest(prompt: .tokens(ids))
            try body.sampling.apply(to: &chain)   // checks the sampling fields, naming the bad one
            let distribution: NextTokenDistribution
            do { distribution = try await nextTokenDistribution(model, after: ids) } catch {
                throw APIError(library: error, promptField: body.messages != nil ? "messages" : "prompt")
            }
            let topIDs = distribution.top(min(n, model.vocabSize))
            let p1 = distribution.probabilities()
            let piece = { (id: Int32) in handle.piece(id) }
            let stages = chain.sampling.isGreedy ? [] : distribution.stages(chain.sampling, top: n).map {
                NextTokenResponse.Stage(step: $0.step, count: $0.count, entropy: $0.entropy, ids: $0.ids,
                                        pieces: $0.ids.map(piece), probabilities: $0.probabilities)
            }
            return try JSONResponse.make(NextTokenResponse(
                model: model.name, promptTokens: ids, vocabSize: model.vocabSize,
                top: .init(ids: topIDs, pieces: topIDs.map(piece), logits: topIDs.map { distribution.logits[Int($0)] },
                           probabilities: topIDs.map { p1[Int($0)] }),
                entropy: NextTokenDistribution.entropy(p1),
                temperatures: temperatures.map { t in
                    let p = distribution.probabilities(temperature: t)
                    return .init(temperature: t, probabilities: topIDs.map { p[Int($0)] }, entropy: NextTokenDistribution.entropy(p))
                },
                stages: stages))
        }
    }

    /// The ids after which the next token is shown: the prompt (text with BOS per the tokenizer, or ids), or the
    /// messages rendered with the chat template and the assistant's header.
    func promptIDs(_ body: NextTokenRequest, _ model: ServedModel) throws(APIError) -> [Int32] {
        switch (body.prompt, body.messages) {
        case (nil, nil), (.some, .some):
            throw APIError.badField("prompt", "give either prompt (text or token ids) or messages")
        case (.text(let text)?, nil):
            return model.tokenizer.encode(text, addSpecial: true)
        case (.tokens(let ids)?, nil):
            try Self.checkIDs(ids, vocabSize: model.vocabSize, field: "prompt")
            return ids
        case (nil, let messages?):
            let (prompt, _) = try Self.render(messages, for: model)
            return model.tokenizer.encode(prompt, addSpecial: false, parseSpecial: true)
        }
    }
}
