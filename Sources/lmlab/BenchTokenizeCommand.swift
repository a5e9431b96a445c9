// `lmlab bench tokenize`: encoding throughput of a tokenizer on a text file, in MB/s of UTF-8 input.
import ArgumentParser
import Foundation
import Tokenizers

struct BenchTokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize", abstract: "Measure tokenizer encode throughput (MB/s).")

    @Option(help: "Tokenizer: a *.tokenizer.json, a .gguf model or an lmlab .h5 checkpoint.")
    var tokenizer: String
    @Option(help: "UTF-8 text file to encode.")
    var input: String
    @Option(help: "Timed repetitions; the best one is reported.")
    var repeats: Int = 3
    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
    }

    func run() throws {
        let tok = try loadTokenizer(tokenizer)
        let text = try readText(input)
        let megabytes = Double(text.utf8.count) / 1_000_000
        var best = Double.infinity
        var count = 0
        var roundTrip = false
        for _ in 0..<repeats {
            let start = Date()
            let ids = tok.encode(text, addSpecial: false, parseSpecial: false)
            best = min(best, Date().timeIntervalSince(start))
            count = ids.count
            roundTrip = tok.decodeBytes(ids) == Array(text.utf8)
        }
        let rate = megabytes / best
        if json {
            let obj: [String: Any] = [
                "tokenizer": tokenizer, "input": input, "megabytes": megabytes, "seconds": best,
                "mb_per_s": (rate * 100).rounded() / 100, "tokens": count, "bytes_per_token": Double(text.utf8.count) / Double(max(count, 1)),
                "round_trip": roundTrip,
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print(String(format: "encoded %.2f MB into %d tokens (%.2f bytes/token) in %.3f s: %.2f MB/s; round trip %@",
                         megabytes, count, Double(text.utf8.count) / Double(max(count, 1)), best, rate, roundTrip ? "ok" : "FAILED"))
        }
    }
}
