// How a token's text is shown in tables and transcripts (inspect, score, generate --logprobs, chat, tokenizer
// encode): quoted, because a leading space is part of a BPE piece, and with control characters escaped, because a
// newline token would break the one-token-per-line layout.

/// `s` with control characters escaped: `\n`, `\t`, `\r` by name, the others as `\u{hex}`.
func escapingControls(_ s: String) -> String {
    var out = ""
    for c in s.unicodeScalars {
        switch c {
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        case _ where c.value < 0x20 || c.value == 0x7F: out += "\\u{\(String(c.value, radix: 16))}"
        default: out.unicodeScalars.append(c)
        }
    }
    return out
}

/// `"piece"`, escaped for one line.
func quotedPiece(_ s: String) -> String { "\"" + escapingControls(s) + "\"" }
