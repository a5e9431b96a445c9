// config.json ↔ TransformerConfig: the hyper-parameters under the names transformers gives them.
//
//   lmlab            GPT2Config (model_type gpt2)     LlamaConfig (model_type llama)    nanoGPT GPTConfig
//   vocabSize        vocab_size                       vocab_size                        vocab_size
//   contextLength    n_positions                      max_position_embeddings           block_size
//   width            n_embd                           hidden_size                       n_embd
//   layers           n_layer                          num_hidden_layers                 n_layer
//   heads            n_head                           num_attention_heads               n_head
//   kvHeads          (= n_head)                       num_key_value_heads               (= n_head)
//   mlpHidden        n_inner (null: 4·n_embd)         intermediate_size                 (4·n_embd)
//   normEps          layer_norm_epsilon               rms_norm_eps                      (1e-5)
//   ropeTheta        —                                rope_theta                        —
//   tiedEmbeddings   tie_word_embeddings              tie_word_embeddings               (always tied)
//   dropout          resid_pdrop, embd_pdrop          —                                 dropout
//
// lmlab's GPT-2 style computes the exact GELU, x·Φ(x): transformers' "gelu". OpenAI's GPT-2 uses the tanh
// approximation ("gelu_new"); such a model imports with a warning, as its logits move by ~1e-3 in lmlab.
import Foundation

enum HFConfig {
    /// config.json for `config` in `architecture`'s field names (sorted keys, as transformers writes them).
    static func json(_ c: TransformerConfig, architecture: HFArchitecture, bos: Int32?, eos: Int32?) -> [String: Any] {
        var j: [String: Any] = [
            "architectures": [architecture.rawValue],
            "vocab_size": c.vocabSize,
            "tie_word_embeddings": c.tiedEmbeddings,
            "torch_dtype": "float32",
            "use_cache": true,
            "initializer_range": 0.02,
        ]
        if let bos { j["bos_token_id"] = Int(bos) }
        if let eos { j["eos_token_id"] = Int(eos) }
        switch architecture {
        case .gpt2, .nanoGPT:
            j["model_type"] = "gpt2"
            j["n_positions"] = c.contextLength
            j["n_ctx"] = c.contextLength
            j["n_embd"] = c.width
            j["n_layer"] = c.layers
            j["n_head"] = c.heads
            j["n_inner"] = c.mlpHidden
            j["activation_function"] = "gelu"
            j["layer_norm_epsilon"] = decimal(c.normEps)
            j["resid_pdrop"] = decimal(c.dropout)
            j["embd_pdrop"] = decimal(c.dropout)
            j["attn_pdrop"] = 0.0
            j["scale_attn_weights"] = true
            j["scale_attn_by_inverse_layer_idx"] = false
            j["reorder_and_upcast_attn"] = false
        case .llama:
            j["model_type"] = "llama"
            j["hidden_size"] = c.width
            j["intermediate_size"] = c.mlpHidden
            j["num_hidden_layers"] = c.layers
            j["num_attention_heads"] = c.heads
            j["num_key_value_heads"] = c.kvHeads
            j["head_dim"] = c.headSize
            j["max_position_embeddings"] = c.contextLength
            j["rms_norm_eps"] = decimal(c.normEps)
            j["rope_theta"] = decimal(c.ropeTheta)
            j["rope_scaling"] = NSNull()
            j["hidden_act"] = "silu"
            j["attention_bias"] = false
            j["attention_dropout"] = 0.0
            j["mlp_bias"] = false
            j["pretraining_tp"] = 1
        }
        return j
    }

    /// A Float as the Double with the same shortest decimal (1e-05, not 9.99999974737875e-06), so the JSON reads
    /// as it was meant and parses back to the same Float.
    static func decimal(_ x: Float) -> Double { Double("\(x)") ?? Double(x) }

    /// The architecture config.json names: `architectures[0]`, else `model_type`.
    static func architecture(_ j: [String: Any], file: String) throws -> HFArchitecture {
        let names = (j["architectures"] as? [String] ?? []) + [j["model_type"] as? String ?? ""]
        for name in names {
            switch name {
            case "GPT2LMHeadModel", "GPT2Model", "gpt2": return .gpt2
            case "LlamaForCausalLM", "LlamaModel", "llama": return .llama
            case "nanogpt", "nanoGPT", "GPT": return .nanoGPT
            default: continue
            }
        }
        let found = names.filter { !$0.isEmpty }.joined(separator: ", ")
        throw InteropError.unsupportedModel(file: file, reason: "architecture \(found.isEmpty ? "(none)" : found) is not one lmlab runs")
    }

    /// The lmlab config a config.json describes, and warnings about what lmlab computes differently.
    static func config(_ j: [String: Any], architecture: HFArchitecture, file: String) throws -> (TransformerConfig, [String]) {
        func int(_ key: String, default value: Int? = nil) throws -> Int {
            guard let v = j[key], !(v is NSNull) else {
                if let value { return value }
                throw InteropError.badConfig(file: file, field: key, problem: "is missing")
            }
            guard let n = v as? NSNumber, let i = Int(exactly: n.doubleValue) else {
                throw InteropError.badConfig(file: file, field: key, problem: "is \(v), expected an integer")
            }
            return i
        }
        func float(_ key: String, default value: Float) throws -> Float {
            guard let v = j[key], !(v is NSNull) else { return value }
            guard let n = v as? NSNumber else { throw InteropError.badConfig(file: file, field: key, problem: "is \(v), expected a number") }
            return Float(n.doubleValue)
        }
        func bool(_ key: String, default value: Bool) -> Bool { (j[key] as? Bool) ?? value }
        func refuse(_ key: String, unless ok: (Any) -> Bool, _ why: String) throws {
            if let v = j[key], !(v is NSNull), !ok(v) {
                throw InteropError.unsupportedModel(file: file, reason: "\(key) = \(v): \(why)")
            }
        }
        var warnings: [String] = []
        let config: TransformerConfig
        switch architecture {
        case .gpt2:
            let width = try int("n_embd"), heads = try int("n_head")
            let activation = j["activation_function"] as? String ?? "gelu_new"
            switch activation {
            case "gelu": break
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast":
                warnings.append("\(file): activation_function \"\(activation)\" is GELU's tanh approximation; lmlab computes "
                                + "the exact GELU, so logits differ slightly (~1e-3) from transformers'")
            default:
                throw InteropError.unsupportedModel(file: file, reason: "activation_function \"\(activation)\" is not GELU")
            }
            try refuse("scale_attn_by_inverse_layer_idx", unless: { $0 as? Bool == false }, "lmlab scales attention by 1/√head_size only")
            try refuse("reorder_and_upcast_attn", unless: { $0 as? Bool == false }, "not implemented")
            try refuse("scale_attn_weights", unless: { $0 as? Bool == true }, "lmlab always scales attention by 1/√head_size")
            config = TransformerConfig(
                style: .gpt2, vocabSize: try int("vocab_size"), contextLength: try int("n_positions"), width: width,
                layers: try int("n_layer"), heads: heads, kvHeads: heads, mlpHidden: try int("n_inner", default: 4 * width),
                dropout: try float("resid_pdrop", default: 0), normEps: try float("layer_norm_epsilon", default: 1e-5),
                tiedEmbeddings: bool("tie_word_embeddings", default: true))
        case .llama:
            let width = try int("hidden_size"), heads = try int("num_attention_heads")
            let act = j["hidden_act"] as? String ?? "silu"
            guard act == "silu" else { throw InteropError.unsupportedModel(file: file, reason: "hidden_act \"\(act)\" is not SiLU (SwiGLU)") }
            try refuse("rope_scaling", unless: { _ in false }, "lmlab's Llama style trains plain RoPE")
            try refuse("attention_bias", unless: { $0 as? Bool == false }, "lmlab's Llama style has no biases")
            try refuse("mlp_bias", unless: { $0 as? Bool == false }, "lmlab's Llama style has no biases")
            let headDim = try int("head_dim", default: width / heads)
            guard headDim * heads == width else {
                throw InteropError.unsupportedModel(file: file, reason: "head_dim \(headDim) × \(heads) heads ≠ hidden_size \(width)")
            }
            // transformers 5 keeps rope_theta in rope_parameters; earlier versions at the top level.
            var theta = try float("rope_theta", default: 10000)
            if let parameters = j["rope_parameters"] as? [String: Any] {
                if let t = parameters["rope_theta"] as? NSNumber { theta = Float(t.doubleValue) }
                if let type = parameters["rope_type"] as? String, type != "default" {
                    throw InteropError.unsupportedModel(file: file, reason: "rope_parameters.rope_type \"\(type)\": lmlab's Llama style trains plain RoPE")
                }
            }
            config = TransformerConfig(
                style: .llama, vocabSize: try int("vocab_size"), contextLength: try int("max_position_embeddings"),
                width: width, layers: try int("num_hidden_layers"), heads: heads,
                kvHeads: try int("num_key_value_heads", default: heads), mlpHidden: try int("intermediate_size"),
                normEps: try float("rms_norm_eps", default: 1e-6), ropeTheta: theta,
                tiedEmbeddings: bool("tie_word_embeddings", default: false))
        case .nanoGPT:
            let width = try int("n_embd")
            config = TransformerConfig(
                style: .gpt2, vocabSize: try int("vocab_size"), contextLength: try int("block_size"), width: width,
                layers: try int("n_layer"), heads: try int("n_head"), mlpHidden: 4 * width,
                dropout: try float("dropout", default: 0), normEps: 1e-5, tiedEmbeddings: true)
        }
        do { try config.validate() } catch {
            throw InteropError.unsupportedModel(file: file, reason: "\(error)")
        }
        return (config, warnings)
    }
}
