// How model text is shown on a terminal: a token's piece in tables and transcripts (inspect, score, generate
// --logprobs, chat, tokenize) quoted, because a leading space is part of a BPE piece, with control characters
// escaped, because a newline token would break the one-token-per-line layout; and generated text on one line
// (train's samples, compare).
//
// lmlab's string escapers, and why there are three: this one is for eyes — only what would break the line or be
// invisible is escaped, quotes and backslashes stay as the piece has them; JSON's (Chat's `tojson`, Decoding's
// JSONValue) must be parseable JSON with json.dumps's exact escapes; Python's repr (Chat) must match what Hugging
// Face's Jinja prints for a string inside a list.

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

/// `text` on one line: each newline shown as ⏎.
func oneLine(_ text: String) -> String { text.replacingOccurrences(of: "\n", with: "⏎") }
