// POST /v1/beam_search: beam search with its trace — the body of /v1/completions (prompt, max_tokens, num_beams > 1,
// length_penalty, early_stopping, no_repeat_ngram_size, repeat_penalty, n hypotheses), answered with the same
// text_completion (the hypotheses as choices, best first, with their scores) plus what the search weighed at each
// step (Decoding/BeamSearchStep.swift):
//   "trace": {"prompt_tokens": [ids], "steps": [{"step", "candidates": [{"parent", "token", "piece", "score",
//             "beam" (its index among the next beams, when kept), "finished_score" (when it finished there)}]}]}
// Candidates come best first; `parent` indexes the previous step's kept beams. The playground's Beams view draws it
// as a tree. Runs whole on the scheduler's worker, between two batch steps.
import Decoding
import Foundation
import Hummingbird
import Serving

struct BeamSearchTrace: Encodable {
    struct Candidate: Encodable {
        var parent: Int, token: Int32, piece: String, score: Double, beam: Int?, finishedScore: Double?
        enum CodingKeys: String, CodingKey { case parent, token, piece, score, beam, finishedScore = "finished_score" }
    }
    struct Step: Encodable { var step: Int; var candidates: [Candidate] }
    var promptTokens: [Int32]
    var steps: [Step]
    enum CodingKeys: String, CodingKey { case promptTokens = "prompt_tokens", steps }

    init(promptTokens: [Int32], steps: [BeamSearchStep], piece: (Int32) -> String) {
        self.promptTokens = promptTokens
        self.steps = steps.map { s in
            Step(step: s.step, candidates: s.candidates.map {
                Candidate(parent: $0.parent, token: $0.token, piece: piece($0.token), score: $0.score, beam: $0.beam,
                          finishedScore: $0.finishedScore)
            })
        }
    }
}

/// The text_completion with `trace` beside its keys.
struct TracedCompletion: Encodable {
    var completion: OpenAIWire.TextCompletion
    var trace: BeamSearchTrace
    enum CodingKeys: String, CodingKey { case trace }

    func encode(to encoder: Encoder) throws {
        try completion.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(trace, forKey: .trace)
    }
}

extension LMLabServer {
    func addBeamSearchRoute(to router: Router<ServerRequestContext>) {
        router.post("/v1/beam_search") { request, _ in
            let body = try await JSONRequest.decode(CompletionsRequest.self, from: request, limit: configuration.maxBodyBytes)
            let model = try models.resolve(body.model)
            let wanted = try body.completionRequest()
            guard wanted.usesBeamSearch else {
                throw APIError.badField("num_beams", "num_beams \(body.sampling.knobs.numBeams ?? 1) is invalid here: /v1/beam_search needs num_beams ≥ 2")
            }
            let prepared: PreparedCompletion
            do { prepared = try model.handle.prepare(wanted) } catch { throw APIError(library: error) }
            let handle = model.handle
            let (result, steps) = try await namingFields {
                try await scheduler.exclusive { () -> (CompletionResult, [BeamSearchStep]) in
                    var steps: [BeamSearchStep] = []
                    let result = try handle.beamSearch(prepared) { steps.append($0) }
                    return (result, steps)
                }
            }
            return try JSONResponse.make(TracedCompletion(
                completion: OpenAIWire.TextCompletion(result, echo: wanted.echo),
                trace: BeamSearchTrace(promptTokens: prepared.promptTokens, steps: steps) { handle.piece($0) }))
        }
    }
}

/// `body()`'s library errors as the 400s that name their field (a 500 for anything else).
func namingFields<T>(_ body: () async throws -> T) async throws(APIError) -> T {
    do { return try await body() } catch { throw APIError(library: error) }
}
