// Sampler: one decoding step's whole chain — processors (logit bias, no-repeat n-grams, an optional grammar) over
// the full logits, then the penalties and cuts in `parameters.samplers` order, then the draw with our own seeded RNG
// (greedy: penalties, then argmax) — and the state that carries from step to step. The order is documented once,
// in SamplingParameters.swift. The same Sampler serves every LanguageModel.
//
//   var sampler = Sampler(parameters: .llamaCpp, seed: 42)
//   sampler.prompt(promptIDs)
//   let next = sampler.sample(logits)       // also records `next` in the penalties / grammar
import Tensor

public struct Sampler {
    public let parameters: SamplingParameters
    /// The seed the RNG started from (reported so a run can be repeated).
    public let seed: UInt64
    public var rng: RandomGenerator
    public var bias: LogitBias
    public var penalties: Penalties
    /// Prompt and sampled tokens (for no-repeat n-grams).
    public private(set) var history: [Int32] = []
    /// A mask such as the JSON grammar, applied right after the logit bias and before any cut, so it always sees
    /// every token the model could pick (and a cut can never leave only banned tokens); nil = none.
    public var constraint: (any LogitProcessor)?

    public init(parameters: SamplingParameters, seed: UInt64, constraint: (any LogitProcessor)? = nil) {
        self.parameters = parameters
        self.seed = seed
        self.rng = RandomGenerator(seed: seed)
        self.bias = LogitBias(parameters.logitBias)
        self.penalties = Penalties(parameters)
        self.constraint = constraint
    }

    public mutating func prompt(_ tokens: [Int32]) {
        history += tokens
        penalties.prompt(tokens)
        constraint?.prompt(tokens)
    }

    /// At most `tokens` tokens will be drawn from now on; the constraint (a grammar) plans to finish inside them.
    public mutating func setTokenBudget(_ tokens: Int) {
        constraint?.setTokenBudget(tokens)
    }

    /// The logits after the processors — bias, no-repeat n-grams, constraint — and, for greedy, the penalties:
    /// what greedy takes the argmax of.
    public mutating func processed(_ logits: [Float]) -> [Float] {
        var l = logits
        if !bias.bias.isEmpty { bias.process(&l) }
        if parameters.noRepeatNgramSize > 0 {
            for id in NGrams.banned(after: history, size: parameters.noRepeatNgramSize) where Int(id) < l.count {
                l[Int(id)] = -.infinity
            }
        }
        constraint?.process(&l)
        if parameters.isGreedy { penalties.process(&l) }
        return l
    }

    /// The candidates left after the whole chain, before the draw (for `inspect` and tests).
    public mutating func candidates(_ logits: [Float]) -> Candidates {
        chain(logits) { _, _ in }
    }

    /// The candidates after each stage of the chain: "processors" (the whole vocabulary, banned tokens removed),
    /// then one entry per settable step in `samplers` order (sampling), or "penalties" (greedy, applied before its
    /// argmax). The last one is what the draw sees. Steps whose parameter is off are listed too (they change nothing).
    public mutating func stages(_ logits: [Float]) -> [(step: String, candidates: Candidates)] {
        var out: [(step: String, candidates: Candidates)] = []
        _ = chain(logits) { out.append(($0, $1)) }
        return out
    }

    /// The chain after the processors; `record` sees the candidates after each stage.
    mutating func chain(_ logits: [Float], record: (String, Candidates) -> Void) -> Candidates {
        var c = Candidates(logits: processed(logits))
        c.removeBanned()
        record("processors", c)
        let p = parameters
        if p.isGreedy {
            record("penalties", c)
            return c
        }
        for step in p.samplers {
            switch step {
            case .penalties: penalties.apply(to: &c)
            case .temperature: Samplers.temperature(&c, p.temperature)
            case .topK: Samplers.topK(&c, p.topK)
            case .topP: Samplers.topP(&c, p.topP)
            case .minP: Samplers.minP(&c, p.minP)
            case .typicalP: Samplers.typicalP(&c, p.typicalP)
            }
            record(step.rawValue, c)
        }
        return c
    }

    /// Chooses the next token and tells the stateful processors.
    public mutating func sample(_ logits: [Float]) -> Int32 {
        let next: Int32
        if parameters.isGreedy {
            next = Samplers.argmax(processed(logits))
        } else {
            let c = candidates(logits)
            next = Samplers.draw(c, u: rng.nextDouble())
        }
        accept(next)
        return next
    }

    /// Records a token chosen elsewhere (beam search, forced tokens).
    public mutating func accept(_ token: Int32) {
        history.append(token)
        penalties.didSample(token)
        constraint?.didSample(token)
    }
}
