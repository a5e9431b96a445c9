// Export to a Hugging Face model folder, the layout `save_pretrained` writes and `from_pretrained` reads:
//
//   config.json              GPT2LMHeadModel (gpt2 style) or LlamaForCausalLM (llama style), see HFConfig.swift
//   model.safetensors        every weight as float32, named and shaped as transformers expects (HFLayout.swift)
//   generation_config.json   BOS / EOS ids
//   tokenizer.json           the byte-level BPE (BPETokenizer+HuggingFace.swift)
//   tokenizer_config.json    PreTrainedTokenizerFast, its special tokens, the context length
//
// Each file is written to a temporary name and renamed, config.json last, so a folder with a config.json has the
// weights that belong to it.
import Foundation
import Safetensors
import Tensor
import Tokenizers

public enum HFExport {
    /// Writes `model` and `tokenizer` into `folder` (created if needed).
    public static func write(model: GPT, tokenizer: BPETokenizer, to folder: String) throws {
        let c = model.config
        let architecture: HFArchitecture = c.style == .gpt2 ? .gpt2 : .llama
        if c.style == .gpt2, c.kvHeads != c.heads {
            throw InteropError.cannotExport(format: "GPT2LMHeadModel", reason: "GPT-2 has no grouped-query attention, but the "
                + "model has \(c.kvHeads) KV heads for \(c.heads) heads")
        }
        guard tokenizer.vocabSize <= c.vocabSize else {
            throw InteropError.vocabularyMismatch(file: folder, tokenizer: tokenizer.vocabSize, model: c.vocabSize)
        }
        let tokenizerJSON = try tokenizer.huggingFaceJSON()
        let safetensors = try weights(model, architecture)
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw InteropError.cannotWrite(path: folder, reason: error.localizedDescription)
        }
        let file = { (name: String) in (folder as NSString).appendingPathComponent(name) }
        do {
            try safetensors.write(to: file("model.safetensors"))
        } catch {
            throw InteropError.cannotWrite(path: file("model.safetensors"), reason: "\(error)")
        }
        let ids = tokenizer.specialIDs
        try writeText(tokenizerJSON, to: file("tokenizer.json"))
        try writeJSON(tokenizerConfig(tokenizer, contextLength: c.contextLength), to: file("tokenizer_config.json"))
        var generation: [String: Any] = ["_from_model_config": true]
        if let bos = ids.bos { generation["bos_token_id"] = Int(bos) }
        if let eos = ids.eos { generation["eos_token_id"] = Int(eos) }
        try writeJSON(generation, to: file("generation_config.json"))
        try writeJSON(HFConfig.json(c, architecture: architecture, bos: ids.bos, eos: ids.eos), to: file("config.json"))
    }

    /// The safetensors content: each mapped tensor assembled from lmlab's parameters.
    static func weights(_ model: GPT, _ architecture: HFArchitecture) throws -> SafetensorsWriter {
        let parameters = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor) })
        var writer = SafetensorsWriter()
        for m in HFLayout.mappings(model.config, architecture) {
            var rows: [Float] = []  // (Σ rows, columns): the parts stacked, in HF row order
            rows.reserveCapacity(m.rows * (m.columns ?? 1))
            for part in m.parts {
                guard let tensor = parameters[part.parameter] else {
                    preconditionFailure("HFLayout names \(part.parameter), which GPT does not have")
                }
                let values = tensor.scalars
                guard values.allSatisfy(\.isFinite) else { throw InteropError.nonFinite(tensor: part.parameter) }
                if let heads = part.ropeHeads {
                    let cols = m.columns!, hs = part.rows / heads
                    for h in 0..<heads {
                        for r in 0..<hs {
                            let source = (h * hs + HFLayout.lmlabRow(forHFRow: r, headSize: hs)) * cols
                            rows += values[source..<(source + cols)]
                        }
                    }
                } else {
                    rows += values
                }
            }
            writer.add(m.name, shape: m.shape, values: m.transposed ? transpose(rows, rows: m.rows, columns: m.columns!) : rows)
        }
        return writer
    }

    /// (rows, columns) → (columns, rows), row-major.
    static func transpose(_ x: [Float], rows: Int, columns: Int) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        for r in 0..<rows { for c in 0..<columns { y[c * rows + r] = x[r * columns + c] } }
        return y
    }

    static func tokenizerConfig(_ tokenizer: BPETokenizer, contextLength: Int) -> [String: Any] {
        var j: [String: Any] = [
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": contextLength,
            "clean_up_tokenization_spaces": false,
            "add_prefix_space": false,
            "add_bos_token": tokenizer.addBOS,
            "add_eos_token": tokenizer.addEOS,
        ]
        let ids = tokenizer.specialIDs
        if let bos = ids.bos { j["bos_token"] = tokenizer.pieces[Int(bos)] }
        if let eos = ids.eos { j["eos_token"] = tokenizer.pieces[Int(eos)] }
        if let unk = ids.unk { j["unk_token"] = tokenizer.pieces[Int(unk)] }
        if let pad = ids.pad { j["pad_token"] = tokenizer.pieces[Int(pad)] }
        return j
    }

    static func writeJSON(_ object: [String: Any], to path: String) throws {
        let data: Data
        do {
            data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        } catch {
            throw InteropError.cannotWrite(path: path, reason: error.localizedDescription)
        }
        try writeText(String(decoding: data, as: UTF8.self) + "\n", to: path)
    }

    static func writeText(_ text: String, to path: String) throws {
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw InteropError.cannotWrite(path: path, reason: error.localizedDescription)
        }
    }
}
