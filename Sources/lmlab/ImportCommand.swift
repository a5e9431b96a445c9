// `lmlab import FOLDER --out CHECKPOINT.h5`: a Hugging Face model folder (GPT2LMHeadModel, LlamaForCausalLM, or a
// nanoGPT state dict saved as safetensors) as an lmlab checkpoint, so the lessons' commands run on it. Every command
// that takes `--model` also runs such a folder directly (Models/Interop/HFImport.swift).
import ArgumentParser
import Foundation
import Models
import Tokenizers

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a Hugging Face model folder (safetensors) as an lmlab checkpoint.",
        discussion: """
            Example: lmlab import checkpoints/lessons-tiny-hf --out checkpoints/lessons-tiny-back.h5
            Reads float32, float16 and bfloat16 safetensors. A folder without tokenizer.json (a nanoGPT export) needs
            --tokenizer: the tokenizer its token files were made with (lmlab's tokenizer.json or a Hugging Face one).
            """)

    @Argument(help: "The folder: config.json, model.safetensors (or shards), tokenizer.json.")
    var folder: String

    @Option(help: "The .h5 checkpoint to write.")
    var out: String

    @Option(help: "Tokenizer file to use instead of the folder's (an lmlab or Hugging Face tokenizer.json).")
    var tokenizer: String?

    @OptionGroup var output: JSONOption

    func run() throws {
        let report = try runOrExit { () throws -> Report in
            let override = try tokenizer.map { try HFModelFolder.tokenizer(file: $0) }
            let source = try HFModelFolder(path: folder, tokenizer: override)
            source.warnings.forEach { printToStandardError("warning: " + $0) }
            if source.tokenizer == nil {
                printToStandardError("warning: \(folder) has no tokenizer.json; the checkpoint will have none (pass --tokenizer)")
            }
            let model = try source.makeGPT()
            try Checkpoint.save(to: out, model: model, tokenizer: source.tokenizer)
            let c = source.config
            return Report(out: out, source: source.architecture.rawValue, style: c.style.rawValue, layers: c.layers,
                          width: c.width, parameters: model.parameterCount, tokens: source.tokenizer?.vocabSize)
        }
        if output.json {
            try printJSON(report)
        } else {
            print("wrote \(report.out): \(report.style) style from \(report.source), \(report.layers) layers × width "
                  + "\(report.width), \(grouped(report.parameters)) parameters, "
                  + (report.tokens.map { "tokenizer \($0) tokens" } ?? "no tokenizer"))
        }
    }

    struct Report: Encodable {
        var out: String
        var source: String
        var style: String
        var layers: Int
        var width: Int
        var parameters: Int
        var tokens: Int?
    }
}
