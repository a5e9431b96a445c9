// Finding special tokens (`<|endoftext|>`, `<|im_start|>`) written out in the input text.
//
// Done before pre-tokenization, like llama.cpp's `tokenizer_st_partition` and Hugging Face's added-token
// splitting: at each position the longest special token that matches wins, and the text between becomes
// ordinary fragments. Callers only use this when they asked to parse special tokens.

/// A piece of the input: ordinary text (a byte range) or one special token.
enum Segment: Equatable {
    case text(Range<Int>)
    case token(Int32)
}

struct SpecialTokenMatcher: Sendable {
    /// (text as UTF-8, id), longest first so that `<|im_start|>` beats a shorter token with the same prefix.
    let tokens: [(bytes: [UInt8], id: Int32)]
    /// For each first byte, the indices into `tokens` that start with it.
    let byFirstByte: [[Int]]

    /// The vocabulary's special tokens (control and user-defined), matched by their text.
    init(pieces: [String], types: [TokenType]) {
        let sorted = pieces.indices.filter { types[$0].isSpecial && !pieces[$0].isEmpty }
            .map { (bytes: Array(pieces[$0].utf8), id: Int32($0)) }
            .sorted { $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.id < $1.id }
        tokens = sorted
        var index = [[Int]](repeating: [], count: 256)
        for (k, t) in sorted.enumerated() { index[Int(t.bytes[0])].append(k) }
        byFirstByte = index
    }

    var isEmpty: Bool { tokens.isEmpty }

    /// Cuts `b` into text ranges and special tokens, in order.
    func segments(_ b: UnsafeBufferPointer<UInt8>) -> [Segment] {
        var out: [Segment] = []
        var textStart = 0
        var i = 0
        scan: while i < b.count {
            for k in byFirstByte[Int(b[i])] {
                let t = tokens[k].bytes
                if i + t.count <= b.count, (0..<t.count).allSatisfy({ b[i + $0] == t[$0] }) {
                    if textStart < i { out.append(.text(textStart..<i)) }
                    out.append(.token(tokens[k].id))
                    i += t.count
                    textStart = i
                    continue scan
                }
            }
            i += 1
        }
        if textStart < b.count { out.append(.text(textStart..<b.count)) }
        return out
    }
}
