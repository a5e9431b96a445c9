// `lmlab export CHECKPOINT.h5 --format gguf|hf --out PATH`: a trained lmlab model in the formats other tools run —
// GGUF for llama.cpp / Ollama / LM Studio (Models/Interop/GGUFExport.swift), a Hugging Face folder for transformers
// (Models/Interop/HFExport.swift). The tokenizer travels with the weights.
import ArgumentParser
import Foundation
import GGUF
import Tensor
import Models

struct Export: ParsableCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable { case gguf, hf }

    static let configuration = CommandConfiguration(
        abstract: "Export an lmlab checkpoint as GGUF (llama.cpp) or as a Hugging Face folder (transformers).",
        discussion: """
            Examples:
              lmlab export checkpoints/lessons-tiny.h5 --format gguf --type q8_0 --out checkpoints/lessons-tiny.q8_0.gguf
              lmlab export checkpoints/lessons-tiny.h5 --format hf --out checkpoints/lessons-tiny-hf
            The gpt2 style becomes GGUF architecture gpt2 / GPT2LMHeadModel, the llama style llama / LlamaForCausalLM.
            """)

    @Argument(help: "The lmlab checkpoint (.h5) to export; it must carry its tokenizer.")
    var checkpoint: String

    @Option(help: "gguf (one file for llama.cpp) or hf (a folder for transformers: config.json, model.safetensors, tokenizer.json…).")
    var format: Format

    @Option(help: "GGUF matrix type: f32, f16, q8_0 or q4_0 (norms and biases stay f32).")
    var type = "f32"

    @Option(help: "The .gguf file or the folder to write.")
    var out: String

    @Option(help: "general.name in the GGUF file (default: the checkpoint's file name).")
    var name: String?

    @OptionGroup var output: JSONOption

    var ggmlType: GGMLType? { GGMLType(name: type).flatMap { GGUFExport.types.contains($0) ? $0 : nil } }

    func validate() throws {
        guard ggmlType != nil else {
            throw ValidationError("--type \(type) is not one of " + GGUFExport.types.map { $0.name.lowercased() }.joined(separator: ", "))
        }
        if format == .hf, type.lowercased() != "f32" {
            throw ValidationError("--type applies to --format gguf; a Hugging Face export is float32")
        }
    }

    func run() throws {
        let report = try runOrExit { () throws -> Report in
            let loaded = try Checkpoint.load(path: checkpoint)
            guard let tokenizer = loaded.tokenizer else { throw InteropError.noTokenizer(checkpoint: checkpoint) }
            let modelName = name ?? URL(fileURLWithPath: checkpoint).deletingPathExtension().lastPathComponent
            switch format {
            case .gguf: try GGUFExport.write(model: loaded.model, tokenizer: tokenizer, type: ggmlType!, name: modelName, to: out)
            case .hf: try HFExport.write(model: loaded.model, tokenizer: tokenizer, to: out)
            }
            let c = loaded.config
            return Report(out: out, format: format.rawValue, architecture: format == .gguf
                            ? c.style.rawValue : (c.style == .gpt2 ? "GPT2LMHeadModel" : "LlamaForCausalLM"),
                          type: format == .gguf ? ggmlType!.name : "F32", parameters: loaded.model.parameterCount,
                          tokens: tokenizer.vocabSize, bytes: Self.size(of: out))
        }
        if output.json {
            try printJSON(report)
        } else {
            print("wrote \(report.out): \(report.architecture), \(report.type), \(grouped(report.parameters)) parameters, "
                  + "\(report.tokens) tokens, \(byteCount(report.bytes))")
        }
    }

    struct Report: Encodable {
        var out: String
        var format: String
        var architecture: String
        var type: String
        var parameters: Int
        var tokens: Int
        var bytes: Int
    }

    /// Bytes of a file, or of the files in a folder.
    static func size(of path: String) -> Int {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else { return 0 }
        let files = isDirectory.boolValue ? ((try? fm.contentsOfDirectory(atPath: path)) ?? []).map { (path as NSString).appendingPathComponent($0) } : [path]
        return files.reduce(0) { $0 + ((try? fm.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
    }
}
