// SamplingFields: the request fields /v1/completions and /v1/chat/completions share — OpenAI's sampling fields and
// lmlab's extras, which the openai client passes through `extra_body` (they arrive as top-level keys). Decoded from
// the same JSON object as the endpoint's own fields. Values are checked later — the knobs by Decoding's
// SamplingOverrides (the one mapping to SamplingParameters, which the CLI's flags use too), the rest by the library's
// validate() — and an error names the field.
import Decoding

struct SamplingFields: Decodable, Sendable, Equatable {
    /// The sampling and beam-search knobs (temperature, top_k, penalty_mode, num_beams…), read into the value the CLI's
    /// flags fill too; `logit_bias` is kept as sent here (its keys are strings) and checked in `apply(to:)`.
    var knobs = SamplingOverrides()
    // OpenAI's request fields
    var n: Int?
    var seed: UInt64?
    /// Token id (as a string key, as JSON objects need) → bias added to its logit, in [-100, 100].
    var logitBias: [String: Float]?
    var stop: [String]?
    var stream: Bool?
    var streamOptions: StreamOptions?
    var user: String?
    /// llama.cpp's: keep generating past EOS (benchmarks use it to get exactly max_tokens tokens).
    var ignoreEOS: Bool?

    struct StreamOptions: Decodable, Sendable, Equatable {
        var includeUsage: Bool?
        enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }

    enum CodingKeys: String, CodingKey {
        // OpenAI
        case temperature, topP = "top_p", n, seed, frequencyPenalty = "frequency_penalty"
        case presencePenalty = "presence_penalty", logitBias = "logit_bias", stop, stream
        case streamOptions = "stream_options", user
        // lmlab's extras (llama.cpp / Hugging Face names)
        case topK = "top_k", minP = "min_p", typicalP = "typical_p", repeatPenalty = "repeat_penalty"
        case repeatLastN = "repeat_last_n", penaltyMode = "penalty_mode", samplers, preset
        case numBeams = "num_beams", lengthPenalty = "length_penalty", noRepeatNgramSize = "no_repeat_ngram_size"
        case earlyStopping = "early_stopping", ignoreEOS = "ignore_eos"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        knobs.temperature = try c.float(.temperature)
        knobs.topP = try c.float(.topP)
        n = try c.integer(.n)
        seed = try Self.seed(c)
        knobs.frequencyPenalty = try c.float(.frequencyPenalty)
        knobs.presencePenalty = try c.float(.presencePenalty)
        logitBias = try c.decodeIfPresent([String: Double].self, forKey: .logitBias)?.mapValues { Float($0) }
        stop = try c.decodeIfPresent(OneOrMany<String>.self, forKey: .stop)?.values
        stream = try c.decodeIfPresent(Bool.self, forKey: .stream)
        streamOptions = try c.decodeIfPresent(StreamOptions.self, forKey: .streamOptions)
        user = try c.decodeIfPresent(String.self, forKey: .user)
        knobs.topK = try c.integer(.topK)
        knobs.minP = try c.float(.minP)
        knobs.typicalP = try c.float(.typicalP)
        knobs.repeatPenalty = try c.float(.repeatPenalty)
        knobs.repeatLastN = try c.integer(.repeatLastN)
        knobs.penaltyMode = try c.decodeIfPresent(String.self, forKey: .penaltyMode)
        // "penalties,top-k,temperature" as llama.cpp's CLI writes it, or ["penalties", "top-k", "temperature"].
        knobs.samplers = try c.decodeIfPresent(OneOrMany<String>.self, forKey: .samplers)?.values.joined(separator: ",")
        knobs.preset = try c.decodeIfPresent(String.self, forKey: .preset)
        knobs.numBeams = try c.integer(.numBeams)
        knobs.lengthPenalty = try c.float(.lengthPenalty)
        knobs.noRepeatNgramSize = try c.integer(.noRepeatNgramSize)
        // Hugging Face's early_stopping is true, false or "never"; lmlab names them always, heuristic, never.
        if let flag = try? c.decodeIfPresent(Bool.self, forKey: .earlyStopping) {
            knobs.earlyStopping = flag ? "always" : "heuristic"
        } else {
            knobs.earlyStopping = try c.decodeIfPresent(String.self, forKey: .earlyStopping)
        }
        ignoreEOS = try c.decodeIfPresent(Bool.self, forKey: .ignoreEOS)
    }

    /// `seed`: an integer ≥ 0; -1 (llama.cpp's "random") means none.
    static func seed(_ c: KeyedDecodingContainer<CodingKeys>) throws -> UInt64? {
        guard c.contains(.seed), try !c.decodeNil(forKey: .seed) else { return nil }
        if let s = try? c.decode(UInt64.self, forKey: .seed) { return s }
        if let s = try? c.decode(Int64.self, forKey: .seed), s == -1 { return nil }
        throw Swift.DecodingError.dataCorruptedError(
            forKey: .seed, in: c, debugDescription: "expected an integer in 0...\(UInt64.max) (or -1 for a random seed)")
    }
}

/// A field that is one value or an array of them (`"stop": "\n"` or `"stop": ["\n", "."]`).
struct OneOrMany<T: Decodable & Sendable>: Decodable, Sendable {
    var values: [T]
    init(from decoder: any Decoder) throws {
        let single = try decoder.singleValueContainer()
        if let one = try? single.decode(T.self) { values = [one]; return }
        guard let many = try? single.decode([T].self) else {
            throw Swift.DecodingError.dataCorruptedError(
                in: single, debugDescription: "expected \(JSONRequest.describe(T.self)) or an array of them")
        }
        values = many
    }
}
