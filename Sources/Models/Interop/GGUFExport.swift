// Export to GGUF, the file llama.cpp (and Ollama, LM Studio) run, with the keys and tensor names llama.cpp's loader
// requires (src/llama-model.cpp, src/models/{llama,gpt2}.cpp, src/llama-vocab.cpp):
//
//   general.architecture "llama" | "gpt2", general.name, general.file_type (llama_ftype), general.quantization_version
//   <arch>.context_length, embedding_length, block_count, feed_forward_length     (UINT32)
//   <arch>.attention.head_count, head_count_kv                                    (UINT32)
//   llama.attention.layer_norm_rms_epsilon, llama.rope.freq_base (FLOAT32), llama.rope.dimension_count
//   gpt2.attention.layer_norm_epsilon (FLOAT32)
//   tokenizer.ggml.model "gpt2" (byte-level BPE), .pre "gpt-2" (the regex lmlab's BPE splits with), .tokens,
//   .token_type, .merges, .bos/.eos/.eot_token_id, .add_bos_token, .add_eos_token
//
//   llama: token_embd, blk.N.{attn_norm, attn_q, attn_k, attn_v, attn_output, ffn_norm, ffn_gate, ffn_up, ffn_down},
//          output_norm, output (only when untied). lmlab's RoPE already pairs adjacent features, as GGUF does, so
//          q and k are written as they are (Hugging Face's rotate_half layout is the one that needs a permutation).
//   gpt2:  token_embd, position_embd, blk.N.{attn_norm, attn_qkv, attn_output, ffn_norm, ffn_up, ffn_down} each
//          with .weight and .bias (q, k and v fused into attn_qkv, rows [q | k | v]), output_norm, output.
//
// Matrices are written in the requested type (F32, F16, Q8_0, Q4_0, quantized by lmlab's own `quantize`); norms and
// biases stay F32, as llama.cpp's converter keeps them, and so does the position table in quantized files (F16 in an
// F16 file). A matrix whose rows are not whole 32-value blocks falls back to F16.
import GGUF
import Tensor
import Tokenizers

public enum GGUFExport {
    /// The tensor types `lmlab export --type` offers.
    public static let types: [GGMLType] = [.f32, .f16, .q8_0, .q4_0]

    /// Writes `model` with `tokenizer` to `path` (atomically), matrices in `type`. `name` becomes general.name.
    public static func write(model: GPT, tokenizer: BPETokenizer, type: GGMLType, name: String, to path: String) throws {
        try writer(model: model, tokenizer: tokenizer, type: type, name: name).write(to: path)
    }

    /// The file's content, ready to write.
    public static func writer(model: GPT, tokenizer: BPETokenizer, type: GGMLType, name: String) throws -> GGUFWriter {
        precondition(types.contains(type), "GGUF export: \(type) is not one of \(types)")
        let c = model.config
        guard tokenizer.vocabSize <= c.vocabSize else {
            throw InteropError.vocabularyMismatch(file: name, tokenizer: tokenizer.vocabSize, model: c.vocabSize)
        }
        if let d = tokenizer.duplicatePieces.first {
            throw InteropError.cannotExport(format: "GGUF", reason: "tokens \(d.first) and \(d.second) are both "
                + "\"\(tokenizer.pieces[Int(d.first)])\"; llama.cpp finds a merge's result by its text — retrain the tokenizer")
        }
        let arch = c.style == .gpt2 ? "gpt2" : "llama"
        var w = GGUFWriter()
        w.set("general.architecture", .string(arch))
        w.set("general.type", .string("model"))
        w.set("general.name", .string(name))
        w.set("general.file_type", .uint32(fileType(type)))
        if type.blockSize > 1 { w.set("general.quantization_version", .uint32(2)) }
        w.set("general.lmlab_version", .string(Checkpoint.lmlabVersion))
        func u32(_ key: String, _ v: Int) { w.set("\(arch).\(key)", .uint32(UInt32(v))) }
        u32("context_length", c.contextLength)
        u32("embedding_length", c.width)
        u32("block_count", c.layers)
        u32("feed_forward_length", c.mlpHidden)
        u32("attention.head_count", c.heads)
        u32("attention.head_count_kv", c.kvHeads)
        if c.style == .llama {
            w.set("llama.attention.layer_norm_rms_epsilon", .float32(c.normEps))
            w.set("llama.rope.freq_base", .float32(c.ropeTheta))
            u32("rope.dimension_count", c.headSize)
            u32("vocab_size", c.vocabSize)
        } else {
            w.set("gpt2.attention.layer_norm_epsilon", .float32(c.normEps))
        }
        try writeTokenizer(tokenizer, vocabSize: c.vocabSize, into: &w)
        try writeTensors(model, type: type, into: &w)
        return w
    }

    /// llama.cpp's `llama_ftype` for a file whose matrices are `type`.
    static func fileType(_ type: GGMLType) -> UInt32 {
        switch type {
        case .f32: return 0   // LLAMA_FTYPE_ALL_F32
        case .f16: return 1   // LLAMA_FTYPE_MOSTLY_F16
        case .q4_0: return 2  // LLAMA_FTYPE_MOSTLY_Q4_0
        default: return 7     // LLAMA_FTYPE_MOSTLY_Q8_0
        }
    }

    /// The byte-level BPE as `tokenizer.ggml.*`. A model that embeds more ids than the tokenizer has gets
    /// placeholder tokens "[PAD<id>]" of type unused (as llama.cpp's converter pads), so every row has a token.
    static func writeTokenizer(_ tokenizer: BPETokenizer, vocabSize: Int, into w: inout GGUFWriter) throws {
        let t = try tokenizer.padded(to: vocabSize)
        let tokens = t.pieces, types = t.tokenTypes.map(\.rawValue)
        w.set("tokenizer.ggml.model", .string("gpt2"))
        // llama.cpp names GPT-2's regex "gpt-2"; other lmlab pre-tokenizers carry llama.cpp's names already.
        w.set("tokenizer.ggml.pre", .string(t.preTokenizer.rules == [.gpt2] ? "gpt-2" : t.preTokenizer.name))
        w.set("tokenizer.ggml.tokens", .array(.string, tokens.map { .string($0) }))
        w.set("tokenizer.ggml.token_type", .array(.int32, types.map { .int32($0) }))
        w.set("tokenizer.ggml.merges", .array(.string, t.merges.map { .string(t.pieces[Int($0.left)] + " " + t.pieces[Int($0.right)]) }))
        let ids = t.specialIDs
        for (key, id) in [("bos", ids.bos), ("eos", ids.eos), ("eot", ids.eot), ("unknown", ids.unk), ("padding", ids.pad)] {
            if let id { w.set("tokenizer.ggml.\(key)_token_id", .uint32(UInt32(id))) }
        }
        w.set("tokenizer.ggml.add_bos_token", .bool(t.addBOS))
        w.set("tokenizer.ggml.add_eos_token", .bool(t.addEOS))
    }

    /// Every weight under its GGUF name, in llama.cpp's order.
    static func writeTensors(_ model: GPT, type: GGMLType, into w: inout GGUFWriter) throws {
        let c = model.config
        func values(_ t: Tensor, _ name: String) throws -> [Float] {
            let v = t.scalars
            guard v.allSatisfy(\.isFinite) else { throw InteropError.nonFinite(tensor: name) }
            return v
        }
        /// A (rows, cols) matrix: ggml shape [cols, rows], in `type` when its rows are whole blocks, else F16.
        func matrix(_ name: String, _ parts: [Tensor]) throws {
            let cols = parts[0].shape[1], rows = parts.reduce(0) { $0 + $1.shape[0] }
            let v = try parts.flatMap { try values($0, name) }
            let t = cols % type.blockSize == 0 ? type : .f16
            w.addTensor(name, shape: [cols, rows], type: t, bytes: quantize(v, as: t))
        }
        /// A vector (norm gains, biases): always F32.
        func vector(_ name: String, _ parts: [Tensor]) throws {
            let v = try parts.flatMap { try values($0, name) }
            w.addTensor(name, shape: [v.count], type: .f32, bytes: quantize(v, as: .f32))
        }
        func norm(_ prefix: String, _ n: Norm) throws {
            try vector(prefix + ".weight", [n.weight])
            if let bias = n.bias { try vector(prefix + ".bias", [bias]) }
        }
        try matrix("token_embd.weight", [model.tokenEmbedding])
        if let positions = model.positionEmbedding {
            let v = try values(positions, "position_embd.weight")
            let t: GGMLType = type == .f16 ? .f16 : .f32
            w.addTensor("position_embd.weight", shape: [c.width, c.contextLength], type: t, bytes: quantize(v, as: t))
        }
        for (i, b) in model.blocks.enumerated() {
            let p = "blk.\(i)."
            let a = b.attention
            try norm(p + "attn_norm", b.attentionNorm)
            if c.style == .gpt2 {
                try matrix(p + "attn_qkv.weight", [a.wq, a.wk, a.wv])
                try vector(p + "attn_qkv.bias", [a.bq!, a.bk!, a.bv!])
                try matrix(p + "attn_output.weight", [a.wo])
                try vector(p + "attn_output.bias", [a.bo!])
                try norm(p + "ffn_norm", b.mlpNorm)
                try matrix(p + "ffn_up.weight", [b.mlp.up])
                try vector(p + "ffn_up.bias", [b.mlp.upBias!])
                try matrix(p + "ffn_down.weight", [b.mlp.down])
                try vector(p + "ffn_down.bias", [b.mlp.downBias!])
            } else {
                try matrix(p + "attn_q.weight", [a.wq])
                try matrix(p + "attn_k.weight", [a.wk])
                try matrix(p + "attn_v.weight", [a.wv])
                try matrix(p + "attn_output.weight", [a.wo])
                try norm(p + "ffn_norm", b.mlpNorm)
                try matrix(p + "ffn_gate.weight", [b.mlp.gate!])
                try matrix(p + "ffn_up.weight", [b.mlp.up])
                try matrix(p + "ffn_down.weight", [b.mlp.down])
            }
        }
        try norm("output_norm", model.finalNorm)
        if let head = model.outputHead { try matrix("output.weight", [head]) }
    }
}
