// GPT-2's reversible byte ↔ unicode mapping (openai/gpt-2 `encoder.py`, `bytes_to_unicode`).
//
// Byte-level BPE works on raw bytes, but vocab files are text. GPT-2 writes each byte as one visible character:
// the printable Latin-1 bytes (! … ~, ¡ … ¬, ® … ÿ) stand for themselves and the other 68 bytes (controls, space,
// 0x7F–0xA0, 0xAD) are shifted to U+0100 and up, in byte order. So a space is `Ġ` (U+0120) and a newline `Ċ`.

public enum ByteLevel {
    /// `unicode[b]` is the character that stands for byte b.
    public static let byteToUnicode: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable {
                table[b] = Unicode.Scalar(UInt32(b))!
            } else {
                table[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The inverse of `byteToUnicode`, keyed by scalar value.
    public static let unicodeToByte: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for b in 0..<256 { map[byteToUnicode[b].value] = UInt8(b) }
        return map
    }()

    /// Bytes → their GPT-2 text form, e.g. [0x20, 0x74] → "Ġt".
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(byteToUnicode[Int(b)]) }
        return String(s)
    }

    /// GPT-2 text form → bytes; nil if a character is not one of the 256 byte stand-ins.
    public static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.unicodeScalars.count)
        for s in text.unicodeScalars {
            guard let b = unicodeToByte[s.value] else { return nil }
            out.append(b)
        }
        return out
    }
}
