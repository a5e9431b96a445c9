// The shape of a decoder-only transformer. One value type describes both families lmlab trains:
//   gpt2  — learned absolute positions, LayerNorm with bias, GELU MLP (4×), biases, tied embeddings (Radford 2019)
//   llama — RoPE, RMSNorm, SwiGLU MLP, no biases, optional grouped-query attention (Touvron 2023)

public struct TransformerConfig: Sendable, Codable, Equatable {
    public enum Style: String, Sendable, Codable, CaseIterable {
        case gpt2, llama
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

    public var headSize: Int { width / heads }

    public init(style: Style = .gpt2, vocabSize: Int = 4096, contextLength: Int = 128, width: Int = 128,
                layers: Int = 4, heads: Int = 4, kvHeads: Int? = nil, mlpHidden: Int? = nil, dropout: Float = 0,
                normEps: Float = 1e-5, ropeTheta: Float = 10000, tiedEmbeddings: Bool = true) {
        self.style = style; self.vocabSize = vocabSize; self.contextLength = contextLength; self.width = width
        self.layers = layers; self.heads = heads; self.kvHeads = kvHeads ?? heads
        self.mlpHidden = mlpHidden ?? TransformerConfig.defaultMLPHidden(style: style, width: width)
        self.dropout = dropout; self.normEps = normEps; self.ropeTheta = ropeTheta; self.tiedEmbeddings = tiedEmbeddings
    }

    public static func defaultMLPHidden(style: Style, width: Int) -> Int {
        switch style {
        case .gpt2: return 4 * width
        case .llama: return 32 * ((8 * width / 3 + 31) / 32)
        }
    }

    /// The same shape in the other block style (with that style's default MLP size).
    public func with(style: Style) -> TransformerConfig {
        TransformerConfig(style: style, vocabSize: vocabSize, contextLength: contextLength, width: width,
                          layers: layers, heads: heads, kvHeads: kvHeads, mlpHidden: nil, dropout: dropout,
                          normEps: normEps, ropeTheta: ropeTheta, tiedEmbeddings: tiedEmbeddings)
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
