// Loading a GGUF file of architecture `gpt2` (llama.cpp's LLM_ARCH_GPT2; what `lmlab export` writes for the gpt2
// style) into the runtime: learned positions, LayerNorm with bias, a GELU MLP, biases everywhere.
//   gpt2.{context_length, embedding_length, block_count, feed_forward_length}
//   gpt2.attention.{head_count, head_count_kv, layer_norm_epsilon}
//   token_embd, position_embd, output_norm.{weight,bias}, output (absent when tied to token_embd)
//   blk.N.{attn_norm, attn_qkv, attn_output, ffn_norm, ffn_up, ffn_down}.{weight,bias}
// attn_qkv fuses the q, k and v projections, rows [q | k | v]; they are split into three views of the same bytes.
// The MLP computes the exact GELU, as lmlab's GPT trains with; llama.cpp's GPT-2 graph uses the tanh approximation.
import GGUF
import Tokenizers

extension TransformerRuntime {
    convenience init(gpt2 file: GGUFFile) throws {
        func int(_ key: String) throws -> Int { try file.int("gpt2." + key) }
        let embedding = try file.tensor("token_embd.weight")
        let width = try int("embedding_length"), heads = try int("attention.head_count")
        let config = TransformerConfig(
            style: .gpt2, vocabSize: embedding.rows, contextLength: try int("context_length"), width: width,
            layers: try int("block_count"), heads: heads,
            kvHeads: file.metadata["gpt2.attention.head_count_kv"] == nil ? heads : try int("attention.head_count_kv"),
            mlpHidden: try int("feed_forward_length"),
            normEps: file.metadata["gpt2.attention.layer_norm_epsilon"]?.float ?? 1e-5,
            tiedEmbeddings: (try? file.tensor("output.weight")) == nil)
        try config.validate()

        func matrix(_ t: GGUFTensor, _ rows: Int, _ cols: Int) throws -> WeightMatrix {
            guard t.shape == [cols, rows] else {
                throw RuntimeError.badShape(file: file.file, tensor: t.name, expected: [cols, rows], found: t.shape)
            }
            return .quantized(t)
        }
        func matrix(_ name: String, _ rows: Int, _ cols: Int) throws -> WeightMatrix {
            try matrix(file.tensor(name), rows, cols)
        }
        func vector(_ name: String, _ n: Int) throws -> [Float] {
            let t = try file.tensor(name)
            guard t.elementCount == n else { throw RuntimeError.badShape(file: file.file, tensor: name, expected: [n], found: t.shape) }
            return try t.dequantized()
        }
        func norm(_ name: String) throws -> NormWeights {
            NormWeights(weight: try vector(name + ".weight", width), bias: try vector(name + ".bias", width))
        }
        let (d, hs, hidden) = (width, config.headSize, config.mlpHidden)
        let (qRows, kvRows) = (heads * hs, config.kvHeads * hs)
        let layers = try (0..<config.layers).map { i in
            let p = "blk.\(i)."
            let qkv = try file.tensor(p + "attn_qkv.weight")
            guard qkv.shape == [d, qRows + 2 * kvRows] else {
                throw RuntimeError.badShape(file: file.file, tensor: qkv.name, expected: [d, qRows + 2 * kvRows], found: qkv.shape)
            }
            let bias = try vector(p + "attn_qkv.bias", qRows + 2 * kvRows)
            return RuntimeLayer(
                attentionNorm: try norm(p + "attn_norm"),
                wq: try matrix(qkv.rows(0..<qRows, name: qkv.name + "[q]"), qRows, d),
                wk: try matrix(qkv.rows(qRows..<(qRows + kvRows), name: qkv.name + "[k]"), kvRows, d),
                wv: try matrix(qkv.rows((qRows + kvRows)..<(qRows + 2 * kvRows), name: qkv.name + "[v]"), kvRows, d),
                wo: try matrix(p + "attn_output.weight", d, qRows),
                bq: Array(bias[0..<qRows]), bk: Array(bias[qRows..<(qRows + kvRows)]),
                bv: Array(bias[(qRows + kvRows)...]), bo: try vector(p + "attn_output.bias", d),
                mlpNorm: try norm(p + "ffn_norm"),
                gate: nil, up: try matrix(p + "ffn_up.weight", hidden, d), down: try matrix(p + "ffn_down.weight", d, hidden),
                upBias: try vector(p + "ffn_up.bias", hidden), downBias: try vector(p + "ffn_down.bias", d))
        }
        let tokenEmbedding = try matrix(embedding, config.vocabSize, d)
        let tokenizer = try file.tokenizer()
        self.init(config: config, tokenEmbedding: tokenEmbedding,
                  positionEmbedding: try vector("position_embd.weight", config.contextLength * d), layers: layers,
                  finalNorm: try norm("output_norm"),
                  outputHead: config.tiedEmbeddings ? tokenEmbedding : try matrix("output.weight", config.vocabSize, d),
                  rope: RoPEFrequencies(headSize: hs, theta: config.ropeTheta),
                  specialTokens: tokenizer.specialIDs, tokenizer: tokenizer)
    }
}
