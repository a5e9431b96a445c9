// PreparedCorpus: what training reads from a folder `lmlab prepare` wrote (DataPreparation.swift) — meta.json, the
// tokenizer that produced the ids, and the three token streams, every id checked against the vocabulary.
import Tokenizers

public struct PreparedCorpus {
    /// The folder, e.g. corpora/cache/wikitext-2-4096.
    public var directory: String
    public var meta: PreparedCorpusMeta
    public var tokenizer: BPETokenizer
    /// train.bin, val.bin and test.bin.
    public var train: [Int32], validation: [Int32], test: [Int32]

    /// Reads everything; a missing or damaged file is a `DataError` (or `TokenizerError`) naming it.
    public init(directory: String) throws {
        let meta = try DataPreparation.meta(in: directory)
        func stream(_ name: String) throws -> [Int32] {
            try TokenFile.read("\(directory)/\(name).bin", dtype: meta.dtype, vocabSize: meta.vocabSize)
        }
        self.init(directory: directory, meta: meta,
                  tokenizer: try BPETokenizer(contentsOf: "\(directory)/\(meta.tokenizer)"),
                  train: try stream("train"), validation: try stream("val"), test: try stream("test"))
    }

    /// A corpus already in memory.
    public init(directory: String, meta: PreparedCorpusMeta, tokenizer: BPETokenizer, train: [Int32],
                validation: [Int32], test: [Int32]) {
        self.directory = directory; self.meta = meta; self.tokenizer = tokenizer
        self.train = train; self.validation = validation; self.test = test
    }
}
