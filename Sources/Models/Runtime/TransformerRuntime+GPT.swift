// Loading our own GPT layout (either style) into the runtime, from float32 weights named like GPT's parameters
// ("blocks.3.attention.wq"): out of a trained GPT's autograd tensors (an .h5 checkpoint), or out of a Hugging Face
// folder converted on the fly (HFModelFolder). Every weight is one float32 array, so the runtime no longer depends
// on the training graph or on the file.
import Tensor
import Tokenizers

extension TransformerRuntime {
    /// The runtime twin of `gpt`, computing the same logits (up to float rounding). `tokenizer` is the one the
    /// checkpoint carries, if any.
    public convenience init(gpt: GPT, tokenizer: (any Tokenizer)? = nil) {
        let parameters = Dictionary(uniqueKeysWithValues: gpt.namedParameters().map { ($0.name, $0.tensor) })
        try! self.init(config: gpt.config, tokenizer: tokenizer) { name, count in
            guard let t = parameters[name], t.count == count else {
                preconditionFailure("GPT has no parameter \(name) of \(count) values")
            }
            return t.scalars
        }
    }

    /// The runtime for a model of `config` whose weights `weight(name, count)` returns, each as lmlab stores it:
    /// (out, in) matrices, row-major.
    public convenience init(config c: TransformerConfig, tokenizer: (any Tokenizer)?,
                            weight: (_ name: String, _ count: Int) throws -> [Float]) throws {
        let d = c.width, hs = c.headSize, gpt2 = c.style == .gpt2
        func matrix(_ name: String, _ rows: Int, _ cols: Int) throws -> WeightMatrix {
            .float32(values: try weight(name, rows * cols), rows: rows, cols: cols)
        }
        func vector(_ name: String, _ n: Int) throws -> [Float] { try weight(name, n) }
        func norm(_ name: String) throws -> NormWeights {
            NormWeights(weight: try vector(name + ".weight", d), bias: gpt2 ? try vector(name + ".bias", d) : nil)
        }
        let layers = try (0..<c.layers).map { i in
            let b = "blocks.\(i)."
            return RuntimeLayer(
                attentionNorm: try norm(b + "attentionNorm"),
                wq: try matrix(b + "attention.wq", c.heads * hs, d), wk: try matrix(b + "attention.wk", c.kvHeads * hs, d),
                wv: try matrix(b + "attention.wv", c.kvHeads * hs, d), wo: try matrix(b + "attention.wo", d, c.heads * hs),
                bq: gpt2 ? try vector(b + "attention.bq", c.heads * hs) : nil,
                bk: gpt2 ? try vector(b + "attention.bk", c.kvHeads * hs) : nil,
                bv: gpt2 ? try vector(b + "attention.bv", c.kvHeads * hs) : nil,
                bo: gpt2 ? try vector(b + "attention.bo", d) : nil,
                mlpNorm: try norm(b + "mlpNorm"),
                gate: gpt2 ? nil : try matrix(b + "mlp.gate", c.mlpHidden, d),
                up: try matrix(b + "mlp.up", c.mlpHidden, d), down: try matrix(b + "mlp.down", d, c.mlpHidden),
                upBias: gpt2 ? try vector(b + "mlp.upBias", c.mlpHidden) : nil,
                downBias: gpt2 ? try vector(b + "mlp.downBias", d) : nil)
        }
        let embedding = try matrix("tokenEmbedding", c.vocabSize, d)
        self.init(config: c, tokenEmbedding: embedding,
                  positionEmbedding: gpt2 ? try vector("positionEmbedding", c.contextLength * d) : nil,
                  layers: layers, finalNorm: try norm("finalNorm"),
                  outputHead: c.tiedEmbeddings ? embedding : try matrix("outputHead", c.vocabSize, d),
                  rope: RoPEFrequencies(headSize: hs, theta: c.ropeTheta),
                  specialTokens: tokenizer?.specialIDs ?? SpecialTokenIDs(), tokenizer: Self.covering(tokenizer, c.vocabSize))
    }

    /// A BPE tokenizer with fewer tokens than the model embeds (nanoGPT pads GPT-2's 50257 to 50304) gets placeholder
    /// tokens "[PAD<id>]" for the rest (`BPETokenizer.padded`), so every id the model can predict can be printed.
    static func covering(_ tokenizer: (any Tokenizer)?, _ vocabSize: Int) -> (any Tokenizer)? {
        guard let bpe = tokenizer as? BPETokenizer, bpe.vocabSize < vocabSize else { return tokenizer }
        return (try? bpe.padded(to: vocabSize)) ?? bpe
    }

    /// A Hugging Face model folder, each weight converted from the mapped safetensors into its array.
    public convenience init(folder: HFModelFolder) throws {
        try self.init(config: folder.config, tokenizer: folder.tokenizer) { name, count in
            try folder.values(name, count: count)
        }
    }
}
