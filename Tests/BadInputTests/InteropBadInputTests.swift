// Damaged files from the formats models travel in: safetensors (SafetensorsFile), a Hugging Face folder — its
// weights, its config.json and its tokenizer.json — through HFModelFolder, the runtime and the import built from it,
// and ModelHandle; and a gpt2-architecture GGUF as `lmlab export` writes it. Every load gives a typed error naming
// the file or folder, never a crash or a hang. Inputs: hf-llama-bf16 (saved by transformers itself,
// scripts/make-hf-fixtures.py) and a tiny GPT exported at test time by HFExport and GGUFExport with its tokenizer.
import Foundation
import GGUF
import Models
import Safetensors
import Serving
import Tensor
import Tokenizers
import XCTest

final class InteropBadInputTests: XCTestCase {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let transformersFolder = tests.appendingPathComponent("ModelsTests/Fixtures/hf-llama-bf16").path

    func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    /// The 8-byte length and the JSON header of a safetensors file.
    func headerLength(_ safetensors: [UInt8]) -> Int {
        8 + Int(safetensors[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
    }

    func testSafetensorsReader() throws {
        let good = try bytes(Self.transformersFolder + "/model.safetensors")
        let path = try scratchDirectory(self) + "/damaged.safetensors"
        let tally = loadCorrupted(good, header: headerLength(good), sample: 300, path: path, names: path, [
            Loader(name: "SafetensorsFile", allowed: [SafetensorsError.self]) { _ in
                for t in try SafetensorsFile(path: path).tensors { _ = try t.floats() }
            },
        ])
        XCTAssertGreaterThan(tally["SafetensorsFile"]?.errors["SafetensorsError"] ?? 0, headerLength(good))
    }

    /// The folder as transformers saved it (LlamaForCausalLM, bfloat16, no tokenizer): opened, run one token, and
    /// imported as an lmlab GPT — with its weights damaged, then its config.json.
    func testTransformersFolder() throws {
        let folder = try scratchDirectory(self) + "/llama"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let weights = try bytes(Self.transformersFolder + "/model.safetensors")
        let config = try bytes(Self.transformersFolder + "/config.json")
        try Data(weights).write(to: URL(fileURLWithPath: folder + "/model.safetensors"))
        try Data(config).write(to: URL(fileURLWithPath: folder + "/config.json"))
        let open = Loader(name: "HFModelFolder", allowed: [InteropError.self, SafetensorsError.self, RuntimeError.self]) { _ in
            let f = try HFModelFolder(path: folder)
            let runtime = try TransformerRuntime(folder: f)
            _ = try runtime.feed([0], cache: runtime.makeCache(capacity: 2))
            _ = try f.makeGPT()
        }
        XCTAssertNoThrow(try open.load([]), "the good folder opens")
        loadCorrupted(weights, header: headerLength(weights), sample: 200, path: folder + "/model.safetensors", names: folder, [open])
        try Data(weights).write(to: URL(fileURLWithPath: folder + "/model.safetensors"))
        loadCorrupted(config, header: config.count, values: Array("\u{0}9-\"],".utf8), path: folder + "/config.json",
                      names: folder, [open])
    }

    /// A tiny GPT (gpt2 style) with its tokenizer.
    func exportable() throws -> (GPT, BPETokenizer) {
        let tokenizer = try BPETrainer(options: .init(vocabSize: 264, minPairCount: 1))
            .train(String(repeating: "the cat sat on the mat; the dog sat on the log. ", count: 4))
        let config = TransformerConfig(style: .gpt2, vocabSize: tokenizer.vocabSize, contextLength: 8, width: 8,
                                       layers: 1, heads: 2)
        return (GPT(config: config, seed: 4), tokenizer)
    }

    /// What `lmlab export --format hf` writes, through ModelHandle: the weights' header and the tokenizer.json.
    func testExportedFolderThroughModelHandle() throws {
        let (model, tokenizer) = try exportable()
        let folder = try scratchDirectory(self) + "/exported"
        try HFExport.write(model: model, tokenizer: tokenizer, to: folder)
        let open = Loader(name: "ModelHandle", allowed: [InteropError.self, SafetensorsError.self, RuntimeError.self,
                                                         TokenizerError.self]) { _ in
            let m = try ModelHandle(path: folder)
            _ = try m.runtime.feed([0], cache: m.runtime.makeCache(capacity: 2))
        }
        XCTAssertNoThrow(try open.load([]), "the exported folder opens")
        let weights = try bytes(folder + "/model.safetensors")
        loadCorrupted(weights, header: headerLength(weights), sample: 100, path: folder + "/model.safetensors", names: folder, [open])
        try Data(weights).write(to: URL(fileURLWithPath: folder + "/model.safetensors"))
        let tokenizerJSON = try bytes(folder + "/tokenizer.json")
        loadCorrupted(tokenizerJSON, header: 1024, sample: 300, values: Array("\u{0}9-\"],".utf8),
                      path: folder + "/tokenizer.json", names: folder, [open])
    }

    /// What `lmlab export --format gguf` writes for a gpt2-style model (architecture gpt2), through ModelHandle.
    func testExportedGPT2GGUFThroughModelHandle() throws {
        let (model, tokenizer) = try exportable()
        let path = try scratchDirectory(self) + "/exported.gguf"
        try GGUFExport.write(model: model, tokenizer: tokenizer, type: .f32, name: "tiny", to: path)
        let good = try bytes(path)
        let header = try GGUFFile(bytes: good).dataOffset
        let tally = loadCorrupted(good, header: header, sample: 200, path: path, names: path, [
            Loader(name: "ModelHandle", allowed: [GGUFError.self, RuntimeError.self, TokenizerError.self]) { _ in
                let m = try ModelHandle(path: path)
                _ = try m.runtime.feed([0], cache: m.runtime.makeCache(capacity: 2))
            },
        ])
        XCTAssertGreaterThan(tally["ModelHandle"]?.errors["GGUFError"] ?? 0, header)
    }
}
