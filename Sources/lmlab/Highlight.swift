// Token highlighting as GLTR shows it (Gehrmann et al. 2019): each token coloured by the rank the model gave it —
// generated text is mostly top-1/top-10, human text has more surprises.
import Decoding

enum Highlight {
    /// ANSI colours per rank bucket: top-1 green, top-10 yellow, top-100 red, rest magenta.
    static func colour(rank: Int) -> String {
        switch rank {
        case 1: return "\u{1B}[42;30m"
        case 2...10: return "\u{1B}[43;30m"
        case 11...100: return "\u{1B}[41;30m"
        default: return "\u{1B}[45;30m"
        }
    }

    static let reset = "\u{1B}[0m"

    static func render<S: Sequence>(_ tokens: S) -> String where S.Element == TokenLogprob {
        tokens.map { t in t.rank.map { colour(rank: $0) + t.text + reset } ?? t.text }.joined()
    }

    static let legend = "\(colour(rank: 1)) top-1 \(reset) \(colour(rank: 5)) top-10 \(reset) \(colour(rank: 50)) top-100 \(reset) \(colour(rank: 1000)) rest \(reset)"
}
