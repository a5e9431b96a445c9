// ModelFileFormat: which kind of file a path holds — the one rule every loader in lmlab follows (the runtime, the
// tokenizer loader, `info`, the serving layer). A directory with a config.json is a Hugging Face model folder;
// for a file, the first bytes decide: GGUF files start with "GGUF"
// (ggml docs/gguf.md), HDF5 files with the signature \x89HDF\r\n\x1a\n (HDF5 File Format Specification, "Format
// Signature"), a tokenizer JSON with "{". A file that cannot be read (or is too short to tell) falls back to its
// extension, lowercased, so the format's own loader reports what is wrong with it.
import Foundation

public enum ModelFileFormat: String, Sendable, CaseIterable {
    /// llama.cpp's GGUF: weights, hyper-parameters, tokenizer and chat template in one file.
    case gguf
    /// lmlab's HDF5 checkpoint (`lmlab train`): a GPT, its training state and (usually) its tokenizer.
    case hdf5
    /// A tokenizer alone: `*.tokenizer.json` from `lmlab tokenizer train` / `lmlab prepare`.
    case tokenizerJSON = "json"
    /// A Hugging Face model folder (config.json, model.safetensors, tokenizer.json), as `save_pretrained` and
    /// `lmlab export --format hf` write it: a directory with a config.json.
    case huggingFace = "hf"

    /// The format of the file at `path`, or `RuntimeError.unknownFormat` naming it.
    public static func of(path: String) throws -> ModelFileFormat {
        if HFModelFolder.isModelFolder(path) { return .huggingFace }
        if let format = sniff(path) { return format }
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "gguf": return .gguf
        case "h5", "hdf5": return .hdf5
        case "json": return .tokenizerJSON
        default: throw RuntimeError.unknownFormat(file: path)
        }
    }

    /// The format by the file's first bytes; nil when it cannot be read or says nothing known.
    static func sniff(_ path: String) -> ModelFileFormat? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 8), !head.isEmpty else { return nil }
        let bytes = [UInt8](head)
        if bytes.starts(with: Array("GGUF".utf8)) { return .gguf }
        if bytes.starts(with: [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]) { return .hdf5 }
        if let first = bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }), first == UInt8(ascii: "{") {
            return .tokenizerJSON
        }
        return nil
    }
}
