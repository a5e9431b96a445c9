// The shape of a decoder-only transformer. One value type describes both families lmlab trains:
//   gpt2  — learned absolute positions, LayerNorm with bias, GELU MLP (4×), biases, tied embeddings (Radford 2019)
//   llama — RoPE, RMSNorm, SwiGLU MLP, no biases, optional grouped-query attention (Touvron 2023)
// In JSON (and a checkpoint's attributes) `gelu_approximation` is written only when it is not the default, so a
// config without it — every checkpoint written before it existed — is the exact GELU.

public struct TransformerConfig: Sendable, Codable, Equatable {
    public enum Style: String, Sendable, Codable, CaseIterable {
        case gpt2, llama
    }

    /// Which GELU the gpt2 style's MLP computes, named as PyTorch's `nn.GELU(approximate:)` names them.
    public enum GELUApproximation: String, Sendable, Codable, CaseIterable {
        /// The exact x·Φ(x) = ½x(1 + erf(x/√2)) (Hendrycks & Gimpel 2016); transformers' "gelu".
        case none
        /// ½x(1 + tanh(√(2/π)(x + 0.044715x³))): OpenAI's GPT-2, transformers' "gelu_new", llama.cpp's gpt2 graph.
        case tanh
    }

    /// Block style (see above).
    public var style: Style = .gpt2
    /// Tokens in the vocabulary (rows of the embedding table).
    public var vocabSize: Int = 4096
    /// Longest sequence the model attends over (and the size of the learned position table for gpt2).
    public var contextLength: Int = 128
    /// Model width d: the size of every token's residual-stream vector.
    public var width: Int = 128
    /// Number of transformer blocks.
    public var layers: Int = 4
    /// Attention heads; each has width / heads features.
    public var heads: Int = 4
    /// Key/value heads (grouped-query attention when fewer than `heads`; must divide it).
    public var kvHeads: Int = 4
    /// Hidden size of the MLP: 4·width for gpt2; for llama 8/3·width rounded up to a multiple of 32, which keeps
    /// SwiGLU's three matrices at the parameter count of a 4× GELU MLP (and matches the PyTorch peer harness).
    public var mlpHidden: Int = 512
    /// Dropout probability on attention output, MLP output and embeddings during training.
    public var dropout: Float = 0
    /// ε inside LayerNorm / RMSNorm.
    public var normEps: Float = 1e-5
    /// RoPE base θ (llama style).
    public var ropeTheta: Float = 10000
    /// Output head shares the token-embedding matrix (GPT-2 and the peer harness do; saves vocab·width weights).
    public var tiedEmbeddings: Bool = true
    /// The gpt2 style's GELU: exact (what lmlab trains with) or GPT-2's tanh approximation (what OpenAI's
    /// checkpoints were trained with; they differ by up to ~5e-4 per activation). The llama style uses SwiGLU.
    public var geluApproximation: GELUApproximation = .none

    public var headSize: Int { width / heads }

    public init(style: Style = .gpt2, vocabSize: Int = 4096, contextLength: Int = 128, width: Int = 128,
                layers: Int = 4, heads: Int = 4, kvHeads: Int? = nil, mlpHidden: Int? = nil, dropout: Float = 0,
                normEps: Float = 1e-5, ropeTheta: Float = 10000, tiedEmbeddings: Bool = true,
                geluApproximation: GELUApproximation = .none) {
        self.style = style; self.vocabSize = vocabSize; self.contextLength = contextLength; self.width = width
        self.layers = layers; self.heads = heads; self.kvHeads = kvHeads ?? heads
        self.mlpHidden = mlpHidden ?? TransformerConfig.defaultMLPHidden(style: style, width: width)
        self.dropout = dropout; self.normEps = normEps; self.ropeTheta = ropeTheta; self.tiedEmbeddings = tiedEmbeddings
        self.geluApproximation = geluApproximation
    }

    public static func defaultMLPHidden(style: Style, width: Int) -> Int {
        switch style {
        case .gpt2: return 4 * width
        case .llama: return 32 * ((8 * width / 3 + 31) / 32)
        }
    }

    /// The same shape in the other block style (with that style's default MLP size and activation).
    public func with(style: Style) -> TransformerConfig {
        TransformerConfig(style: style, vocabSize: vocabSize, contextLength: contextLength, width: width,
                          layers: layers, heads: heads, kvHeads: kvHeads, mlpHidden: nil, dropout: dropout,
                          normEps: normEps, ropeTheta: ropeTheta, tiedEmbeddings: tiedEmbeddings,
                          geluApproximation: style == self.style ? geluApproximation : .none)
    }

    /// Checks the numbers fit together; the message names the field and what is expected.
    public func validate() throws {
        func fail(_ s: String) -> ModelError { .invalidConfig(s) }
        guard vocabSize > 0, contextLength > 0, width > 0, layers > 0, heads > 0, mlpHidden > 0 else {
            throw fail("vocab size, context length, width, layers, heads and MLP size must be positive")
        }
        guard width % heads == 0 else { throw fail("width \(width) is not divisible by heads \(heads)") }
        guard kvHeads > 0, heads % kvHeads == 0 else { throw fail("heads \(heads) is not a multiple of KV heads \(kvHeads)") }
        guard style == .gpt2 || headSize % 2 == 0 else { throw fail("RoPE needs an even head size, got \(headSize)") }
        guard dropout >= 0, dropout < 1 else { throw fail("dropout \(dropout) must be in [0, 1)") }
        guard style == .gpt2 || geluApproximation == .none else {
            throw fail("gelu_approximation \(geluApproximation.rawValue) applies to the gpt2 style's GELU; the llama style uses SwiGLU")
        }
    }

    // MARK: presets

    /// A model that trains in minutes on two cores: 4 layers of width 128 over a 4k vocabulary.
    public static let tiny = TransformerConfig(vocabSize: 4096, contextLength: 128, width: 128, layers: 4, heads: 4)
    /// Twice as wide and deep, 8k vocabulary, 256 tokens of context.
    public static let small = TransformerConfig(vocabSize: 8192, contextLength: 256, width: 256, layers: 6, heads: 8)
    /// ~35M parameters: the size a typical "ChatGPT from scratch" course trains on a GPU. Runs here, slowly.
    public static let lecture = TransformerConfig(vocabSize: 16384, contextLength: 512, width: 512, layers: 8, heads: 8)

    public static let presets: [String: TransformerConfig] = ["tiny": tiny, "small": small, "lecture": lecture]
}

extension TransformerConfig {
    enum CodingKeys: String, CodingKey {
        case style, vocabSize, contextLength, width, layers, heads, kvHeads, mlpHidden, dropout, normEps, ropeTheta
        case tiedEmbeddings, geluApproximation
    }

    /// Every field, except the GELU approximation when it is the default (see the top of the file).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(style, forKey: .style); try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(contextLength, forKey: .contextLength); try c.encode(width, forKey: .width)
        try c.encode(layers, forKey: .layers); try c.encode(heads, forKey: .heads); try c.encode(kvHeads, forKey: .kvHeads)
        try c.encode(mlpHidden, forKey: .mlpHidden); try c.encode(dropout, forKey: .dropout)
        try c.encode(normEps, forKey: .normEps); try c.encode(ropeTheta, forKey: .ropeTheta)
        try c.encode(tiedEmbeddings, forKey: .tiedEmbeddings)
        if geluApproximation != .none { try c.encode(geluApproximation, forKey: .geluApproximation) }
    }

    /// Every field; an absent GELU approximation is the exact GELU.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(style: try c.decode(Style.self, forKey: .style), vocabSize: try c.decode(Int.self, forKey: .vocabSize),
                  contextLength: try c.decode(Int.self, forKey: .contextLength), width: try c.decode(Int.self, forKey: .width),
                  layers: try c.decode(Int.self, forKey: .layers), heads: try c.decode(Int.self, forKey: .heads),
                  kvHeads: try c.decode(Int.self, forKey: .kvHeads), mlpHidden: try c.decode(Int.self, forKey: .mlpHidden),
                  dropout: try c.decode(Float.self, forKey: .dropout), normEps: try c.decode(Float.self, forKey: .normEps),
                  ropeTheta: try c.decode(Float.self, forKey: .ropeTheta),
                  tiedEmbeddings: try c.decode(Bool.self, forKey: .tiedEmbeddings),
                  geluApproximation: try c.decodeIfPresent(GELUApproximation.self, forKey: .geluApproximation) ?? .none)
    }
}

public enum ModelError: Error, CustomStringConvertible {
    case invalidConfig(String)
    /// More positions fed than a cache holds: the runtime's own guard. A prompt longer than the context is caught
    /// before any feed, as `DecodingError.promptTooLong` (the one prompt-too-long error).
    case contextOverflow(tokens: Int, context: Int)

    public var description: String {
        switch self {
        case .invalidConfig(let s): return "invalid model configuration: \(s)"
        case .contextOverflow(let n, let c):
            return "\(n) tokens do not fit the model's context of \(c): shorten the prompt or lower --max-tokens"
        }
    }
}
