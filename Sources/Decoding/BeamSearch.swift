// BeamSearch: keep the `numBeams` most probable partial continuations instead of one, extend each by every token,
// keep the best again — the search Hugging Face's `generate(num_beams=…)` runs, step for step, so its token ids can
// be compared with transformers' (Tests/DecodingTests/Fixtures/hf-generate-reference.json).
//
// Per step, for each running beam b with sequence s_b and score S_b = Σ log p (processed):
//   scores_b = process(log_softmax(logits_b)) + S_b      (repetition penalty acts on log-probabilities, as in HF)
//   take the 2·numBeams best (beam, token) pairs over all beams; a pair that ends (EOS, or max length) becomes a
//   finished hypothesis with score S / (generated length)^lengthPenalty if it ranks among the first numBeams;
//   the best numBeams pairs that do not end become the next beams.
// Stop when no running beam can beat the worst finished one (HF's heuristic for early_stopping=False), when every
// beam slot is finished (early_stopping=True), or at max length. Each beam owns a KV cache; children of one parent
// copy the parent's cache (`ModelCache.copy(from:)`), nothing is recomputed, and all beams are fed each step in one
// batched pass (`feed(batch:caches:)`). `onStep` (optional) hears each step's candidates and their fate
// (BeamSearchStep) — how the playground draws the search as a tree.
import Foundation
import Models
import Tokenizers

/// When beam search may stop before max length (Hugging Face's `early_stopping`).
public enum EarlyStopping: String, Sendable, Codable, CaseIterable {
    /// False in HF: stop when the best running beam, scored at its current length, cannot beat the worst finished one.
    case heuristic
    /// True in HF: stop as soon as numBeams hypotheses are finished.
    case always
    /// "never" in HF: like heuristic, but with a positive length penalty score the running beam at max length.
    case never
}

public struct BeamSearchParameters: Sendable, Codable, Equatable {
    /// Beams kept per step.
    public var numBeams = 4
    /// Finished scores are Σ log p / length^lengthPenalty: > 0 favours longer, < 0 shorter hypotheses.
    public var lengthPenalty: Float = 1
    public var earlyStopping: EarlyStopping = .heuristic
    /// Ban any token that would repeat an n-gram of this size already in the sequence (prompt included); 0 = off.
    public var noRepeatNgramSize = 0
    /// CTRL penalty on the log-probabilities of every token in the sequence (prompt included); 1 = off.
    public var repetitionPenalty: Float = 1
    /// Hypotheses returned (≤ numBeams).
    public var numReturnSequences = 1

    public init() {}

    /// Throws `DecodingError.invalidParameter` naming the first field outside its range (request names).
    public func validate() throws(DecodingError) {
        func check(_ ok: Bool, _ field: String, _ value: Any, _ valid: String) throws(DecodingError) {
            if !ok { throw .invalidParameter(field: field, value: "\(value)", valid: valid) }
        }
        try check(numBeams >= 1, "num_beams", numBeams, "an integer ≥ 1")
        try check(lengthPenalty.isFinite, "length_penalty", lengthPenalty, "a number")
        try check(noRepeatNgramSize >= 0, "no_repeat_ngram_size", noRepeatNgramSize, "an integer ≥ 0")
        try check(repetitionPenalty > 0 && repetitionPenalty.isFinite, "repeat_penalty", repetitionPenalty, "a value > 0 (1 = off)")
        try check(numReturnSequences >= 1 && numReturnSequences <= numBeams, "n", numReturnSequences,
                  "an integer in 1...\(numBeams) (at most the number of beams)")
    }
}

public struct BeamHypothesis: Sendable, Equatable {
    /// Generated tokens; the EOS that ended it, if any, is the last one (as transformers returns it).
    public var tokens: [Int32]
    /// Σ processed log-probabilities / length^lengthPenalty.
    public var score: Double
    public var endedWithEOS: Bool
}

public struct BeamSearch<Model: LanguageModel> {
    public let model: Model
    public var parameters: BeamSearchParameters

    public init(model: Model, parameters: BeamSearchParameters) {
        self.model = model
        self.parameters = parameters
    }

    struct Beam {
        var tokens: [Int32]          // generated so far
        var score: Double            // Σ processed log-probs
        var cache: Model.Cache
        var constraint: (any LogitProcessor)?
    }

    struct Continuation {
        var parent: Int
        var token: Int32
        var score: Double
        var ends: Bool
    }

    /// The best hypotheses, best first. `constraint` (e.g. the JSON grammar) is copied into every beam; `onStep`
    /// hears what each step weighed and kept.
    public func run(prompt: [Int32], maxTokens: Int, constraint: (any LogitProcessor)? = nil,
                    useKVCache: Bool = true, onStep: ((BeamSearchStep) -> Void)? = nil,
                    isCancelled: () -> Bool = { false }) throws -> [BeamHypothesis] {
        let p = parameters, b = p.numBeams
        precondition(b >= 1 && maxTokens >= 1, "BeamSearch: numBeams \(b), maxTokens \(maxTokens)")
        guard prompt.count < model.contextLength else {
            throw DecodingError.promptTooLong(tokens: prompt.count, context: model.contextLength)
        }
        let maxNew = min(maxTokens, model.contextLength - prompt.count)
        let eos = model.stopTokens
        let capacity = prompt.count + maxNew
        var c0 = constraint
        c0?.prompt(prompt)
        c0?.setTokenBudget(maxNew)   // every beam is cut at maxNew tokens: a JSON constraint closes inside them
        let first = model.makeCache(capacity: capacity)
        let promptLogits = try model.feed(prompt, cache: first)
        // The beams' caches share the prompt's positions (copying a beam's cache copies only what it generated).
        var beams = [Beam(tokens: [], score: 0, cache: model.fork(first, into: 1)[0], constraint: c0)]
        var finished: [BeamHypothesis] = []
        var improvable = true

        for step in 0..<maxNew {
            // A server's client went away: stop between steps (a search can run for minutes).
            if isCancelled() { throw CancellationError() }
            // Every (beam, token) pair's score; keep the best 2·numBeams.
            var pool: [Continuation] = []
            let rows = step == 0 ? [promptLogits] : try next(beams, prompt: prompt, useKVCache: useKVCache)
            for (i, beam) in beams.enumerated() {
                var scores = logSoftmax(rows[i])
                process(&scores, sequence: prompt + beam.tokens, beam: beam)
                for (token, s) in best(scores, count: 2 * b) {
                    let ends = eos.contains(token) || step + 1 >= maxNew
                    pool.append(Continuation(parent: i, token: token, score: beam.score + s, ends: ends))
                }
            }
            // Beam-major order breaks ties, like a flattened top-k over (beam, token).
            pool.sort { $0.score != $1.score ? $0.score > $1.score : ($0.parent, $0.token) < ($1.parent, $1.token) }
            let top = pool.prefix(2 * b)

            // Endings among the first numBeams become finished hypotheses (if they can still matter).
            let length = Double(step + 1)
            let full = finished.count == b
            var finishedHere: [Int: Double] = [:]   // pool index → length-penalised score (for onStep)
            for (i, c) in top.prefix(b).enumerated() where c.ends && improvable && !(full && p.earlyStopping == .always) {
                let score = c.score / Foundation.pow(length, Double(p.lengthPenalty))
                finished.append(BeamHypothesis(tokens: beams[c.parent].tokens + [c.token], score: score,
                                               endedWithEOS: eos.contains(c.token)))
                finishedHere[i] = score
            }
            finished.sort { $0.score > $1.score }
            if finished.count > b { finished.removeLast(finished.count - b) }

            // The best numBeams that go on (ended ones only if nothing else is left, as HF's −1e9 penalty does).
            let goOn = top.filter { !$0.ends } + top.filter(\.ends)
            let chosen = Array(goOn.prefix(b))
            if let onStep { onStep(trace(step: step, pool: pool, chosen: top.allSatisfy(\.ends) ? [] : chosen, finished: finishedHere)) }
            if top.allSatisfy(\.ends) { break }
            beams = try reorder(beams, chosen)

            // Can the best running beam still beat the worst finished hypothesis?
            if finished.count == b, let best = beams.first {
                let n = p.earlyStopping == .never && p.lengthPenalty > 0 ? Double(maxNew) : length
                let possible = best.score / Foundation.pow(n, Double(p.lengthPenalty))
                improvable = improvable && possible > finished.last!.score
            }
            if !improvable || (finished.count == b && p.earlyStopping == .always) { break }
        }
        return Array(finished.prefix(max(1, p.numReturnSequences)))
    }

    /// One step as BeamSearchStep: the sorted pool with each candidate's fate (`finished` is keyed by pool index).
    func trace(step: Int, pool: [Continuation], chosen: [Continuation], finished: [Int: Double]) -> BeamSearchStep {
        let candidates = pool.enumerated().map { i, c in
            BeamSearchStep.Candidate(
                parent: c.parent, token: c.token, score: c.score,
                beam: chosen.firstIndex { $0.parent == c.parent && $0.token == c.token }, finishedScore: finished[i])
        }
        return BeamSearchStep(step: step, candidates: candidates)
    }

    /// Every beam's next-token logits: their newest tokens fed together, one `feed(batch:caches:)` (each row what
    /// feeding that beam alone gives; the beams' caches are distinct, see `reorder`), or, without the cache, each
    /// beam's whole sequence again.
    func next(_ beams: [Beam], prompt: [Int32], useKVCache: Bool) throws -> [[Float]] {
        guard useKVCache else {
            return try beams.map { beam in
                beam.cache.truncate(to: 0)
                return try model.feed(prompt + beam.tokens, cache: beam.cache)
            }
        }
        let all = try model.feed(batch: beams.map { $0.tokens.last! }, caches: beams.map(\.cache))
        let v = model.vocabSize
        return beams.indices.map { Array(all[($0 * v)..<(($0 + 1) * v)]) }
    }

    /// The new beams: each takes its parent's cache when it is the parent's first child, else a copy of it
    /// (into the cache of a beam that was dropped, when there is one, so no memory is allocated).
    func reorder(_ beams: [Beam], _ chosen: [Continuation]) throws -> [Beam] {
        var taken = Set<Int>()
        var spare = beams.indices.filter { i in !chosen.contains { $0.parent == i } }.map { beams[$0].cache }
        var out: [Beam] = []
        for c in chosen {
            var beam = beams[c.parent]
            if !taken.insert(c.parent).inserted {
                let cache = spare.popLast() ?? model.makeCache(capacity: beams[c.parent].cache.capacity)
                cache.copy(from: beams[c.parent].cache)
                beam.cache = cache
            }
            beam.tokens.append(c.token)
            beam.score = c.score
            beam.constraint?.didSample(c.token)
            out.append(beam)
        }
        return out
    }

    /// log softmax in Double.
    func logSoftmax(_ logits: [Float]) -> [Double] { Samplers.logSoftmax(logits) }

    /// The processors HF applies to beam scores: repetition penalty, no-repeat n-grams, and the beam's constraint.
    func process(_ scores: inout [Double], sequence: [Int32], beam: Beam) {
        let p = parameters
        if p.repetitionPenalty != 1 {
            let r = Double(p.repetitionPenalty)
            for id in Set(sequence) where Int(id) < scores.count {
                let s = scores[Int(id)]
                scores[Int(id)] = s > 0 ? s / r : s * r
            }
        }
        if p.noRepeatNgramSize > 0 {
            for id in NGrams.banned(after: sequence, size: p.noRepeatNgramSize) where Int(id) < scores.count {
                scores[Int(id)] = -.infinity
            }
        }
        if var constraint = beam.constraint {
            var mask = [Float](repeating: 0, count: scores.count)
            constraint.process(&mask)
            for i in mask.indices where mask[i] == -.infinity { scores[i] = -.infinity }
        }
    }

    /// The `count` best (token, score) pairs, best first (TopTokens' rule: ties by lower id, banned tokens never).
    func best(_ scores: [Double], count: Int) -> [(Int32, Double)] {
        TopTokens.best(scores, count: count).map { ($0.id, $0.value) }
    }

    /// The best hypotheses as generations, best first: each one's tokens go through GenerationOutput — the same
    /// EOS, stop-string, max-tokens and context rule as sampling — so text, tokens and finish reason mean the same.
    /// Beam search has no per-token stream and no per-token log-probabilities (its scores are the beams').
    public func generations(prompt: [Int32], tokenizer: any Tokenizer, options: GenerationOptions,
                            constraint: (any LogitProcessor)? = nil, onStep: ((BeamSearchStep) -> Void)? = nil,
                            isCancelled: () -> Bool = { false }) throws -> [Generation] {
        let start = Date()
        let hypotheses = try run(prompt: prompt, maxTokens: options.maxTokens, constraint: constraint,
                                 useKVCache: options.useKVCache, onStep: onStep, isCancelled: isCancelled)
        let seconds = Date().timeIntervalSince(start)
        return hypotheses.map { h in
            var output = GenerationOutput(tokenizer: tokenizer, options: options, stopTokens: model.stopTokens,
                                          promptCount: prompt.count, contextLength: model.contextLength)
            for token in h.tokens where !output.isFinished { _ = output.append(token) }
            // A hypothesis ends at EOS or at max length, so the output has ended; if not, it ended at the length.
            output.finish(.length)
            return Generation(promptTokens: prompt, tokens: output.tokens, text: output.currentText,
                              finishReason: output.finishReason!, logprobs: [], promptSeconds: 0,
                              generationSeconds: seconds, seed: nil, score: h.score)
        }
    }
}

/// n-gram blocking (Paulus et al. 2017), as Hugging Face's `no_repeat_ngram_size`.
public enum NGrams {
    /// Tokens that would complete an n-gram of `size` that already occurs in `sequence`.
    public static func banned(after sequence: [Int32], size n: Int) -> Set<Int32> {
        guard n > 0, sequence.count >= n else { return [] }
        if n == 1 { return Set(sequence) }
        let prefix = sequence.suffix(n - 1)
        var out = Set<Int32>()
        for start in 0...(sequence.count - n) where sequence[start..<(start + n - 1)].elementsEqual(prefix) {
            out.insert(sequence[start + n - 1])
        }
        return out
    }
}
