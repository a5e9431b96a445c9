// `lmlab tokenizer train` and `lmlab tokenize`: learn a byte-level BPE on a corpus, and look at how text splits.
import ArgumentParser
import Foundation
import Models
import Serving
import Tokenizers

/// `lmlab tokenizer …`
struct TokenizerGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizer", abstract: "Train byte-level BPE tokenizers.", subcommands: [TokenizerTrain.self])
}

/// `lmlab tokenizer train --input corpora/wikitext-2/train.txt --vocab-size 4096 --out checkpoints/wikitext2-4k.tokenizer.json`
struct TokenizerTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Learn byte-level BPE merges (GPT-2 style) from a text file.")

    @Option(help: "UTF-8 text file to learn from.")
    var input: String
    @Option(help: "Final vocabulary size, including the 256 bytes and the special tokens.")
    var vocabSize: Int = 4096
    @Option(help: "Where to write the tokenizer JSON (conventionally *.tokenizer.json).")
    var out: String
    @Option(help: "Pre-tokenizer: gpt2, llama-bpe, qwen2, smollm or default.")
    var pre: String = "gpt2"
    @Option(help: "Special tokens reserved after the merges (repeatable).")
    var special: [String] = ["<|endoftext|>"]
    @Flag(help: "Print one JSON object with the result instead of text.")
    var json = false

    func validate() throws {
        guard vocabSize >= 256 + special.count else {
            throw ValidationError("--vocab-size must be at least 256 + the number of special tokens (\(256 + special.count))")
        }
        guard PreTokenizer.named(pre) != nil else { throw ValidationError("--pre \"\(pre)\" is not a known pre-tokenizer") }
    }

    func run() throws {
        let text = try readText(input)
        let options = BPETrainer.Options(vocabSize: vocabSize, preTokenizer: PreTokenizer.named(pre)!, specialTokens: special)
        let start = Date()
        let progress = ProgressBar()
        let tokenizer = try BPETrainer(options: options).train(text) { done, total in progress.update("merges", done: done, total: total) }
        progress.clear()
        let seconds = Date().timeIntervalSince(start)
        try tokenizer.save(to: out)
        if json {
            let obj: [String: Any] = [
                "input": input, "out": out, "vocab_size": tokenizer.vocabSize, "merges": tokenizer.merges.count,
                "pre_tokenizer": pre, "seconds": (seconds * 1000).rounded() / 1000, "input_bytes": text.utf8.count,
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print(String(format: "trained %d merges in %.2f s; vocab size %d; wrote %@",
                         tokenizer.merges.count, seconds, tokenizer.vocabSize, out))
        }
    }
}

/// `lmlab tokenize --model FILE [--special] [--json] TEXT`
struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the ids and pieces a tokenizer gives a text.")

    @Option(help: "Tokenizer file: *.tokenizer.json, a .gguf model, or an lmlab .h5 checkpoint.")
    var model: String
    @Flag(help: "Parse special tokens written in the text (e.g. <|endoftext|>) instead of treating them as text.")
    var special = false
    @Flag(help: "Prepend BOS / append EOS when the tokenizer asks for them.")
    var addSpecial = false
    @Flag(help: "Print the ids as one JSON array.")
    var json = false
    @Argument(help: "The text to tokenize.")
    var text: String

    func run() throws {
        let tokenizer = try runOrExit { try loadTokenizer(model) }  // one "lmlab: FILE: problem" line
        let ids = tokenizer.encode(text, addSpecial: addSpecial, parseSpecial: special)
        if json {
            print("[" + ids.map(String.init).joined(separator: ", ") + "]")
            return
        }
        print("     id  piece")
        for id in ids {
            let idText = String(id)
            print(String(repeating: " ", count: max(0, 7 - idText.count)) + idText + "  " + escapingControls(tokenizer.piece(for: id)))
        }
        print("\(ids.count) tokens, \(text.utf8.count) bytes")
    }
}

/// The tokenizer of a `*.tokenizer.json`, a `.gguf` model or an lmlab `.h5` checkpoint (ModelHandle's loader).
func loadTokenizer(_ path: String) throws -> any Tokenizer { try ModelHandle.tokenizer(path: path) }

/// A whole UTF-8 text file, or an error naming it.
func readText(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw TokenizerError.badFile(path: path, reason: "cannot read the file; check the path (WikiText-2: scripts/get-corpus.sh)")
    }
    return String(decoding: data, as: UTF8.self)
}
