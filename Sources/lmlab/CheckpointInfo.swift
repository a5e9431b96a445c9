// `lmlab info CHECKPOINT`: what a checkpoint holds — its model, size, training progress and whether it can resume
// training — read from the file's attributes and dataset shapes without loading the weights.
import Foundation
import Models

/// Prints the summary of the checkpoint at `path`: a few aligned lines, or with `json` one JSON object (the fields
/// of `CheckpointInfo` in snake_case). Throws `CheckpointError` for a missing or bad file.
func printCheckpointInfo(path: String, json: Bool) throws {
    var info = try Checkpoint.info(path: path)
    if json {
        // JSON has no NaN or infinity: a diverged run's loss is reported as null.
        if info.lastValidationLoss?.isFinite == false { info.lastValidationLoss = nil }
        if info.bestValidationLoss?.isFinite == false { info.bestValidationLoss = nil }
        try printJSON(info)
        return
    }
    let c = info.config
    func row(_ label: String, _ text: String) { print(label.padding(toLength: 12, withPad: " ", startingAt: 0) + text) }
    row("checkpoint", "\(info.path) (\(byteCount(info.fileBytes)), format \(info.formatVersion), written \(info.created) by lmlab \(info.lmlabVersion))")
    row("model", "\(c.style.rawValue), \(c.layers) layers × width \(c.width), \(c.heads) heads (\(c.kvHeads) KV), MLP \(c.mlpHidden), "
        + "context \(c.contextLength), vocab \(c.vocabSize)\(c.tiedEmbeddings ? ", tied embeddings" : "")")
    row("parameters", "\(grouped(info.parameterCount)) (\(byteCount(4 * info.parameterCount)) as float32)")
    if let step = info.step {
        let of = info.trainingConfig.map { " of \($0.steps)" } ?? ""
        row("training", "step \(step)\(of), \(grouped(info.tokensSeen ?? 0)) tokens seen, \(duration(info.elapsedSeconds ?? 0))")
        if let last = info.lastValidationLoss {
            let best = info.bestValidationLoss.map { String(format: "%.4f", $0) } ?? "–"
            row("validation", String(format: "last %.4f", last) + ", best \(best) (nats/token)")
        } else {
            row("validation", "not measured yet")
        }
    } else {
        row("training", "no training state (a model-only checkpoint)")
    }
    row("optimizer", info.hasOptimizerState ? "AdamW moments saved: training can resume exactly" : "none: resuming starts the optimizer afresh")
    row("tokenizer", info.tokenizerVocabSize.map { "byte-level BPE, \($0) tokens" } ?? "none: pass --tokenizer to use the model")
}

/// 1234567 → "1,234,567".
func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, d) in digits.enumerated() {
        if i > 0, (digits.count - i) % 3 == 0 { out += "," }
        out.append(d)
    }
    return (n < 0 ? "-" : "") + out
}

/// Bytes in KiB/MiB/GiB with one decimal.
func byteCount(_ bytes: Int) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB"]
    var value = Double(bytes), unit = 0
    while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
    return unit == 0 ? "\(bytes) bytes" : String(format: "%.1f", value) + " " + units[unit]
}

/// Seconds as "1h 02m 03s" / "2m 03s" / "3.4s".
private func duration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    if s >= 3600 { return String(format: "%dh %02dm %02ds", s / 3600, s / 60 % 60, s % 60) }
    if s >= 60 { return String(format: "%dm %02ds", s / 60, s % 60) }
    return String(format: "%.1fs", seconds)
}
