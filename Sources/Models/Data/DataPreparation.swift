// `lmlab prepare`: train (or reuse) a byte-level BPE on the corpus's train split and write every split as a
// token stream, plus meta.json. Training later reads only these files (STYLE: preparation is separate from
// training), and so can any nanoGPT-style tool.
import Foundation
import Tokenizers

public struct DataPreparation {
    /// Folder with the corpus's train/valid/test .txt files.
    public var corpusDirectory: String
    /// Name used in the cache folder (`wikitext-2`).
    public var corpusName: String
    public var vocabSize: Int
    /// Parent of the output folder `<corpusName>-<vocabSize>`.
    public var cacheDirectory: String

    public init(corpusDirectory: String, corpusName: String, vocabSize: Int, cacheDirectory: String) {
        self.corpusDirectory = corpusDirectory; self.corpusName = corpusName
        self.vocabSize = vocabSize; self.cacheDirectory = cacheDirectory
    }

    public var outputDirectory: String { "\(cacheDirectory)/\(corpusName)-\(vocabSize)" }
    public var tokenizerPath: String { "\(outputDirectory)/tokenizer.json" }

    /// Splits as (name of the .txt file, name of the .bin file) — WikiText calls validation "valid", nanoGPT "val".
    public static let splits = [("train", "train"), ("valid", "val"), ("test", "test")]

    public enum Event {
        case reusingTokenizer(String)
        case trainingTokenizer(done: Int, total: Int)
        case trainedTokenizer(seconds: Double)
        case encoded(split: String, tokens: Int, seconds: Double)
    }

    /// Runs the preparation; `report` hears progress. Returns the meta written.
    @discardableResult
    public func run(report: (Event) -> Void = { _ in }) throws -> PreparedCorpusMeta {
        let fm = FileManager.default
        for (txt, _) in Self.splits where !fm.fileExists(atPath: "\(corpusDirectory)/\(txt).txt") {
            throw DataError.missing(path: "\(corpusDirectory)/\(txt).txt",
                                    hint: "run scripts/get-corpus.sh (or `make corpus`) to place WikiText-2 there")
        }
        try fm.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        func text(_ split: String) throws -> String {
            let path = "\(corpusDirectory)/\(split).txt"
            guard let data = fm.contents(atPath: path) else { throw DataError.missing(path: path, hint: "cannot read it") }
            return String(decoding: data, as: UTF8.self)
        }
        let tokenizer: BPETokenizer
        var tokenizerSeconds: Double? = nil
        if fm.fileExists(atPath: tokenizerPath), let existing = try? BPETokenizer(contentsOf: tokenizerPath),
           existing.vocabSize == vocabSize {
            tokenizer = existing
            report(.reusingTokenizer(tokenizerPath))
        } else {
            let start = Date()
            let trainer = BPETrainer(options: .init(vocabSize: vocabSize))
            let corpus = try text("train")
            tokenizer = try withoutActuallyEscaping(report) { report in
                try trainer.train(corpus) { done, total in report(.trainingTokenizer(done: done, total: total)) }
            }
            tokenizerSeconds = Date().timeIntervalSince(start)
            try tokenizer.save(to: tokenizerPath)
            report(.trainedTokenizer(seconds: tokenizerSeconds!))
        }
        let dtype = TokenFile.dtype(forVocabSize: tokenizer.vocabSize)
        var counts: [String: Int] = [:]
        for (txt, bin) in Self.splits {
            let start = Date()
            let ids = tokenizer.encode(try text(txt), addSpecial: false)
            try TokenFile.write(ids, to: "\(outputDirectory)/\(bin).bin", dtype: dtype)
            counts[bin] = ids.count
            report(.encoded(split: bin, tokens: ids.count, seconds: Date().timeIntervalSince(start)))
        }
        let meta = PreparedCorpusMeta(corpus: corpusName, vocabSize: tokenizer.vocabSize, dtype: dtype, tokens: counts,
                                      tokenizer: "tokenizer.json", tokenizerSeconds: tokenizerSeconds)
        try SnakeCaseJSON.encoder(pretty: true).encode(meta).write(to: URL(fileURLWithPath: "\(outputDirectory)/meta.json"))
        return meta
    }

    /// Reads meta.json of a prepared folder.
    public static func meta(in directory: String) throws -> PreparedCorpusMeta {
        let path = "\(directory)/meta.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError.missing(path: path, hint: "run `lmlab prepare --corpus wikitext-2` first")
        }
        do { return try SnakeCaseJSON.decoder().decode(PreparedCorpusMeta.self, from: data) }
        catch { throw DataError.corrupt(path: path, reason: "not a meta.json written by lmlab prepare") }
    }
}
