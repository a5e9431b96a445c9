// `lmlab prepare`: tokenize a corpus once into nanoGPT-format token streams (see Models/DataPreparation.swift).
import ArgumentParser
import Foundation
import Models

struct Prepare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train (or reuse) a BPE tokenizer on a corpus and write its token streams.",
        discussion: "Writes corpora/cache/<corpus>-<vocab>/{train,val,test}.bin (little-endian uint16 ids, nanoGPT's format), tokenizer.json and meta.json.")

    @Option(help: "Corpus name (its files are <corpus-dir>/{train,valid,test}.txt).") var corpus = "wikitext-2"
    @Option(help: "Folder of the corpus text files (default: corpora/<corpus>).") var corpusDir: String?
    @Option(help: "Vocabulary size of the tokenizer (256 bytes + 1 special token + merges).") var vocabSize = 4096
    @Option(help: "Parent folder of the prepared streams.") var cache = "corpora/cache"
    @OptionGroup var output: JSONOption

    func validate() throws {
        guard vocabSize > 257 else { throw ValidationError("--vocab-size must be above 257 (256 bytes + <|endoftext|>), got \(vocabSize)") }
    }

    func run() throws {
        let prep = DataPreparation(corpusDirectory: corpusDir ?? "corpora/\(corpus)", corpusName: corpus,
                                   vocabSize: vocabSize, cacheDirectory: cache)
        let progress = ProgressBar(enabled: !output.json)
        let meta = try runOrExit {
            try prep.run { event in
                switch event {
                case .reusingTokenizer(let path): progress.line("reusing tokenizer \(path)")
                case .trainingTokenizer(let done, let total): progress.update("training tokenizer", done: done, total: total)
                case .trainedTokenizer(let s): progress.finish(String(format: "trained tokenizer in %.1f s", s))
                case .encoded(let split, let n, let s): progress.line(String(format: "%@.bin: %d tokens (%.1f s)", split, n, s))
                }
            }
        }
        if output.json {
            struct Report: Encodable { var directory: String; var meta: PreparedCorpusMeta }
            try printJSON(Report(directory: prep.outputDirectory, meta: meta))
        } else {
            print("prepared \(prep.outputDirectory): vocab \(meta.vocabSize), \(meta.dtype.rawValue), "
                  + DataPreparation.splits.map { "\($0.1) \(meta.tokens[$0.1] ?? 0)" }.joined(separator: ", ") + " tokens")
        }
    }
}
