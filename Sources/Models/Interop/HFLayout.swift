// Where each lmlab weight lives in a Hugging Face checkpoint — one table per architecture, used by export and import
// alike, so the two directions cannot disagree:
//
//   lmlab (GPT.swift)              GPT2LMHeadModel (transformers)             LlamaForCausalLM
//   tokenEmbedding (V, C)          transformer.wte.weight                      model.embed_tokens.weight
//   positionEmbedding (T, C)       transformer.wpe.weight                      —
//   blocks.i.attentionNorm         transformer.h.i.ln_1.{weight,bias}          model.layers.i.input_layernorm.weight
//   blocks.i.attention.wq|wk|wv    transformer.h.i.attn.c_attn.weight (C, 3C)  …self_attn.{q,k,v}_proj.weight
//   blocks.i.attention.wo          transformer.h.i.attn.c_proj.weight          …self_attn.o_proj.weight
//   blocks.i.mlpNorm               transformer.h.i.ln_2.{weight,bias}          …post_attention_layernorm.weight
//   blocks.i.mlp.gate | up | down  —  | mlp.c_fc | mlp.c_proj                  …mlp.{gate,up,down}_proj.weight
//   finalNorm                      transformer.ln_f.{weight,bias}              model.norm.weight
//   outputHead (untied only)       lm_head.weight                              lm_head.weight
//
// Two conventions differ from lmlab's (out, in) matrices with adjacent RoPE pairs:
//   - GPT-2's Conv1D stores weights (in, out), the transpose of a Linear, with q, k and v fused into one c_attn
//     whose output columns are [q | k | v] (and its bias likewise);
//   - Llama's q_proj / k_proj rows are in the "rotate_half" order: within each head, feature j pairs with j + hs/2,
//     where lmlab (like Meta's original weights and GGUF) pairs 2j with 2j + 1. Hugging Face's conversion script
//     permutes each head's rows: HF row j ← lmlab row 2j, HF row j + hs/2 ← lmlab row 2j + 1.
// nanoGPT's state dict uses GPT-2's names with nn.Linear weights (out, in), so it needs no transpose; its biases
// are absent when it was trained with `bias=False` (lmlab then fills zeros, which compute the same thing).

/// The checkpoint layouts lmlab reads and writes.
public enum HFArchitecture: String, Sendable, CaseIterable {
    case gpt2 = "GPT2LMHeadModel"
    case llama = "LlamaForCausalLM"
    /// Karpathy's nanoGPT `model.py` state dict, saved to safetensors (docs/scaling-out.md shows the few lines).
    case nanoGPT = "nanoGPT"
}

/// One tensor of a Hugging Face checkpoint and the lmlab parameters it holds.
struct HFTensorMapping {
    /// An lmlab parameter: `rows` output features; `ropeHeads` when its rows must be permuted to rotate_half order.
    struct Part {
        var parameter: String
        var rows: Int
        var ropeHeads: Int? = nil
    }

    /// The name in the safetensors file.
    var name: String
    /// Stacked along the output axis, in this order.
    var parts: [Part]
    /// Input features of a matrix; nil for a vector.
    var columns: Int?
    /// Stored (in, out), as GPT-2's Conv1D does.
    var transposed = false
    /// May be absent from the file (nanoGPT without biases); lmlab then fills zeros.
    var optional = false

    var rows: Int { parts.reduce(0) { $0 + $1.rows } }

    /// The shape in the file.
    var shape: [Int] {
        guard let columns else { return [rows] }
        return transposed ? [columns, rows] : [rows, columns]
    }
}

enum HFLayout {
    /// The tensors of `architecture` for a model of `config`. `prefix` is what comes before the GPT-2 names
    /// ("transformer." when saved from GPT2LMHeadModel, "" in OpenAI's original files, "_orig_mod.transformer." for
    /// a compiled nanoGPT); `headName` is where an untied output head is.
    static func mappings(_ config: TransformerConfig, _ architecture: HFArchitecture, prefix: String? = nil,
                         headName: String = "lm_head.weight") -> [HFTensorMapping] {
        let c = config, d = c.width, hs = c.headSize
        func vector(_ name: String, _ parameter: String, _ n: Int, optional: Bool = false) -> HFTensorMapping {
            HFTensorMapping(name: name, parts: [.init(parameter: parameter, rows: n)], columns: nil, optional: optional)
        }
        func matrix(_ name: String, _ parts: [HFTensorMapping.Part], _ columns: Int, transposed: Bool = false) -> HFTensorMapping {
            HFTensorMapping(name: name, parts: parts, columns: columns, transposed: transposed)
        }
        var out: [HFTensorMapping] = []
        switch architecture {
        case .gpt2, .nanoGPT:
            let p = prefix ?? "transformer."
            let conv = architecture == .gpt2  // Conv1D (in, out); nanoGPT's nn.Linear is (out, in)
            let biasOptional = architecture == .nanoGPT
            out.append(matrix(p + "wte.weight", [.init(parameter: "tokenEmbedding", rows: c.vocabSize)], d))
            out.append(matrix(p + "wpe.weight", [.init(parameter: "positionEmbedding", rows: c.contextLength)], d))
            for i in 0..<c.layers {
                let h = "\(p)h.\(i).", b = "blocks.\(i)."
                out.append(vector(h + "ln_1.weight", b + "attentionNorm.weight", d))
                out.append(vector(h + "ln_1.bias", b + "attentionNorm.bias", d, optional: biasOptional))
                out.append(matrix(h + "attn.c_attn.weight", [.init(parameter: b + "attention.wq", rows: d),
                                                              .init(parameter: b + "attention.wk", rows: c.kvHeads * hs),
                                                              .init(parameter: b + "attention.wv", rows: c.kvHeads * hs)],
                                  d, transposed: conv))
                out.append(HFTensorMapping(name: h + "attn.c_attn.bias", parts: [.init(parameter: b + "attention.bq", rows: d),
                                                                                 .init(parameter: b + "attention.bk", rows: c.kvHeads * hs),
                                                                                 .init(parameter: b + "attention.bv", rows: c.kvHeads * hs)],
                                           columns: nil, optional: biasOptional))
                out.append(matrix(h + "attn.c_proj.weight", [.init(parameter: b + "attention.wo", rows: d)], d, transposed: conv))
                out.append(vector(h + "attn.c_proj.bias", b + "attention.bo", d, optional: biasOptional))
                out.append(vector(h + "ln_2.weight", b + "mlpNorm.weight", d))
                out.append(vector(h + "ln_2.bias", b + "mlpNorm.bias", d, optional: biasOptional))
                out.append(matrix(h + "mlp.c_fc.weight", [.init(parameter: b + "mlp.up", rows: c.mlpHidden)], d, transposed: conv))
                out.append(vector(h + "mlp.c_fc.bias", b + "mlp.upBias", c.mlpHidden, optional: biasOptional))
                out.append(matrix(h + "mlp.c_proj.weight", [.init(parameter: b + "mlp.down", rows: d)], c.mlpHidden, transposed: conv))
                out.append(vector(h + "mlp.c_proj.bias", b + "mlp.downBias", d, optional: biasOptional))
            }
            out.append(vector(p + "ln_f.weight", "finalNorm.weight", d))
            out.append(vector(p + "ln_f.bias", "finalNorm.bias", d, optional: biasOptional))
        case .llama:
            let p = prefix ?? "model."
            out.append(matrix(p + "embed_tokens.weight", [.init(parameter: "tokenEmbedding", rows: c.vocabSize)], d))
            for i in 0..<c.layers {
                let l = "\(p)layers.\(i).", b = "blocks.\(i)."
                out.append(vector(l + "input_layernorm.weight", b + "attentionNorm.weight", d))
                out.append(matrix(l + "self_attn.q_proj.weight", [.init(parameter: b + "attention.wq", rows: c.heads * hs, ropeHeads: c.heads)], d))
                out.append(matrix(l + "self_attn.k_proj.weight", [.init(parameter: b + "attention.wk", rows: c.kvHeads * hs, ropeHeads: c.kvHeads)], d))
                out.append(matrix(l + "self_attn.v_proj.weight", [.init(parameter: b + "attention.wv", rows: c.kvHeads * hs)], d))
                out.append(matrix(l + "self_attn.o_proj.weight", [.init(parameter: b + "attention.wo", rows: d)], c.heads * hs))
                out.append(vector(l + "post_attention_layernorm.weight", b + "mlpNorm.weight", d))
                out.append(matrix(l + "mlp.gate_proj.weight", [.init(parameter: b + "mlp.gate", rows: c.mlpHidden)], d))
                out.append(matrix(l + "mlp.up_proj.weight", [.init(parameter: b + "mlp.up", rows: c.mlpHidden)], d))
                out.append(matrix(l + "mlp.down_proj.weight", [.init(parameter: b + "mlp.down", rows: d)], c.mlpHidden))
            }
            out.append(vector(p + "norm.weight", "finalNorm.weight", d))
        }
        if !c.tiedEmbeddings {
            out.append(matrix(headName, [.init(parameter: "outputHead", rows: c.vocabSize)], d))
        }
        return out
    }

    /// Rows of one head in lmlab's order (pairs 2j, 2j+1) → Hugging Face's rotate_half order (pairs j, j + hs/2):
    /// the row that lands at HF position `r` of a head.
    static func lmlabRow(forHFRow r: Int, headSize hs: Int) -> Int {
        r < hs / 2 ? 2 * r : 2 * (r - hs / 2) + 1
    }
}
