// Import from a Hugging Face model folder (GPT2LMHeadModel, LlamaForCausalLM, or a nanoGPT state dict saved to
// safetensors): config.json gives the lmlab config (HFConfig.swift), the safetensors files are memory-mapped, and
// each lmlab parameter is converted (F32, F16 or BF16 → float32; GPT-2's Conv1D transposed; Llama's q/k rows put
// back into adjacent RoPE pairs, see HFLayout.swift) straight into the buffer that will hold it — an lmlab GPT's
// tensor (`makeGPT`, for `lmlab import … --out x.h5`) or the runtime's weight arrays (`TransformerRuntime(folder:)`,
// for `--model folder/`). Nothing is read into a second full copy of the model.
//
// Opening checks everything a later read relies on: every tensor the config needs is there with the right shape,
// nothing is left over, and the tokenizer fits the embedding.
import Foundation
import Safetensors
import Tensor
import Tokenizers

public struct HFModelFolder {
    public let path: String
    public let architecture: HFArchitecture
    public let config: TransformerConfig
    /// The folder's tokenizer.json (or the one given to `init`), nil when there is none. It may have fewer tokens
    /// than the model embeds (nanoGPT pads 50257 to 50304); the runtime then prints the others as placeholders.
    public let tokenizer: BPETokenizer?
    /// What lmlab computes differently from the source (e.g. GPT-2's tanh GELU); the CLI prints them on stderr.
    public let warnings: [String]
    let files: [SafetensorsFile]
    /// Tensor name → index in `files`.
    let location: [String: Int]
    /// lmlab parameter → the mapping that holds it and the first row of its part.
    let sources: [String: (mapping: HFTensorMapping, firstRow: Int, part: HFTensorMapping.Part)]

    /// True when `path` is a directory holding a config.json: what `--model` treats as a Hugging Face folder.
    public static func isModelFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
            && FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("config.json"))
    }

    /// Opens `path`. `tokenizer` replaces the folder's own (nanoGPT folders have none; pass the one the token files
    /// were made with).
    public init(path: String, tokenizer override: BPETokenizer? = nil) throws {
        let file = { (name: String) in (path as NSString).appendingPathComponent(name) }
        guard let configData = FileManager.default.contents(atPath: file("config.json")) else {
            throw InteropError.notAModelFolder(path: path, reason: "no readable config.json")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: configData)) as? [String: Any] else {
            throw InteropError.badConfig(file: file("config.json"), field: "(root)", problem: "is not a JSON object")
        }
        self.path = path
        let architecture = try HFConfig.architecture(json, file: file("config.json"))
        self.architecture = architecture
        var (config, warnings) = try HFConfig.config(json, architecture: architecture, file: file("config.json"))
        self.config = config

        // One model.safetensors, or shards listed by model.safetensors.index.json.
        var names = ["model.safetensors"]
        if let index = FileManager.default.contents(atPath: file("model.safetensors.index.json")) {
            guard let map = ((try? JSONSerialization.jsonObject(with: index)) as? [String: Any])?["weight_map"] as? [String: String] else {
                throw InteropError.badConfig(file: file("model.safetensors.index.json"), field: "weight_map", problem: "is not an object of file names")
            }
            names = Array(Set(map.values)).sorted()
        } else if !FileManager.default.fileExists(atPath: file("model.safetensors")) {
            throw InteropError.notAModelFolder(path: path, reason: "no model.safetensors (PyTorch .bin weights: load the "
                + "model in transformers and save_pretrained it, which writes safetensors)")
        }
        let files = try names.map { try SafetensorsFile(path: file($0)) }
        self.files = files
        var location: [String: Int] = [:]
        for (i, f) in files.enumerated() { for name in f.names { location[name] = i } }
        self.location = location

        let mappings = HFLayout.mappings(config, architecture, prefix: Self.prefix(architecture, names: Set(location.keys)),
                                         headName: location["_orig_mod.lm_head.weight"] != nil ? "_orig_mod.lm_head.weight" : "lm_head.weight")
        let located = { (name: String) in location[name].map { files[$0].file } ?? file(names[0]) }
        var sources: [String: (HFTensorMapping, Int, HFTensorMapping.Part)] = [:]
        for m in mappings {
            if let i = location[m.name] {
                let t = try files[i].tensor(m.name)
                guard t.shape == m.shape else {
                    throw InteropError.shapeMismatch(file: files[i].file, tensor: m.name, expected: m.shape, found: t.shape)
                }
                guard SafetensorsDType.floating.contains(t.dtype) else {
                    throw SafetensorsError.unsupportedDType(file: files[i].file, tensor: m.name, dtype: t.dtype.rawValue)
                }
            } else if !m.optional {
                throw InteropError.missingTensor(file: located(m.name), tensor: m.name)
            }
            var row = 0
            for part in m.parts { sources[part.parameter] = (m, row, part); row += part.rows }
        }
        self.sources = sources
        let known = Set(mappings.map(\.name))
        for name in location.keys.sorted() where !known.contains(name) && !Self.ignorable(name, config: config) {
            throw InteropError.unexpectedTensor(file: located(name), tensor: name)
        }

        let found = try override ?? Self.tokenizer(folder: path, config: json)
        if let found, found.vocabSize > config.vocabSize {
            throw InteropError.vocabularyMismatch(file: override == nil ? file("tokenizer.json") : path,
                                                  tokenizer: found.vocabSize, model: config.vocabSize)
        }
        if let found, found.vocabSize < config.vocabSize {
            warnings.append("\(path): the model embeds \(config.vocabSize) ids, its tokenizer has \(found.vocabSize) tokens; "
                            + "ids \(found.vocabSize)… print as placeholders [PAD<id>]")
        }
        tokenizer = found
        self.warnings = warnings
    }

    /// Every tensor of the folder's safetensors files, in file order: name, dtype, shape (outermost first), bytes.
    public var tensors: [(name: String, dtype: String, shape: [Int], bytes: Int)] {
        files.flatMap { f in f.tensors.map { ($0.name, $0.dtype.rawValue, $0.shape, $0.data.count) } }
    }

    /// Reads lmlab parameter `name` (e.g. "blocks.0.attention.wq") in lmlab's layout into `out`.
    public func read(_ name: String, into out: UnsafeMutableBufferPointer<Float>) throws {
        guard let (m, firstRow, part) = sources[name] else {
            preconditionFailure("\(name) is not a parameter of this \(architecture.rawValue) model")
        }
        let columns = m.columns ?? 1
        precondition(out.count == part.rows * columns, "\(name): \(out.count) floats for \(part.rows)×\(columns)")
        guard let i = location[m.name] else {  // an optional tensor the file lacks (nanoGPT without biases)
            out.initialize(repeating: 0)
            return
        }
        let stored = try files[i].tensor(m.name)
        if m.parts.count == 1, !m.transposed, part.ropeHeads == nil {
            try stored.floats(into: out)  // the common case: converted straight into place
            return
        }
        let all = try stored.floats()  // one tensor (e.g. a fused c_attn), not the model
        let rows = m.rows
        func value(_ r: Int, _ c: Int) -> Float { m.transposed ? all[c * rows + r] : all[r * columns + c] }
        let hs = part.ropeHeads.map { part.rows / $0 } ?? 0
        for hfRow in 0..<part.rows {
            // With RoPE permuted rows, HF row r of a head holds lmlab row lmlabRow(r).
            let row = part.ropeHeads == nil ? hfRow : (hfRow / hs) * hs + HFLayout.lmlabRow(forHFRow: hfRow % hs, headSize: hs)
            for c in 0..<columns { out[row * columns + c] = value(firstRow + hfRow, c) }
        }
    }

    /// The parameter as a new array.
    public func values(_ name: String, count: Int) throws -> [Float] {
        try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            try read(name, into: buffer)
            initialized = count
        }
    }

    /// An lmlab GPT with every parameter read from the folder (for `lmlab import … --out x.h5`).
    public func makeGPT() throws -> GPT {
        let model = GPT(config: config, seed: 0)  // its random weights are all overwritten
        for (name, tensor) in model.namedParameters() {
            try read(name, into: tensor.storage.buffer)
        }
        return model
    }

    /// The folder's tokenizer.json, with BOS / EOS from config.json or tokenizer_config.json; nil when it has none.
    /// Reads no weights.
    public static func tokenizer(folder path: String, config: [String: Any]? = nil) throws -> BPETokenizer? {
        let file = { (name: String) in (path as NSString).appendingPathComponent(name) }
        guard let data = FileManager.default.contents(atPath: file("tokenizer.json")) else { return nil }
        let json = config ?? FileManager.default.contents(atPath: file("config.json"))
            .flatMap { (try? JSONSerialization.jsonObject(with: $0)) as? [String: Any] } ?? [:]
        let s = specialTokens(json, tokenizerConfig: FileManager.default.contents(atPath: file("tokenizer_config.json")))
        return try BPETokenizer(huggingFaceJSON: data, path: file("tokenizer.json"), bos: s.bos, eos: s.eos,
                                bosText: s.bosText, eosText: s.eosText)
    }

    /// A tokenizer file of either kind: lmlab's own tokenizer.json ("format": "lmlab-bpe-1", what `lmlab prepare`
    /// writes) or a Hugging Face tokenizer.json.
    public static func tokenizer(file: String) throws -> BPETokenizer {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw TokenizerError.badFile(path: file, reason: "cannot read the file; check the path")
        }
        if let j = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], j["format"] as? String == "lmlab-bpe-1" {
            return try BPETokenizer(json: data, path: file)
        }
        return try BPETokenizer(huggingFaceJSON: data, path: file)
    }

    /// Where the GPT-2 names start: "transformer." (save_pretrained), "" (OpenAI's files), "_orig_mod.transformer."
    /// (a torch.compile'd nanoGPT).
    static func prefix(_ architecture: HFArchitecture, names: Set<String>) -> String? {
        guard architecture != .llama else { return nil }
        return ["transformer.", "", "_orig_mod.transformer."].first { names.contains($0 + "wte.weight") } ?? "transformer."
    }

    /// Tensors that are not weights: GPT-2's causal-mask buffers, Llama's cached RoPE frequencies, and an output
    /// head saved although the config ties it to the embedding.
    static func ignorable(_ name: String, config: TransformerConfig) -> Bool {
        name.hasSuffix(".attn.bias") || name.hasSuffix(".attn.masked_bias") || name.hasSuffix("rotary_emb.inv_freq")
            || (config.tiedEmbeddings && name.hasSuffix("lm_head.weight"))
    }

    /// BOS / EOS as ids from config.json and as texts from tokenizer_config.json ("<|endoftext|>", or an object
    /// whose "content" is the text).
    static func specialTokens(_ config: [String: Any], tokenizerConfig: Data?)
        -> (bos: Int32?, eos: Int32?, bosText: String?, eosText: String?) {
        func id(_ key: String) -> Int32? {
            if let n = config[key] as? NSNumber { return n.int32Value }
            if let list = config[key] as? [NSNumber], let first = list.first { return first.int32Value }
            return nil
        }
        let t = tokenizerConfig.flatMap { (try? JSONSerialization.jsonObject(with: $0)) as? [String: Any] } ?? [:]
        func text(_ key: String) -> String? { t[key] as? String ?? (t[key] as? [String: Any])?["content"] as? String }
        return (id("bos_token_id"), id("eos_token_id"), text("bos_token"), text("eos_token"))
    }
}
