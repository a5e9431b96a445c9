// `lmlab bench decode`: inference speed of a model — prompt processing (one batched pass over a prompt, the
// matrix–matrix path) and generation (one token at a time with the KV cache, the matrix–vector path), in tokens/s,
// the two figures llama.cpp's llama-bench reports as pp and tg. Both are timed on the real generation loop
// (Decoding's Generator: prefill, then steps that sample greedily and feed), with EOS ignored so every run makes
// the same number of tokens; each generated token costs one forward pass, as in llama-bench's tg. `--batch` times
// B sequences decoded together (one batched forward pass per step) and reports their aggregate tokens/s.
import ArgumentParser
import Decoding
import Foundation
import Models
import Tensor

struct BenchDecode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode", abstract: "Measure prompt-processing and generation tokens/s of a model (.gguf or .h5).")

    @Option(help: "Model file: a GGUF llama model (.gguf) or an lmlab checkpoint (.h5).") var model: String
    @Option(help: "Prompt tokens processed in one pass (pp).") var promptTokens = 128
    @Option(help: "Tokens generated one at a time after the prompt (tg).") var generateTokens = 128
    @Option(help: "Timed repetitions; the median is reported.") var repeats = 3
    @Option(help: "Threads for lmlab's kernels.") var threads = Parallel.threads
    @Flag(name: .customLong("kv-cache"), help: "Instead: time greedy generation with and without the KV cache at 64, 256 and 512 tokens (those that fit the context) and report the speed-ups.")
    var kvCache = false
    @Option(name: .customLong("kv-lengths"), help: "With --kv-cache: generated lengths, comma-separated.")
    var kvLengths = "64,256,512"
    @Option(help: ArgumentHelp("Also time batched decoding: for each B, B sequences of the same prompt generated together (one forward pass per step for all); aggregate generated tokens/s. Comma-separated, e.g. 1,4,8,16.", valueName: "B,…"))
    var batch: String?
    @OptionGroup var runtime: RuntimeOptionGroup
    @Option(help: ArgumentHelp("Kernels of the products: best (AVX2 where the CPU has it) or portable (the Swift ones), to compare them on this machine.", valueName: "best|portable"))
    var kernels = "best"
    @OptionGroup var output: JSONOption

    func validate() throws {
        guard promptTokens >= 1, generateTokens >= 1, repeats >= 1, threads >= 1 else {
            throw ValidationError("--prompt-tokens, --generate-tokens, --repeats and --threads must be at least 1")
        }
        _ = try batchSizes()
        guard ["best", "portable"].contains(kernels) else {
            throw ValidationError("--kernels \(kernels) is invalid: expected best or portable")
        }
    }

    /// The sizes of `--batch`, or [] without it.
    func batchSizes() throws -> [Int] {
        guard let batch else { return [] }
        let sizes = batch.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) >= 1 && ($0 ?? 0) <= 256 }) else {
            throw ValidationError("--batch \(batch) is invalid: expected batch sizes 1…256, comma-separated (e.g. 1,4,8,16)")
        }
        return sizes.map { $0! }
    }

    struct Report: Encodable {
        var model: String, activations: String, kvCache: String, kernels: String, threads: Int, promptTokens: Int, generateTokens: Int
        var repeats: Int, promptTokensPerS: Double, generateTokensPerS: Double, loadSeconds: Double, peakRssMib: Double
        var batches: [BatchRow]?
    }

    struct BatchRow: Encodable {
        var batch: Int, generateTokensPerS: Double
    }

    func run() throws {
        Parallel.setThreads(threads)
        try runOrExit {
            let loadStart = now()
            let lm = try TransformerRuntime.load(path: model)
            lm.options = runtime.options
            if kernels == "portable" { lm.options.kernels = .portable }
            let loadSeconds = now() - loadStart
            if kvCache { try runKVCache(lm); return }
            guard promptTokens + generateTokens <= lm.contextLength else {
                throw ModelError.contextOverflow(tokens: promptTokens + generateTokens, context: lm.contextLength)
            }
            guard let tokenizer = lm.tokenizer else { throw RuntimeError.noTokenizer(file: model) }
            // A fixed pseudo-random prompt: speed does not depend on which ids they are.
            let prompt = (0..<promptTokens).map { Int32(($0 * 7919 + 13) % lm.vocabSize) }
            let generator = Generator(model: lm, tokenizer: tokenizer)
            var ppTimes: [Double] = [], tgTimes: [Double] = []
            for _ in 0..<repeats {
                let (pp, tg) = try time(generator, prompt: prompt, batch: 1)
                ppTimes.append(pp)
                tgTimes.append(tg)
            }
            var batches: [BatchRow]? = nil
            for b in try batchSizes() {
                let seconds = try (0..<repeats).map { _ in try time(generator, prompt: prompt, batch: b).generation }
                batches = (batches ?? []) + [BatchRow(batch: b, generateTokensPerS: Double(b * generateTokens) / median(seconds))]
            }
            let report = Report(model: model, activations: runtime.activations.rawValue,
                                kvCache: runtime.kvCache.rawValue, kernels: lm.options.kernels.rawValue,
                                threads: threads, promptTokens: promptTokens, generateTokens: generateTokens,
                                repeats: repeats, promptTokensPerS: Double(promptTokens) / median(ppTimes),
                                generateTokensPerS: Double(generateTokens) / median(tgTimes), loadSeconds: loadSeconds,
                                peakRssMib: peakResidentMiB(), batches: batches)
            if output.json { try printJSON(report); return }
            print("lmlab bench decode — \(model), \(threads) thread(s), \(runtime.activations) activations, \(runtime.kvCache.rawValue) KV cache, \(lm.options.kernels) kernels, median of \(repeats)")
            print(String(format: "prompt processing (pp%d): %.1f tokens/s", promptTokens, report.promptTokensPerS))
            print(String(format: "generation (tg%d):        %.1f tokens/s", generateTokens, report.generateTokensPerS))
            for row in batches ?? [] {
                print(String(format: "batch %3d (tg%d each):  %.1f tokens/s in all", row.batch, generateTokens, row.generateTokensPerS))
            }
            print(String(format: "load %.2f s, peak RSS %.0f MiB", loadSeconds, report.peakRssMib))
        }
    }

    /// One timed generation of `batch` greedy sequences of `prompt`: seconds of the prefill (one prompt pass) and of
    /// the steps. maxTokens is generateTokens + 1: the last step draws a token and feeds nothing, so the steps make
    /// exactly generateTokens forward passes.
    func time(_ generator: Generator<TransformerRuntime>, prompt: [Int32], batch: Int) throws -> (prompt: Double, generation: Double) {
        var options = GenerationOptions()
        options.maxTokens = generateTokens + 1
        options.stopAtEOS = false
        let samplers = (0..<batch).map { Sampler(parameters: .greedy, seed: UInt64($0)) }
        var start = now()
        var running = try generator.prefill(prompt: prompt, samplers: samplers, options: options)
        let promptSeconds = now() - start
        start = now()
        while !running.isEmpty {
            _ = try generator.step(running)
            running.removeAll { $0.isFinished }
        }
        return (promptSeconds, now() - start)
    }

    struct KVReport: Encodable { var model: String, threads: Int, rows: [KVCacheBench.Row] }

    func runKVCache(_ lm: TransformerRuntime) throws {
        let wanted = kvLengths.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 > 0 }
        guard !wanted.isEmpty else { throw ValidationError("--kv-lengths \(kvLengths) is invalid: expected positive integers, comma-separated") }
        let prompt = lm.tokenizer?.encode("The").count ?? 1
        let lengths = KVCacheBench.lengths(wanted, context: lm.contextLength, prompt: prompt)
        let progress = ProgressBar(enabled: !output.json)
        let rows = try KVCacheBench.run(lm, lengths: lengths) { progress.update($0, done: 0, total: 1) }
        progress.clear()
        if output.json { try printJSON(KVReport(model: model, threads: threads, rows: rows)); return }
        print("lmlab bench decode --kv-cache — \(model), \(threads) thread(s), greedy from \"The\"")
        if lengths != wanted { print("(the context of \(lm.contextLength) tokens allows only \(lengths.map(String.init).joined(separator: ", ")))") }
        print("tokens   with cache   without   speed-up   same tokens")
        for r in rows {
            print(String(format: "%6d  %9.2f s  %7.2f s  %8.1f×   %@", r.tokens, r.cachedSeconds, r.uncachedSeconds, r.speedup, r.sameTokens ? "yes" : "NO"))
        }
    }
}
