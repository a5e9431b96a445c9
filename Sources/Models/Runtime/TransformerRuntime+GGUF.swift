// Loading a GGUF llama file (ggml docs/gguf.md; llama.cpp's LLM_ARCH_LLAMA) into the runtime. Matrices stay in
// their quantized blocks inside the file mapping; only the norm gains (float32 vectors) are copied.
//   llama.{context_length, embedding_length, block_count, feed_forward_length}
//   llama.attention.{head_count, head_count_kv, layer_norm_rms_epsilon}, llama.rope.freq_base
//   llama.rope.scaling.{type, factor} and the tensor rope_freqs.weight (Llama 3.1's per-frequency factors)
//   token_embd, blk.N.{attn_norm, attn_q, attn_k, attn_v, attn_output, ffn_norm, ffn_gate, ffn_up, ffn_down},
//   output_norm, output (absent when tied to token_embd)
import GGUF
import Tokenizers

extension TransformerRuntime {
    /// Loads the llama- (or gpt2-, see +GGUFGPT2) architecture model of `file`, with the tokenizer its metadata
    /// describes.
    public convenience init(gguf file: GGUFFile) throws {
        let arch = file.metadata.architecture ?? "(none)"
        if arch == "gpt2" { try self.init(gpt2: file); return }
        guard arch == "llama" else { throw RuntimeError.unsupportedArchitecture(file: file.file, architecture: arch) }
        func int(_ key: String, default value: Int? = nil) throws -> Int {
            if let value, file.metadata["llama." + key] == nil { return value }
            return try file.int("llama." + key)
        }
        let embedding = try file.tensor("token_embd.weight")
        let width = try int("embedding_length"), heads = try int("attention.head_count")
        let theta = file.metadata["llama.rope.freq_base"]?.float ?? 10000
        let config = TransformerConfig(
            style: .llama, vocabSize: embedding.rows, contextLength: try int("context_length"), width: width,
            layers: try int("block_count"), heads: heads, kvHeads: try int("attention.head_count_kv", default: heads),
            mlpHidden: try int("feed_forward_length"),
            normEps: file.metadata["llama.attention.layer_norm_rms_epsilon"]?.float ?? 1e-5,
            ropeTheta: theta, tiedEmbeddings: (try? file.tensor("output.weight")) == nil)
        try config.validate()

        func matrix(_ name: String, _ rows: Int, _ cols: Int) throws -> WeightMatrix {
            let t = try file.tensor(name)
            guard t.shape == [cols, rows] else {
                throw RuntimeError.badShape(file: file.file, tensor: name, expected: [cols, rows], found: t.shape)
            }
            return .quantized(t)
        }
        func vector(_ name: String, _ n: Int) throws -> [Float] {
            let t = try file.tensor(name)
            guard t.elementCount == n else {
                throw RuntimeError.badShape(file: file.file, tensor: name, expected: [n], found: t.shape)
            }
            return try t.dequantized()
        }
        let (d, hs, hidden) = (width, config.headSize, config.mlpHidden)
        let layers = try (0..<config.layers).map { i in
            let p = "blk.\(i)."
            return RuntimeLayer(
                attentionNorm: NormWeights(weight: try vector(p + "attn_norm.weight", d)),
                wq: try matrix(p + "attn_q.weight", heads * hs, d),
                wk: try matrix(p + "attn_k.weight", config.kvHeads * hs, d),
                wv: try matrix(p + "attn_v.weight", config.kvHeads * hs, d),
                wo: try matrix(p + "attn_output.weight", d, heads * hs),
                mlpNorm: NormWeights(weight: try vector(p + "ffn_norm.weight", d)),
                gate: try matrix(p + "ffn_gate.weight", hidden, d),
                up: try matrix(p + "ffn_up.weight", hidden, d),
                down: try matrix(p + "ffn_down.weight", d, hidden))
        }
        let tokenEmbedding = try matrix("token_embd.weight", config.vocabSize, d)
        let outputHead = config.tiedEmbeddings ? tokenEmbedding : try matrix("output.weight", config.vocabSize, d)

        // Long-context RoPE: per-frequency divisors (Llama 3.1) and/or linear position scaling.
        let factors = (try? file.tensor("rope_freqs.weight")) != nil ? try vector("rope_freqs.weight", hs / 2) : nil
        let scaling = file.metadata["llama.rope.scaling.type"]?.string ?? "none"
        guard ["none", "linear"].contains(scaling) else {
            throw RuntimeError.unsupportedRoPE(file: file.file, reason: "rope.scaling.type \"\(scaling)\" is not implemented")
        }
        let rotated = try int("rope.dimension_count", default: hs)
        guard rotated == hs else {
            throw RuntimeError.unsupportedRoPE(file: file.file, reason: "RoPE over \(rotated) of \(hs) head features (partial rotary)")
        }
        let linear = scaling == "linear"
        let scale = linear ? 1 / Double(file.metadata["llama.rope.scaling.factor"]?.float ?? 1) : 1
        let rope = RoPEFrequencies(headSize: hs, theta: theta, factors: factors, positionScale: scale)

        let tokenizer = try file.tokenizer()
        self.init(config: config, tokenEmbedding: tokenEmbedding, positionEmbedding: nil, layers: layers,
                  finalNorm: NormWeights(weight: try vector("output_norm.weight", d)), outputHead: outputHead,
                  rope: rope, specialTokens: tokenizer.specialIDs, tokenizer: tokenizer)
    }

    /// Loads `path`: a GGUF file, an lmlab HDF5 checkpoint or a Hugging Face model folder (ModelFileFormat decides
    /// which; what a folder's config makes lmlab compute differently goes to stderr).
    public static func load(path: String) throws -> TransformerRuntime {
        switch try ModelFileFormat.of(path: path) {
        case .gguf:
            return try TransformerRuntime(gguf: GGUFFile(path: path))
        case .huggingFace:
            let folder = try HFModelFolder(path: path)
            folder.warnings.forEach { printToStandardError("warning: " + $0) }
            return try TransformerRuntime(folder: folder)
        case .hdf5:
            let checkpoint = try Checkpoint.load(path: path)
            return TransformerRuntime(gpt: checkpoint.model, tokenizer: checkpoint.tokenizer)
        case .tokenizerJSON:
            throw RuntimeError.unknownFormat(file: path)
        }
    }
}
