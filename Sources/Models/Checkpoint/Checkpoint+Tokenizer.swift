// Reading only the tokenizer of a checkpoint (its /tokenizer group), or only its chat template, without building the
// model or reading any weight: what `lmlab tokenize --model run.h5` and `lmlab template` need, in milliseconds even
// for a large checkpoint.
import Tokenizers

extension Checkpoint {
    /// The tokenizer stored in the checkpoint at `path`, or nil when it was saved without one.
    /// Throws CheckpointError when the file is not a readable lmlab checkpoint or its tokenizer is damaged.
    public static func tokenizer(path: String) throws -> BPETokenizer? {
        let file = try openFile(path)
        return try reading(path) {
            guard try file.kind(of: "tokenizer") == .group else { return nil }
            return try BPETokenizer(checkpointGroup: file.group("tokenizer"))
        }
    }

    /// The chat template stored with the tokenizer of the checkpoint at `path`, or nil when it has none.
    public static func chatTemplate(path: String) throws -> String? {
        let file = try openFile(path)
        return try reading(path) {
            guard try file.kind(of: "tokenizer") == .group else { return nil }
            return try BPETokenizer.checkpointChatTemplate(file.group("tokenizer"))
        }
    }
}
