// ModelFileSummary: what a GGUF file holds — architecture, hyper-parameters, tokenizer, metadata and every tensor
// with its type, shape and size (like llama.cpp's gguf-dump) — read from the header without loading a weight; what
// `lmlab info` prints (snake_case fields, as the GGUF keys are named) and a server can list. lmlab's own .h5
// checkpoints are summarized by `Checkpoint.info` (Models).
import GGUF

/// Everything `info` reports, format-independent.
public struct ModelFileSummary: Codable, Sendable {
    public struct Hyperparameters: Codable, Sendable {
        /// Keys without the `<arch>.` prefix, as in GGUF (`attention.head_count`); nil when the file lacks one.
        public var context_length: Int?
        public var embedding_length: Int?
        public var block_count: Int?
        public var feed_forward_length: Int?
        public var head_count: Int?
        public var head_count_kv: Int?
        public var rope_freq_base: Float?
        public var layer_norm_rms_epsilon: Float?
        public var vocab_size: Int?
    }

    public struct Tokenizer: Codable, Sendable {
        /// `tokenizer.ggml.model`: "gpt2" (byte-level BPE), "llama" (SentencePiece)…
        public var model: String?
        /// `tokenizer.ggml.pre`: the pre-tokenizer regex family ("smollm", "llama3"…).
        public var pre: String?
        public var tokens: Int?
        public var has_chat_template: Bool
    }

    public struct Tensor: Codable, Sendable {
        public var name: String
        public var type: String
        /// ggml order: innermost (contiguous) dimension first.
        public var shape: [Int]
        public var bytes: Int
    }

    public var file: String
    public var format: String
    public var architecture: String?
    public var name: String?
    public var hyperparameters: Hyperparameters
    public var tokenizer: Tokenizer
    public var metadata_keys: Int
    public var metadata: [String: String]?
    public var tensors: [Tensor]
    public var parameter_count: Int
    public var tensor_bytes: Int
    /// Number of tensors of each type.
    public var tensor_types: [String: Int]
    /// Kept for the text output (JSON's `metadata` is sorted by key); not encoded.
    private var metadataInOrder: [(String, String)] = []

    enum CodingKeys: String, CodingKey {
        case file, format, architecture, name, hyperparameters, tokenizer, metadata_keys, metadata, tensors,
             parameter_count, tensor_bytes, tensor_types
    }

    public init(gguf f: GGUFFile) {
        let m = f.metadata
        let arch = m.architecture ?? ""
        func key(_ k: String) -> GGUFValue? { m["\(arch).\(k)"] }
        let vocab = key("vocab_size")?.int ?? m["tokenizer.ggml.tokens"]?.array?.count
        file = f.file
        format = "GGUF v\(f.version)"
        architecture = m.architecture
        name = m["general.name"]?.string
        hyperparameters = Hyperparameters(
            context_length: key("context_length")?.int, embedding_length: key("embedding_length")?.int,
            block_count: key("block_count")?.int, feed_forward_length: key("feed_forward_length")?.int,
            head_count: key("attention.head_count")?.int, head_count_kv: key("attention.head_count_kv")?.int,
            rope_freq_base: key("rope.freq_base")?.float,
            layer_norm_rms_epsilon: key("attention.layer_norm_rms_epsilon")?.float, vocab_size: vocab)
        tokenizer = Tokenizer(
            model: m["tokenizer.ggml.model"]?.string, pre: m["tokenizer.ggml.pre"]?.string,
            tokens: m["tokenizer.ggml.tokens"]?.array?.count, has_chat_template: m["tokenizer.chat_template"] != nil)
        metadata_keys = m.count
        metadataInOrder = m.keys.map { ($0, m[$0]?.summary ?? "") }
        metadata = Dictionary(uniqueKeysWithValues: metadataInOrder)
        tensors = f.tensors.map { Tensor(name: $0.name, type: $0.type.name, shape: $0.shape, bytes: $0.byteCount) }
        parameter_count = f.tensors.reduce(0) { $0 + $1.elementCount }
        tensor_bytes = f.tensors.reduce(0) { $0 + $1.byteCount }
        tensor_types = f.tensors.reduce(into: [:]) { $0[$1.type.name, default: 0] += 1 }
    }

    /// The human-readable report.
    public func text(withMetadata: Bool) -> String {
        var lines: [String] = []
        func row(_ label: String, _ value: String) { lines.append(label.padding(toLength: 24, withPad: " ", startingAt: 0) + value) }
        func opt<T>(_ v: T?) -> String { v.map { "\($0)" } ?? "-" }
        row("file", "\(file) (\(format), \(metadata_keys) metadata keys)")
        row("architecture", opt(architecture) + (name.map { "  (\($0))" } ?? ""))
        let h = hyperparameters
        row("context_length", opt(h.context_length))
        row("embedding_length", opt(h.embedding_length))
        row("block_count", opt(h.block_count))
        row("feed_forward_length", opt(h.feed_forward_length))
        row("head_count", opt(h.head_count))
        row("head_count_kv", opt(h.head_count_kv))
        row("rope.freq_base", opt(h.rope_freq_base))
        row("layer_norm_rms_epsilon", opt(h.layer_norm_rms_epsilon))
        row("vocab_size", opt(h.vocab_size))
        row("tokenizer", "\(opt(tokenizer.model)) (pre \(opt(tokenizer.pre))), \(opt(tokenizer.tokens)) tokens, "
            + "chat template: \(tokenizer.has_chat_template ? "yes" : "no")")
        if withMetadata {
            lines.append("")
            lines.append("metadata:")
            for (k, v) in metadataInOrder { lines.append("  " + k.padding(toLength: 40, withPad: " ", startingAt: 0) + " " + v) }
        }
        lines.append("")
        let nameWidth = max(4, tensors.map(\.name.count).max() ?? 0)
        lines.append("    #  " + "name".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  type   " + "shape (ne0 × ne1)".padding(toLength: 18, withPad: " ", startingAt: 0) + "     bytes")
        for (i, t) in tensors.enumerated() {
            let shape = t.shape.map(String.init).joined(separator: " × ")
            lines.append(String(format: "%5d  ", i) + t.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                + t.type.padding(toLength: 5, withPad: " ", startingAt: 0) + "  " + shape.padding(toLength: 18, withPad: " ", startingAt: 0)
                + String(format: "%10d", t.bytes))
        }
        let types = tensor_types.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        lines.append("")
        lines.append("total: \(tensors.count) tensors (\(types)), \(parameter_count) parameters, "
            + String(format: "%.1f MB", Double(tensor_bytes) / 1e6))
        return lines.joined(separator: "\n")
    }
}
