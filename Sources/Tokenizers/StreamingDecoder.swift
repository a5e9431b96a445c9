// Turning ids into text one token at a time, for printing as a model generates.
//
// A byte-level token can end in the middle of a UTF-8 sequence (an emoji is 4 bytes and often 2–3 tokens), so
// decoding each token on its own would print U+FFFD halves. The decoder keeps the trailing bytes that are a valid
// *beginning* of a UTF-8 sequence (at most 3) until the token that completes them arrives. Only bytes that can never
// become valid UTF-8 are printed as U+FFFD — so valid text never shows one.

public struct StreamingDecoder {
    public let tokenizer: any Tokenizer
    /// Bytes received but not yet returned: an incomplete UTF-8 sequence, (0…3).
    public private(set) var pending: [UInt8] = []

    public init(tokenizer: any Tokenizer) { self.tokenizer = tokenizer }

    /// Adds one token; returns the text that is now complete (often "", sometimes several characters).
    public mutating func push(_ id: Int32) -> String {
        push(bytes: tokenizer.bytes(for: id))
    }

    /// Adds raw bytes; returns the text that is now complete.
    public mutating func push(bytes: [UInt8]) -> String {
        pending += bytes
        let keep = Self.incompleteSuffixLength(pending)
        let ready = pending[..<(pending.count - keep)]
        let text = String(decoding: ready, as: UTF8.self)
        pending.removeFirst(pending.count - keep)
        return text
    }

    /// End of stream: whatever is still pending (an unfinished sequence becomes U+FFFD).
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// How many trailing bytes of `b` form a valid but unfinished UTF-8 sequence (0 if none).
    /// Unicode 15, Table 3-7 (well-formed byte sequences) gives the allowed second bytes.
    static func incompleteSuffixLength(_ b: [UInt8]) -> Int {
        // The lead byte is at most 3 bytes back from the end. (A token may have no bytes at all — a control token
        // that prints nothing — so nothing may be pending.)
        for back in stride(from: 1, through: min(3, b.count), by: 1) {
            let lead = b[b.count - back]
            if lead & 0xC0 == 0x80 { continue }  // continuation byte: keep looking for the lead
            let need: Int
            switch lead {
            case 0xC2...0xDF: need = 2
            case 0xE0...0xEF: need = 3
            case 0xF0...0xF4: need = 4
            default: return 0  // ASCII or a byte that never starts a sequence
            }
            guard back < need else { return 0 }  // complete
            if back >= 2 {
                let second = b[b.count - back + 1]
                let ok: ClosedRange<UInt8> = switch lead {
                case 0xE0: 0xA0...0xBF
                case 0xED: 0x80...0x9F
                case 0xF0: 0x90...0xBF
                case 0xF4: 0x80...0x8F
                default: 0x80...0xBF
                }
                guard ok.contains(second) else { return 0 }
            }
            return back
        }
        return 0
    }
}
