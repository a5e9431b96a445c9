// SamplingOverrides: the sampling and beam-search knobs one caller set — a command line's flags (`--top-k 40`) or a
// request's JSON fields (`"top_k": 40`) — and the one place they become SamplingParameters and BeamSearchParameters.
// Unset knobs keep the preset's value (or the documented default), so `--preset llama.cpp --top-k 10` changes
// exactly one thing. Errors name the field as a request spells it (penalty_mode, early_stopping…); the CLI renames
// them to its flags. Each front end only reads its own syntax (flags, JSON) into this value.

public struct SamplingOverrides: Sendable, Equatable {
    /// A named preset to start from (`SamplingParameters.presets`); nil: SamplingParameters' defaults.
    public var preset: String?
    public var temperature: Float?
    public var topK: Int?
    public var topP: Float?
    public var minP: Float?
    public var typicalP: Float?
    public var repeatPenalty: Float?
    public var repeatLastN: Int?
    public var frequencyPenalty: Float?
    public var presencePenalty: Float?
    /// A `PenaltyMode` name: additive, temperature, temperature-unshifted.
    public var penaltyMode: String?
    /// The chain's order, comma-separated step names ("penalties,top-k,temperature").
    public var samplers: String?
    /// Token id → bias added to its logit (over the preset's, which has none).
    public var logitBias: [Int32: Float] = [:]
    /// Never repeat an n-gram of this size, in sampling, greedy and beam search.
    public var noRepeatNgramSize: Int?
    /// Beam search with this many beams when it is not 1.
    public var numBeams: Int?
    public var lengthPenalty: Float?
    /// An `EarlyStopping` name: heuristic, always, never.
    public var earlyStopping: String?

    public init() {}

    /// The logits chain these knobs describe, checked: the first problem names its field.
    public func parameters() throws(DecodingError) -> SamplingParameters {
        var p = try preset.map { name throws(DecodingError) in try SamplingParameters.preset(named: name) } ?? SamplingParameters()
        if let temperature { p.temperature = temperature }
        if let topK { p.topK = topK }
        if let topP { p.topP = topP }
        if let minP { p.minP = minP }
        if let typicalP { p.typicalP = typicalP }
        if let repeatPenalty { p.repetitionPenalty = repeatPenalty }
        if let repeatLastN { p.penaltyLastN = repeatLastN }
        if let frequencyPenalty { p.frequencyPenalty = frequencyPenalty }
        if let presencePenalty { p.presencePenalty = presencePenalty }
        if let penaltyMode {
            guard let mode = PenaltyMode(rawValue: penaltyMode) else {
                throw .invalidParameter(field: "penalty_mode", value: penaltyMode,
                                        valid: PenaltyMode.allCases.map(\.rawValue).joined(separator: ", "))
            }
            p.penaltyMode = mode
        }
        for (id, bias) in logitBias { p.logitBias[id] = bias }
        if let samplers { p.samplers = try SamplerStep.list(samplers) }
        if let noRepeatNgramSize { p.noRepeatNgramSize = noRepeatNgramSize }
        try p.validate()
        return p
    }

    /// Beam search's parameters, checked (also when there is one beam), or nil when `numBeams` is unset or 1.
    /// `sampling` is what `parameters()` returned: the beams use its repetition penalty and n-gram ban.
    public func beamSearch(sampling: SamplingParameters) throws(DecodingError) -> BeamSearchParameters? {
        var b = BeamSearchParameters()
        b.numBeams = numBeams ?? 1
        if let lengthPenalty { b.lengthPenalty = lengthPenalty }
        if let earlyStopping {
            guard let e = EarlyStopping(rawValue: earlyStopping) else {
                throw .invalidParameter(field: "early_stopping", value: earlyStopping, valid: "heuristic, always or never")
            }
            b.earlyStopping = e
        }
        b.noRepeatNgramSize = sampling.noRepeatNgramSize
        b.repetitionPenalty = sampling.repetitionPenalty
        try b.validate()
        return b.numBeams == 1 ? nil : b
    }
}
