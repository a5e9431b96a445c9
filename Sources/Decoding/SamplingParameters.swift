// SamplingParameters: every knob of the logits chain, with the defaults, the checks, and the order they run in.
//
// The chain, in the order Sampler runs it (this comment is its one description):
//   processors  logit bias → no-repeat n-grams → [JSON grammar]           stateful/fixed, over the whole vocabulary
//   sampling    then the settable steps in `samplers` order — by default penalties → temperature → top-k → top-p
//               → min-p → typical-p — over the tokens the processors left, then the draw
//   greedy      (temperature ≤ 0) then the penalties → argmax; the cuts and their order play no part
// So the grammar always sees the raw distribution of the tokens the model could pick (a cut can never leave only
// banned tokens), and the penalties always act on what the grammar allows. Penalties and the grammar are stateful
// processors (Penalties.swift, JSONConstraint.swift); the rest are the pure cuts of Samplers.swift. Every cut is
// off by default, so `--temperature 0.8` alone samples the tempered model distribution and each extra flag adds
// exactly one visible change. Temperature comes before the cuts, as in Hugging Face transformers, so top-p sees the
// distribution that is actually drawn from; llama.cpp puts it last (its cuts see the untempered distribution) —
// `--preset llama.cpp` or `--samplers` reproduces that.
import Foundation

/// One step of the settable part of the chain (`--samplers penalties,top-k,top-p,min-p,temperature`).
public enum SamplerStep: String, Sendable, Codable, CaseIterable {
    case penalties, temperature
    case topK = "top-k", topP = "top-p", minP = "min-p", typicalP = "typical-p"

    /// "penalties,top-k,temperature" → the steps (spaces around names ignored).
    public static func list(_ text: String) throws(DecodingError) -> [SamplerStep] {
        var steps: [SamplerStep] = []
        for name in text.split(separator: ",") {
            guard let step = SamplerStep(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw .unknownSampler(name: String(name))
            }
            steps.append(step)
        }
        return steps
    }
}

/// How frequency and presence penalties act on a logit.
public enum PenaltyMode: String, Sendable, Codable, CaseIterable {
    /// OpenAI / llama.cpp: `logit −= count·frequency + [count > 0]·presence`.
    case additive
    /// The lecture formulation: a per-token temperature `k = 1 + frequency·count + presence·[count > 0]`, applied
    /// as `logit / k` after shifting all logits to be ≥ 0 (dividing a negative logit by k > 1 would *raise* it).
    case temperature
    /// The same without the shift: the pitfall the lecture shows (penalized tokens with negative logits gain).
    case temperatureUnshifted = "temperature-unshifted"
}

public struct SamplingParameters: Sendable, Codable, Equatable {
    /// Divides the logits: < 1 sharpens, > 1 flattens; ≤ 0 means greedy (argmax after the processors).
    public var temperature: Float = 1
    /// Keep only the k most likely tokens; 0 = off.
    public var topK: Int = 0
    /// Nucleus: keep the smallest set of most likely tokens whose probability reaches p (always ≥ 1 token); 1 = off.
    public var topP: Float = 1
    /// Keep tokens with probability ≥ minP · (the top token's probability); 0 = off.
    public var minP: Float = 0
    /// Locally typical sampling (Meister et al. 2022): keep the tokens whose surprise is closest to the entropy,
    /// until their mass reaches p; 1 = off.
    public var typicalP: Float = 1
    /// CTRL-style repetition penalty (Keskar et al. 2019): a seen token's positive logit is divided by it, a negative
    /// one multiplied; 1 = off.
    public var repetitionPenalty: Float = 1
    /// How many of the latest tokens (prompt included) the penalties look at; −1 = the whole sequence.
    public var penaltyLastN: Int = 64
    /// OpenAI frequency penalty: subtracted once per previous occurrence; 0 = off.
    public var frequencyPenalty: Float = 0
    /// OpenAI presence penalty: subtracted once if the token occurred at all; 0 = off.
    public var presencePenalty: Float = 0
    /// How frequency and presence penalties apply (additive as OpenAI, or the lecture's per-token temperature).
    public var penaltyMode: PenaltyMode = .additive
    /// Ban every token that would repeat an n-gram of this size already in the sequence, prompt included
    /// (Hugging Face's `no_repeat_ngram_size`); 0 = off.
    public var noRepeatNgramSize: Int = 0
    /// Added to the logits of chosen ids before anything else (OpenAI `logit_bias`).
    public var logitBias: [Int32: Float] = [:]
    /// The order of the settable steps; a step whose parameter is "off" does nothing.
    public var samplers: [SamplerStep] = SamplingParameters.defaultOrder

    public init() {}

    /// The default order: Hugging Face's (penalties, then temperature, then the cuts).
    public static let defaultOrder: [SamplerStep] = [.penalties, .temperature, .topK, .topP, .minP, .typicalP]

    /// Always the most likely token.
    public static let greedy: SamplingParameters = {
        var p = SamplingParameters()
        p.temperature = 0
        return p
    }()

    /// Hugging Face `generate(do_sample=True)` defaults: temperature first, repetition penalty over the whole sequence
    /// including the prompt, no additive penalties, top-k 50 (transformers' `GenerationConfig` default).
    public static let hf: SamplingParameters = {
        var p = SamplingParameters()
        p.topK = 50
        p.penaltyLastN = -1
        p.samplers = [.penalties, .temperature, .topK, .topP, .minP, .typicalP]
        return p
    }()

    /// llama.cpp's `common_params_sampling` defaults: penalties over the last 64 tokens, then top-k 40, typical,
    /// top-p 0.95, min-p 0.05, and temperature 0.8 *last*.
    public static let llamaCpp: SamplingParameters = {
        var p = SamplingParameters()
        p.temperature = 0.8
        p.topK = 40
        p.topP = 0.95
        p.minP = 0.05
        p.penaltyLastN = 64
        p.samplers = [.penalties, .topK, .typicalP, .topP, .minP, .temperature]
        return p
    }()

    /// Named presets for `--preset`.
    public static let presets: [String: SamplingParameters] = ["hf": hf, "llama.cpp": llamaCpp, "greedy": greedy]

    public var isGreedy: Bool { temperature <= 0 }

    /// Throws `DecodingError.invalidParameter` naming the first field outside its range (request names: top_p…).
    public func validate() throws(DecodingError) {
        func check(_ ok: Bool, _ field: String, _ value: Any, _ valid: String) throws(DecodingError) {
            if !ok { throw .invalidParameter(field: field, value: "\(value)", valid: valid) }
        }
        try check(temperature.isFinite, "temperature", temperature, "a number (≤ 0 is greedy)")
        try check(topK >= 0, "top_k", topK, "an integer ≥ 0 (0 = off)")
        try check(topP > 0 && topP <= 1, "top_p", topP, "a value in (0, 1]")
        try check(minP >= 0 && minP <= 1, "min_p", minP, "a value in [0, 1]")
        try check(typicalP > 0 && typicalP <= 1, "typical_p", typicalP, "a value in (0, 1]")
        try check(repetitionPenalty > 0 && repetitionPenalty.isFinite, "repeat_penalty", repetitionPenalty, "a value > 0 (1 = off)")
        try check(penaltyLastN >= -1, "repeat_last_n", penaltyLastN, "an integer ≥ -1 (-1 = all)")
        try check(abs(frequencyPenalty) <= 2, "frequency_penalty", frequencyPenalty, "a value in [-2, 2]")
        try check(abs(presencePenalty) <= 2, "presence_penalty", presencePenalty, "a value in [-2, 2]")
        try check(noRepeatNgramSize >= 0, "no_repeat_ngram_size", noRepeatNgramSize, "an integer ≥ 0")
        for (id, bias) in logitBias.sorted(by: { $0.key < $1.key }) {
            try check(id >= 0 && !bias.isNaN, "logit_bias", "\(id)=\(bias)", "ID=BIAS with an id ≥ 0 and a number, e.g. 198=-100")
        }
    }

    /// A preset by name (`hf`, `llama.cpp`, `greedy`).
    public static func preset(named name: String) throws(DecodingError) -> SamplingParameters {
        guard let p = presets[name] else { throw .unknownPreset(name: name) }
        return p
    }

    /// Whether any penalty would change a logit.
    public var hasPenalties: Bool { repetitionPenalty != 1 || frequencyPenalty != 0 || presencePenalty != 0 }

    /// The chain as `--verbose` prints it, with only the active steps, e.g.
    /// "logit-bias → penalties(repeat 1.3, last 64) → temperature 0.8 → top-k 40 → draw".
    public var chainDescription: String {
        var steps: [String] = []
        if !logitBias.isEmpty { steps.append("logit-bias(\(logitBias.count) ids)") }
        if noRepeatNgramSize > 0 { steps.append("no-repeat-ngram \(noRepeatNgramSize)") }
        if isGreedy {
            if hasPenalties { steps.append(penaltiesDescription) }
            return (steps + ["argmax (greedy)"]).joined(separator: " → ")
        }
        for step in samplers {
            switch step {
            case .penalties where hasPenalties: steps.append(penaltiesDescription)
            case .temperature where temperature != 1: steps.append("temperature \(temperature)")
            case .topK where topK > 0: steps.append("top-k \(topK)")
            case .topP where topP < 1: steps.append("top-p \(topP)")
            case .minP where minP > 0: steps.append("min-p \(minP)")
            case .typicalP where typicalP < 1: steps.append("typical-p \(typicalP)")
            default: break
            }
        }
        return (steps + ["draw"]).joined(separator: " → ")
    }

    var penaltiesDescription: String {
        var parts: [String] = []
        if repetitionPenalty != 1 { parts.append("repeat \(repetitionPenalty)") }
        if frequencyPenalty != 0 { parts.append("frequency \(frequencyPenalty)") }
        if presencePenalty != 0 { parts.append("presence \(presencePenalty)") }
        if frequencyPenalty != 0 || presencePenalty != 0 { parts.append(penaltyMode.rawValue) }
        parts.append(penaltyLastN < 0 ? "whole sequence" : "last \(penaltyLastN)")
        return "penalties(\(parts.joined(separator: ", ")))"
    }
}
