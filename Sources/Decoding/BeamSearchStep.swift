// BeamSearchStep: what beam search weighed at one step, for whoever wants to watch the search (the playground's
// Beams view draws it as a tree): every candidate continuation — each running beam's best 2·numBeams tokens, scored
// S_parent + log p(token) — and what became of it: a beam of the next step, a finished hypothesis (with its
// length-penalised score S / length^lengthPenalty), or pruned. BeamSearch.run reports one per step to `onStep`.

public struct BeamSearchStep: Sendable, Equatable, Codable {
    public struct Candidate: Sendable, Equatable, Codable {
        /// The beam it extends: an index into the previous step's kept beams (step 0: the prompt, 0).
        public var parent: Int
        public var token: Int32
        /// Σ log p of the parent's tokens and this one (processed: penalties, n-gram bans, constraint).
        public var score: Double
        /// Its index among the next step's beams, when it was kept.
        public var beam: Int?
        /// Σ log p / length^lengthPenalty, when it became a finished hypothesis at this step.
        public var finishedScore: Double?

        public init(parent: Int, token: Int32, score: Double, beam: Int? = nil, finishedScore: Double? = nil) {
            self.parent = parent; self.token = token; self.score = score; self.beam = beam
            self.finishedScore = finishedScore
        }

        /// Neither kept nor finished.
        public var isPruned: Bool { beam == nil && finishedScore == nil }
    }

    /// 0 for the first new token.
    public var step: Int
    /// Every candidate of the step, best score first (ties: lower parent, then lower token).
    public var candidates: [Candidate]

    public init(step: Int, candidates: [Candidate]) {
        self.step = step
        self.candidates = candidates
    }

    /// The next step's beams, in beam order.
    public var kept: [Candidate] { candidates.filter { $0.beam != nil }.sorted { $0.beam! < $1.beam! } }
    /// The hypotheses finished at this step, best first.
    public var finished: [Candidate] {
        candidates.filter { $0.finishedScore != nil }.sorted { $0.finishedScore! > $1.finishedScore! }
    }
}
