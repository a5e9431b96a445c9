// Penalties: the repetition, frequency and presence penalties — the stateful processor that remembers which tokens
// were seen (prompt included) and pushes their logits down.
//
//   repetition (CTRL, Keskar et al. 2019; llama.cpp, HF):  l > 0 ? l / r : l · r      for every seen token
//   additive (OpenAI, llama.cpp):                          l −= count·frequency + [count > 0]·presence
//   lecture (per-token temperature):                       l' = (l − min l) / (1 + frequency·count + presence·[count > 0])
// All look at the last `penaltyLastN` tokens (−1: all). Hugging Face applies its repetition penalty once per distinct
// token over the whole sequence, llama.cpp over the last 64; both count prompt tokens, so this does too.

public struct Penalties: LogitProcessor, Sendable, Equatable {
    public var repetition: Float
    public var frequency: Float
    public var presence: Float
    public var mode: PenaltyMode
    /// Window of latest tokens; −1 = everything.
    public var lastN: Int
    /// Every token seen (prompt, then sampled), oldest first.
    public private(set) var history: [Int32] = []

    public init(repetition: Float = 1, frequency: Float = 0, presence: Float = 0, mode: PenaltyMode = .additive,
                lastN: Int = 64) {
        self.repetition = repetition; self.frequency = frequency; self.presence = presence
        self.mode = mode; self.lastN = lastN
    }

    public init(_ p: SamplingParameters) {
        self.init(repetition: p.repetitionPenalty, frequency: p.frequencyPenalty, presence: p.presencePenalty,
                  mode: p.penaltyMode, lastN: p.penaltyLastN)
    }

    public var isActive: Bool { repetition != 1 || frequency != 0 || presence != 0 }

    public mutating func prompt(_ tokens: [Int32]) { history += tokens }
    public mutating func didSample(_ token: Int32) { history.append(token) }

    /// How often each token occurs in the window.
    public func counts() -> [Int32: Int] {
        let window = lastN < 0 ? history[...] : history.suffix(lastN)
        var counts: [Int32: Int] = [:]
        for t in window { counts[t, default: 0] += 1 }
        return counts
    }

    public mutating func process(_ logits: inout [Float]) {
        guard isActive, lastN != 0 else { return }   // nothing to penalize: no candidate list of the vocabulary
        var c = Candidates(logits: logits)
        apply(to: &c)
        logits = c.logits
    }

    /// Penalizes the seen tokens among `c` (the whole vocabulary in id order, or what earlier cuts left).
    public func apply(to c: inout Candidates) {
        guard isActive, lastN != 0 else { return }
        let counts = counts()
        // Index of each counted id in `c`: the id itself while c is the whole vocabulary in id order.
        let identity = c.ids.last == Int32(c.count - 1) && c.ids.indices.allSatisfy { c.ids[$0] == Int32($0) }
        var seen: [(index: Int, count: Int)] = []
        if identity {
            for (id, n) in counts where id >= 0 && Int(id) < c.count { seen.append((Int(id), n)) }
        } else {
            for (i, id) in c.ids.enumerated() { if let n = counts[id] { seen.append((i, n)) } }
        }
        c.isSorted = false
        if repetition != 1 {
            for (i, _) in seen {
                let l = c.logits[i]
                c.logits[i] = l > 0 ? l / repetition : l * repetition
            }
        }
        guard frequency != 0 || presence != 0 else { return }
        switch mode {
        case .additive:
            for (i, n) in seen { c.logits[i] -= Float(n) * frequency + presence }
        case .temperature, .temperatureUnshifted:
            // Shift so every logit is ≥ 0: then dividing by k ≥ 1 can only lower a logit.
            let shift = mode == .temperature ? (c.logits.filter { $0 > -.infinity }.min() ?? 0) : 0
            if shift != 0 { for i in c.logits.indices { c.logits[i] -= shift } }
            for (i, n) in seen { c.logits[i] /= 1 + Float(n) * frequency + presence }
        }
    }
}
