// The sampling and beam-search flags shared by `generate`, `compare`, `chat` and `inspect`, named as llama.cpp,
// OpenAI and Hugging Face name them. Every flag is optional: unset flags keep the preset's value (or
// SamplingParameters' documented default), so `--preset llama.cpp --top-k 10` changes exactly one thing.
import ArgumentParser
import Decoding
import Foundation
import Serving

struct SamplingOptions: ParsableArguments {
    @Option(help: "Start from a preset: hf, llama.cpp or greedy (default: lmlab's, every cut off, temperature 1).")
    var preset: String?
    @Option(parsing: .unconditional, help: "Temperature; 0 (or below) is greedy. Default 1.")
    var temperature: Float?
    @Option(name: .customLong("top-k"), help: "Keep the k most likely tokens; 0 = off (default).")
    var topK: Int?
    @Option(name: .customLong("top-p"), help: "Nucleus: keep the most likely tokens up to this mass, in (0, 1]; 1 = off (default).")
    var topP: Float?
    @Option(name: .customLong("min-p"), help: "Keep tokens with p ≥ min-p · p_max, in [0, 1]; 0 = off (default).")
    var minP: Float?
    @Option(name: .customLong("typical-p"), help: "Locally typical sampling mass, in (0, 1]; 1 = off (default).")
    var typicalP: Float?
    @Option(name: .customLong("repeat-penalty"), help: "CTRL repetition penalty (> 0); 1 = off (default).")
    var repeatPenalty: Float?
    @Option(name: .customLong("repeat-last-n"), parsing: .unconditional, help: "Tokens the penalties look back over (prompt included); -1 = all. Default 64.")
    var repeatLastN: Int?
    @Option(name: .customLong("frequency-penalty"), parsing: .unconditional, help: "OpenAI frequency penalty, in [-2, 2]; 0 = off (default).")
    var frequencyPenalty: Float?
    @Option(name: .customLong("presence-penalty"), parsing: .unconditional, help: "OpenAI presence penalty, in [-2, 2]; 0 = off (default).")
    var presencePenalty: Float?
    @Option(name: .customLong("penalty-mode"), help: "How frequency/presence penalties apply: additive (OpenAI, default), temperature (the lecture's per-token temperature), temperature-unshifted (its pitfall).")
    var penaltyMode: String?
    @Option(name: .customLong("logit-bias"), help: "ID=BIAS added to a token's logit (repeatable), e.g. --logit-bias 198=-100.")
    var logitBias: [String] = []
    @Option(help: "Order of the chain, comma-separated from: penalties, temperature, top-k, top-p, min-p, typical-p.")
    var samplers: String?
    @Option(help: "Seed of the sampler's RNG; without it a random seed is drawn and reported.")
    var seed: UInt64?

    func validate() throws { _ = try parameters() }

    /// The knobs these flags set, by their request names (`--logit-bias ID=BIAS` read here: its syntax is the flag's).
    func overrides() throws -> SamplingOverrides {
        var o = SamplingOverrides()
        o.preset = preset
        o.temperature = temperature
        o.topK = topK
        o.topP = topP
        o.minP = minP
        o.typicalP = typicalP
        o.repeatPenalty = repeatPenalty
        o.repeatLastN = repeatLastN
        o.frequencyPenalty = frequencyPenalty
        o.presencePenalty = presencePenalty
        o.penaltyMode = penaltyMode
        o.samplers = samplers
        for entry in logitBias {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let id = Int32(parts[0]), id >= 0, let bias = Float(parts[1]) else {
                throw ValidationError("--logit-bias \(entry) is invalid: expected ID=BIAS, e.g. 198=-100")
            }
            o.logitBias[id] = bias
        }
        return o
    }

    /// The parameters these flags describe, or a ValidationError naming the flag and its valid range.
    func parameters() throws -> SamplingParameters {
        let o = try overrides()
        return try CLIFlag.validating { try o.parameters() }
    }

    /// `--seed`, or a fresh random one (reported by the caller).
    func resolvedSeed() -> UInt64 { seed ?? UInt64.random(in: 0...UInt64(UInt32.max)) }
}

/// The CLI's names for the fields of a request (Serving and Decoding name fields as a request spells them:
/// top_p, num_beams…), and their errors turned into the one-line usage errors the CLI prints.
enum CLIFlag {
    static func name(_ field: String) -> String {
        switch field {
        case "n": return "--num-return-sequences"
        case "num_beams": return "--beams"
        case "response_format": return "--json-mode"
        default: return "--" + field.replacingOccurrences(of: "_", with: "-")
        }
    }

    /// Runs `body`; a DecodingError or ServingError becomes a ValidationError that names the flag.
    static func validating<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as DecodingError {
            throw ValidationError(e.described(naming: e.field.map(name) ?? ""))
        } catch let e as ServingError {
            throw ValidationError(e.described(naming: name))
        }
    }
}

struct BeamOptions: ParsableArguments {
    @Option(help: "Beam search with N beams (1 = no beam search, default).")
    var beams = 1
    @Option(name: .customLong("length-penalty"), parsing: .unconditional, help: "Beam score = Σ log p / length^this (> 0 favours longer). Default 1.")
    var lengthPenalty: Float = 1
    @Option(name: .customLong("early-stopping"), help: "When beam search stops: heuristic (HF False, default), always (HF True), never.")
    var earlyStopping = EarlyStopping.heuristic.rawValue
    @Option(name: .customLong("no-repeat-ngram-size"), help: "Never repeat an n-gram of this size (prompt included), in beam search, greedy and sampling; 0 = off.")
    var noRepeatNgramSize = 0

    /// `o` with these flags' knobs added.
    func adding(to o: SamplingOverrides) -> SamplingOverrides {
        var o = o
        o.numBeams = beams
        o.lengthPenalty = lengthPenalty
        o.earlyStopping = earlyStopping
        o.noRepeatNgramSize = noRepeatNgramSize
        return o
    }

    func validate() throws {
        let o = adding(to: SamplingOverrides())
        try CLIFlag.validating { _ = try o.beamSearch(sampling: try o.parameters()) }
    }
}
