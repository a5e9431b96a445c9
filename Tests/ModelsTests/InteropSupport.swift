// What the import/export tests share: small models of both styles with weights large enough that every
// nonlinearity matters, an lmlab-trained tokenizer, temporary folders, and running the Python readers in scripts/
// (gguf-py, safetensors + NumPy, tokenizers: implementations lmlab did not write).
import Foundation
import Tensor
import Tokenizers
import XCTest

@testable import Models

enum InteropSupport {
    static let text = "the cat sat on the mat; the dog sat on the log. a cat and a dog met on a mat by a log. "
        + "In 1990 , the album was re @-@ released in Japan ; it sold 12 @,@ 000 copies ."

    /// 300 ids (the tokenizer has 280: the GGUF export pads the rest), 2 layers of width 64.
    static let gpt2 = TransformerConfig(style: .gpt2, vocabSize: 300, contextLength: 32, width: 64, layers: 2, heads: 4)
    /// Grouped-query attention (4 heads, 2 KV heads), an untied head, RoPE base 500 so positions turn fast.
    static let llama = TransformerConfig(style: .llama, vocabSize: 300, contextLength: 32, width: 64, layers: 2, heads: 4,
                                         kvHeads: 2, ropeTheta: 500, tiedEmbeddings: false)

    static func tokenizer() throws -> BPETokenizer {
        try BPETrainer(options: .init(vocabSize: 280, minPairCount: 1)).train(text)
    }

    /// Weights ~ N(0, 0.2²) (gains 1 + N(0, 0.2²)), seeded.
    static func model(_ config: TransformerConfig, seed: UInt64 = 5) -> GPT {
        let model = GPT(config: config, seed: seed)
        var rng = RandomGenerator(seed: seed + 1)
        for (name, t) in model.namedParameters() {
            let gain = name.hasSuffix("Norm.weight")
            for i in 0..<t.count { t.pointer[i] = (gain ? 1 : 0) + 0.2 * rng.nextNormal() }
        }
        return model
    }

    /// The prompts the tests score: the tokenizer's ids of a few texts.
    static func prompts(_ tokenizer: BPETokenizer) -> [[Int32]] {
        ["the cat sat on the mat", "In 1990 , the dog met a log", "a"].map { tokenizer.encode($0, addSpecial: true) }
    }

    /// Logits (positions × vocab) of the float32 runtime built from `gpt`.
    static func logits(_ gpt: GPT, _ ids: [Int32]) throws -> [Float] {
        let runtime = TransformerRuntime(gpt: gpt)
        return try runtime.feed(ids, cache: runtime.makeCache(), allPositions: true)
    }

    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "\(a.count) vs \(b.count) values")
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    static func temporaryDirectory(_ test: XCTestCase) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmlab-interop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir.path
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs `python3 scripts/<script> <arguments>`, skipping the test when a module it needs is missing.
    static func python(_ script: String, _ arguments: [String], needs modules: [String]) throws -> (status: Int32, output: String) {
        for module in modules where run(["python3", "-c", "import \(module)"]).status != 0 {
            throw XCTSkip("the Python package \(module) is not installed: run scripts/setup.sh (or `python3 -m pip install "
                          + "\(module)`) to enable this interoperability test")
        }
        return run(["python3", repository.appendingPathComponent("scripts/" + script).path] + arguments)
    }

    /// Runs a command; its exit status and combined output.
    static func run(_ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (-1, "cannot run \(arguments): \(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func writeJSON(_ object: Any, to path: String) throws {
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
    }

    /// The error `body` throws, or a test failure.
    static func error(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> Error? {
        do { try body() } catch { return error }
        XCTFail("expected an error", file: file, line: line)
        return nil
    }
}
