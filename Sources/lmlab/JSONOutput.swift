// `--json` support: every command that prints figures can print one JSON object instead.
import Foundation
import ArgumentParser
import Models

struct JSONOption: ParsableArguments {
    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false
}

/// Prints `value` as one line of JSON (SnakeCaseJSON: keys sorted, so output is stable for scripts and lectures).
func printJSON<T: Encodable>(_ value: T) throws {
    print(try SnakeCaseJSON.string(value))
}

/// Seconds on a monotonic clock.
func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.isEmpty ? .nan : (s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2)
}
