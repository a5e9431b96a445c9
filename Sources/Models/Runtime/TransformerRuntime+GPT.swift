// Loading our own trained GPT (either style) into the runtime: every weight is copied out of its autograd tensor as
// float32, so the runtime no longer depends on the training graph.
import Tensor
import Tokenizers

extension TransformerRuntime {
    /// The runtime twin of `gpt`, computing the same logits (up to float rounding). `tokenizer` is the one the
    /// checkpoint carries, if any.
    public convenience init(gpt: GPT, tokenizer: (any Tokenizer)? = nil) {
        let c = gpt.config
        func matrix(_ t: Tensor) -> WeightMatrix { .float32(values: t.scalars, rows: t.shape[0], cols: t.shape[1]) }
        func norm(_ n: Norm) -> NormWeights { NormWeights(weight: n.weight.scalars, bias: n.bias?.scalars) }
        let layers = gpt.blocks.map { b in
            RuntimeLayer(
                attentionNorm: norm(b.attentionNorm),
                wq: matrix(b.attention.wq), wk: matrix(b.attention.wk), wv: matrix(b.attention.wv), wo: matrix(b.attention.wo),
                bq: b.attention.bq?.scalars, bk: b.attention.bk?.scalars, bv: b.attention.bv?.scalars, bo: b.attention.bo?.scalars,
                mlpNorm: norm(b.mlpNorm),
                gate: b.mlp.gate.map(matrix), up: matrix(b.mlp.up), down: matrix(b.mlp.down),
                upBias: b.mlp.upBias?.scalars, downBias: b.mlp.downBias?.scalars)
        }
        let embedding = matrix(gpt.tokenEmbedding)
        self.init(config: c, tokenEmbedding: embedding, positionEmbedding: gpt.positionEmbedding?.scalars,
                  layers: layers, finalNorm: norm(gpt.finalNorm), outputHead: gpt.outputHead.map(matrix) ?? embedding,
                  rope: RoPEFrequencies(headSize: c.headSize, theta: c.ropeTheta),
                  specialTokens: tokenizer?.specialIDs ?? SpecialTokenIDs(), tokenizer: tokenizer)
    }
}
