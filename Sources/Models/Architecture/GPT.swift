// A decoder-only transformer on lmlab's autograd, in the two styles of `TransformerConfig`, read like the math:
//   x = embed(tokens) (+ positions)
//   for each block:  x = x + attention(norm₁(x));  x = x + mlp(norm₂(x))
//   logits = norm_f(x) · Eᵀ
// Weights are stored (out, in) like PyTorch and GGUF; products use the transpose flag of `matmul`.
import Tensor

public final class GPT: Module {
    public let config: TransformerConfig
    public let tokenEmbedding: Tensor          // (vocab, width)
    public let positionEmbedding: Tensor?      // (context, width), gpt2 only
    public let blocks: [TransformerBlock]
    public let finalNorm: Norm
    public let outputHead: Tensor?             // (vocab, width) when not tied to the token embedding

    /// GPT-2 initialisation: weights ~ N(0, 0.02²), residual projections ~ N(0, (0.02/√(2·layers))²) so the
    /// residual stream's variance does not grow with depth, biases 0, norm gains 1.
    public init(config: TransformerConfig, seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        self.config = config
        tokenEmbedding = Tensor(randomNormal: [config.vocabSize, config.width], std: 0.02, rng: &rng, requiresGrad: true)
        positionEmbedding = config.style == .gpt2
            ? Tensor(randomNormal: [config.contextLength, config.width], std: 0.02, rng: &rng, requiresGrad: true) : nil
        blocks = (0..<config.layers).map { _ in TransformerBlock(config: config, rng: &rng) }
        finalNorm = Norm(config: config)
        outputHead = config.tiedEmbeddings ? nil
            : Tensor(randomNormal: [config.vocabSize, config.width], std: 0.02, rng: &rng, requiresGrad: true)
    }

    /// Logits (batch, time, vocab) for token ids laid out (batch, time). `rng` draws dropout masks when training.
    public func logits(_ ids: [Int32], batch: Int, time: Int, rng: inout RandomGenerator, training: Bool = false) -> Tensor {
        features(ids, batch: batch, time: time, rng: &rng, training: training)
            .matmul(outputHead ?? tokenEmbedding, transposeB: true)             // (B, T, vocab)
    }

    /// The final normalised hidden states (batch, time, width), which the output head turns into logits.
    func features(_ ids: [Int32], batch: Int, time: Int, rng: inout RandomGenerator, training: Bool) -> Tensor {
        precondition(time <= config.contextLength, "GPT: \(time) tokens exceed the context length \(config.contextLength)")
        var x = tokenEmbedding.embedding(ids, shape: [batch, time])             // (B, T, C)
        if let positionEmbedding { x = x + positionEmbedding.slice(axis: 0, 0..<time) }
        x = dropout(x, &rng, training)
        for block in blocks { x = block(x, rng: &rng, training: training) }
        return finalNorm(x)
    }

    /// Mean cross-entropy of predicting `targets` (batch·time ids) from `ids`:
    /// `logits(…).reshape([batch·time, vocab]).crossEntropy(targets:)`, with the head and the loss fused so the
    /// logits turn into their own gradient in place (see `linearCrossEntropy`).
    public func loss(_ ids: [Int32], targets: [Int32], batch: Int, time: Int, rng: inout RandomGenerator,
                     training: Bool = false) -> Tensor {
        features(ids, batch: batch, time: time, rng: &rng, training: training)
            .linearCrossEntropy(weight: outputHead ?? tokenEmbedding, targets: targets)
    }

    func dropout(_ x: Tensor, _ rng: inout RandomGenerator, _ training: Bool) -> Tensor {
        training && config.dropout > 0 ? x.dropout(probability: config.dropout, rng: &rng) : x
    }
}

public final class TransformerBlock: Module {
    public let attentionNorm: Norm
    public let attention: SelfAttention
    public let mlpNorm: Norm
    public let mlp: MLP
    let dropout: Float

    init(config: TransformerConfig, rng: inout RandomGenerator) {
        attentionNorm = Norm(config: config)
        attention = SelfAttention(config: config, rng: &rng)
        mlpNorm = Norm(config: config)
        mlp = MLP(config: config, rng: &rng)
        dropout = config.dropout
    }

    func callAsFunction(_ x: Tensor, rng: inout RandomGenerator, training: Bool) -> Tensor {
        func drop(_ t: Tensor) -> Tensor { training && dropout > 0 ? t.dropout(probability: dropout, rng: &rng) : t }
        let h = x + drop(attention(attentionNorm(x)))
        return h + drop(mlp(mlpNorm(h)))
    }
}

/// LayerNorm with bias (gpt2) or RMSNorm (llama).
public final class Norm: Module {
    public let weight: Tensor  // (width)
    public let bias: Tensor?   // (width), LayerNorm only
    let eps: Float

    init(config: TransformerConfig) {
        weight = Tensor(repeating: 1, shape: [config.width], requiresGrad: true)
        bias = config.style == .gpt2 ? Tensor(zeros: [config.width], requiresGrad: true) : nil
        eps = config.normEps
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        bias == nil ? x.rmsNorm(weight: weight, eps: eps) : x.layerNorm(weight: weight, bias: bias, eps: eps)
    }
}

/// Multi-head causal self-attention, with RoPE and grouped-query attention in the llama style.
public final class SelfAttention: Module {
    public let wq: Tensor    // (heads·hs, width)
    public let wk: Tensor    // (kvHeads·hs, width)
    public let wv: Tensor    // (kvHeads·hs, width)
    public let wo: Tensor    // (width, heads·hs)
    public let bq, bk, bv, bo: Tensor?  // gpt2 only
    let config: TransformerConfig

    init(config: TransformerConfig, rng: inout RandomGenerator) {
        self.config = config
        let c = config.width, hs = config.headSize
        let residualStd = 0.02 / Float(2 * config.layers).squareRoot()
        wq = Tensor(randomNormal: [config.heads * hs, c], std: 0.02, rng: &rng, requiresGrad: true)
        wk = Tensor(randomNormal: [config.kvHeads * hs, c], std: 0.02, rng: &rng, requiresGrad: true)
        wv = Tensor(randomNormal: [config.kvHeads * hs, c], std: 0.02, rng: &rng, requiresGrad: true)
        wo = Tensor(randomNormal: [c, config.heads * hs], std: residualStd, rng: &rng, requiresGrad: true)
        let biased = config.style == .gpt2
        bq = biased ? Tensor(zeros: [config.heads * hs], requiresGrad: true) : nil
        bk = biased ? Tensor(zeros: [config.kvHeads * hs], requiresGrad: true) : nil
        bv = biased ? Tensor(zeros: [config.kvHeads * hs], requiresGrad: true) : nil
        bo = biased ? Tensor(zeros: [c], requiresGrad: true) : nil
    }

    /// x (B, T, C) → (B, T, C)
    func callAsFunction(_ x: Tensor) -> Tensor {
        // Heads stay side by side in the last axis, (B, T, heads·hs): the attention op reads each in place.
        var q = x.linear(weight: wq, bias: bq)                                    // (B, T, H·hs)
        var k = x.linear(weight: wk, bias: bk)                                    // (B, T, Hkv·hs)
        let v = x.linear(weight: wv, bias: bv)                                    // (B, T, Hkv·hs)
        if config.style == .llama {
            q = q.rope(theta: config.ropeTheta, heads: config.heads)
            k = k.rope(theta: config.ropeTheta, heads: config.kvHeads)
        }
        let y = Tensor.causalAttention(query: q, key: k, value: v, heads: config.heads, kvHeads: config.kvHeads)
        return y.linear(weight: wo, bias: bo)                                     // (B, T, C)
    }
}

/// The position-wise MLP: GELU, exact or tanh-approximated (gpt2: fc → gelu → proj) or SwiGLU (llama: down(silu(gate·x) ⊙ up·x)).
public final class MLP: Module {
    public let up: Tensor      // (hidden, width): gpt2's c_fc, llama's w3
    public let gate: Tensor?   // (hidden, width): llama's w1
    public let down: Tensor    // (width, hidden): gpt2's c_proj, llama's w2
    public let upBias: Tensor?, downBias: Tensor?  // gpt2 only
    /// GPT-2's tanh approximation of GELU instead of the exact one (`TransformerConfig.geluApproximation`).
    let tanhGELU: Bool

    init(config: TransformerConfig, rng: inout RandomGenerator) {
        let c = config.width, h = config.mlpHidden
        let llama = config.style == .llama
        gate = llama ? Tensor(randomNormal: [h, c], std: 0.02, rng: &rng, requiresGrad: true) : nil
        up = Tensor(randomNormal: [h, c], std: 0.02, rng: &rng, requiresGrad: true)
        down = Tensor(randomNormal: [c, h], std: 0.02 / Float(2 * config.layers).squareRoot(), rng: &rng, requiresGrad: true)
        upBias = llama ? nil : Tensor(zeros: [h], requiresGrad: true)
        downBias = llama ? nil : Tensor(zeros: [c], requiresGrad: true)
        tanhGELU = config.geluApproximation == .tanh
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let hidden: Tensor
        if let gate {
            hidden = x.matmul(gate, transposeB: true).silu() * x.matmul(up, transposeB: true)
        } else {
            hidden = x.linear(weight: up, bias: upBias).gelu(approximate: tanhGELU)
        }
        return hidden.linear(weight: down, bias: downBias)
    }
}
