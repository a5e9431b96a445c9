// `lmlab inspect`: the next-token distribution after a prompt — the table (id, piece, probability, cumulative) and
// a bar chart, at one or several temperatures side by side, so sharpening (T < 1) and flattening (T > 1) are seen.
// p_i(T) = softmax(l / T)_i over the model's raw logits.
import ArgumentParser
import Decoding
import Foundation
import Models
import Serving
import Tensor
import Tokenizers

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the next-token distribution after a prompt (table, bar chart, optional SVG).",
        discussion: "Example: lmlab inspect --model checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf --prompt \"The quick brown fox\" --temperature 0.1,0.8,2")

    @Option(help: "Model file (.gguf or .h5).") var model: String
    @Option(help: "Text whose next token is shown.") var prompt: String
    @Option(help: "Rows shown (the most likely tokens at the first temperature).") var top = 10
    @Option(help: "Temperatures, comma-separated (each > 0).") var temperature = "1"
    @Option(help: "Write the bar chart as an SVG image to this file.") var svg: String?
    @Option(help: "Also show what each stage of a preset's sampler chain keeps: hf, llama.cpp (or greedy).") var chain: String?
    @Flag(help: "Parse special tokens written in the prompt.") var special = false
    @Option(help: "Threads for lmlab's kernels.") var threads = Parallel.threads
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func temperatures() throws -> [Double] {
        try temperature.split(separator: ",").map { s in
            guard let t = Double(s.trimmingCharacters(in: .whitespaces)), t > 0, t.isFinite else {
                throw ValidationError("--temperature \(s) is invalid: expected numbers > 0, comma-separated (e.g. 0.1,0.8,2)")
            }
            return t
        }
    }

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top \(top) is invalid: expected an integer ≥ 1") }
        guard threads >= 1 else { throw ValidationError("--threads \(threads) is invalid: expected an integer ≥ 1") }
        _ = try temperatures()
        if let chain {
            do { _ = try SamplingParameters.preset(named: chain) } catch { throw ValidationError(error.described(naming: "--chain")) }
        }
    }

    func run() throws {
        Parallel.setThreads(threads)
        try runOrExit {
            let handle = try ModelHandle(path: model)
            let ids = try handle.encodePrompt(prompt, parseSpecial: special, newTokens: 0)
            // The piece as text, control characters escaped (the table quotes it: a leading space matters in BPE).
            let next = try handle.nextToken(after: ids)
            var report = next.report(model: model, prompt: prompt, top: top, temperatures: try temperatures()) {
                escapingControls(handle.piece($0))
            }
            if let chain { report.stages = next.stages(try SamplingParameters.preset(named: chain), top: top) }
            if let svg { try BarChartSVG.write(report, to: svg) }
            if json { try printJSON(report); return }
            print(table(report))
            if let chain, let stages = report.stages { print(stageTable(stages, preset: chain, handle)) }
            if let svg { print("bar chart written to \(svg)") }
        }
    }

    func table(_ r: NextTokenReport) -> String {
        let width = 30
        var lines = ["next token after \"\(r.prompt)\" (\(r.promptTokens.count) prompt tokens)"]
        let tHeader = r.temperatures.map { String(format: "p(T=%g)  cum   ", $0) }.joined()
        lines.append("rank  id      piece             " + tHeader + "bar (T=\(r.temperatures.map { String(format: "%g", $0) }.joined(separator: " / ")))")
        for row in r.rows {
            let piece = "\"" + row.piece + "\""
            var line = String(format: "%4d  %-6d  ", row.rank, row.id) + piece.padding(toLength: 16, withPad: " ", startingAt: 0) + "  "
            for k in r.temperatures.indices { line += String(format: "%6.4f  %5.3f  ", row.probabilities[k], row.cumulative[k]) }
            line += r.temperatures.indices.map { k in Self.bar(row.probabilities[k], width: width / r.temperatures.count + 4) }.joined(separator: " │ ")
            lines.append(line)
        }
        lines.append("entropy (nats): " + zip(r.temperatures, r.entropy).map { String(format: "T=%g %.3f", $0, $1) }.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    /// `--chain`: per stage, how many candidates are left, their entropy and the best few with their probability
    /// among them (renormalized: what the draw would see if the chain ended there).
    func stageTable(_ stages: [NextTokenDistribution.Stage], preset: String, _ handle: ModelHandle) -> String {
        var lines = ["sampler chain of preset \(preset): " + (try! SamplingParameters.preset(named: preset)).chainDescription,
                     "stage         left   entropy  most likely (probability among those left)"]
        for s in stages {
            let best = zip(s.ids, s.probabilities).prefix(5).map { quotedPiece(handle.piece($0)) + String(format: " %.3f", $1) }
            lines.append(s.step.padding(toLength: 12, withPad: " ", startingAt: 0) + String(format: " %6d  %7.3f  ", s.count, s.entropy)
                         + best.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }

    /// A bar of eighth-blocks, full width = probability 1.
    static func bar(_ p: Double, width: Int) -> String {
        let eighths = Int((p * Double(width * 8)).rounded())
        let blocks = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        let s = String(repeating: "█", count: eighths / 8) + blocks[eighths % 8]
        return s.padding(toLength: width, withPad: " ", startingAt: 0)
    }
}
