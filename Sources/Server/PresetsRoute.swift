// GET /v1/presets: lmlab's sampling presets (SamplingParameters.default, .hf, .llamaCpp, .greedy) in the request
// fields /v1/completions takes (temperature, top_k, …, samplers in chain order) — so a client, like the
// playground's preset menu, shows the library's own values instead of a copy of them.
import Decoding
import Hummingbird

struct PresetFields: Encodable {
    var temperature: Float, topK: Int, topP: Float, minP: Float, typicalP: Float
    var repeatPenalty: Float, repeatLastN: Int, frequencyPenalty: Float, presencePenalty: Float
    var penaltyMode: String, samplers: [String]

    init(_ p: SamplingParameters) {
        temperature = p.temperature; topK = p.topK; topP = p.topP; minP = p.minP; typicalP = p.typicalP
        repeatPenalty = p.repetitionPenalty; repeatLastN = p.penaltyLastN
        frequencyPenalty = p.frequencyPenalty; presencePenalty = p.presencePenalty
        penaltyMode = p.penaltyMode.rawValue; samplers = p.samplers.map(\.rawValue)
    }

    enum CodingKeys: String, CodingKey {
        case temperature, topK = "top_k", topP = "top_p", minP = "min_p", typicalP = "typical_p"
        case repeatPenalty = "repeat_penalty", repeatLastN = "repeat_last_n", frequencyPenalty = "frequency_penalty"
        case presencePenalty = "presence_penalty", penaltyMode = "penalty_mode", samplers
    }
}

extension LMLabServer {
    func addPresetsRoute(to router: Router<ServerRequestContext>) {
        router.get("/v1/presets") { _, _ in
            var presets = ["default": PresetFields(SamplingParameters())]
            for (name, p) in SamplingParameters.presets { presets[name] = PresetFields(p) }
            return try JSONResponse.make(presets)
        }
    }
}
