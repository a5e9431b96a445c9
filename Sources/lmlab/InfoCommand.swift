// `lmlab info FILE`: what a checkpoint holds — architecture, hyper-parameters, tokenizer, and every tensor with its
// type, shape and size (like llama.cpp's gguf-dump). `--json` prints the same as one JSON object.
//
// The file's format (ModelFileFormat: its first bytes) decides: GGUF files fill a `ModelFileSummary` (Serving);
// lmlab's own `.h5` checkpoints are described by `printCheckpointInfo` (config, parameters, training progress, file
// size).
import ArgumentParser
import Foundation
import GGUF
import Models
import Serving

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a checkpoint: architecture, hyper-parameters, tokenizer and tensors.",
        discussion: "Reads GGUF files (llama.cpp's format, versions 2 and 3) and lmlab's HDF5 checkpoints (.h5). Example: lmlab info checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf")

    @Argument(help: "The checkpoint to describe (.gguf or .h5).")
    var file: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Flag(help: "Also list every metadata key with its value (long arrays summarized).")
    var metadata = false

    func run() throws {
        let format = try? ModelFileFormat.of(path: file)
        if format == .hdf5 {
            try runOrExit { try printCheckpointInfo(path: file, json: json) }
            return
        }
        guard format == .gguf || format == .huggingFace else { throw InfoError.unsupportedFormat(file) }
        let info = format == .gguf
            ? try ModelFileSummary(gguf: GGUFFile(path: file))
            : try runOrExit { ModelFileSummary(folder: try HFModelFolder(path: file)) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(info), as: UTF8.self))
        } else {
            print(info.text(withMetadata: metadata))
        }
    }
}

/// A checkpoint format `info` cannot read.
enum InfoError: Error, CustomStringConvertible {
    case unsupportedFormat(String)

    var description: String {
        switch self {
        case let .unsupportedFormat(path):
            return "\(path): unknown checkpoint format (extension \".\(URL(fileURLWithPath: path).pathExtension)\"); "
                + "lmlab info reads .gguf files, lmlab's .h5 checkpoints and Hugging Face model folders"
        }
    }
}
