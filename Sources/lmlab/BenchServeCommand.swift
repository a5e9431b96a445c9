// `lmlab bench serve`: many clients at once against an OpenAI-compatible server, over real HTTP on loopback — C
// clients each stream R greedy /v1/completions of N tokens (ignore_eos, so every request generates exactly N), for
// each C of --clients. Reports aggregate generated tokens/s (all tokens / wall time), time to first token p50/p95
// and per-client tokens/s (a request's tokens / its wall time, averaged). Without --url it serves --model itself
// (lmlab serve in this process); with --url it measures another server (e.g. llama.cpp's llama-server) with the
// very same load. The in-process server runs with the given runtime options (--activations: float, the exact
// default, or q8 — llama.cpp's numerics and the fast AVX2 path; --kv-cache-type f16, llama.cpp's default cache
// type: together the fair setting against llama-server); they are printed and in --json.
import ArgumentParser
import AsyncHTTPClient
import Foundation
import Models
import NIOCore
import Server
import Tensor

struct BenchServe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Measure a server under concurrent streaming clients (aggregate tokens/s, TTFT).",
        discussion: """
            Examples:
              lmlab bench serve --model checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf --clients 1,4,8,16
              lmlab bench serve --url http://127.0.0.1:8081 --model-name SmolLM2 --clients 1,4,8   # another server
            """)

    @Option(help: "Model file to serve in this process (.gguf or .h5).") var model: String?
    @Option(help: "Measure this running server instead (base URL, e.g. http://127.0.0.1:8081).") var url: String?
    @Option(name: .customLong("model-name"), help: "The request's model field (default: the served model's name).")
    var modelName: String?
    @Option(help: "Concurrent clients, comma-separated; one run per value.") var clients = "1,4,8,16"
    @Option(help: "Tokens generated per request (max_tokens, with ignore_eos).") var tokens = 128
    @Option(help: "Requests each client sends, one after the other.") var requests = 1
    @Option(help: "Threads for lmlab's kernels (in-process server).") var threads = Parallel.threads
    @OptionGroup(title: "Runtime (in-process server)") var runtime: RuntimeOptionGroup
    @OptionGroup var output: JSONOption

    /// The prompts of ../shared/peers/serve_load.py, client i starting at prompts[i % 8].
    static let prompts = ["Once upon a time, in a small village,", "The capital of France is", "Write a short poem about the sea.",
                          "def fibonacci(n):", "The best thing about Paris is", "In 1492, Columbus", "My favourite recipe is",
                          "Photosynthesis is"]

    func clientCounts() throws -> [Int] {
        try clients.split(separator: ",").map { s in
            guard let c = Int(s.trimmingCharacters(in: .whitespaces)), c >= 1 else {
                throw ValidationError("--clients \(s) is invalid: expected integers ≥ 1, comma-separated (e.g. 1,4,8,16)")
            }
            return c
        }
    }

    func validate() throws {
        guard (model == nil) != (url == nil) else { throw ValidationError("give --model FILE (serve it here) or --url URL (a running server), not both") }
        guard tokens >= 1, requests >= 1, threads >= 1 else { throw ValidationError("--tokens, --requests and --threads must be at least 1") }
        _ = try clientCounts()
    }

    struct Run: Encodable {
        var clients: Int, requests: Int, tokens: Int, seconds: Double
        var aggregateTokensPerS: Double, perClientTokensPerS: Double, ttftP50S: Double, ttftP95S: Double
        /// Prompt tokens of a request, as the server's usage reports them (mean over the run's requests).
        var promptTokensPerRequest: Double?
    }
    struct Report: Encodable {
        var url: String, model: String, tokensPerRequest: Int, requestsPerClient: Int, threads: Int?
        /// The in-process server's runtime options (nil with --url: the other server decides).
        var activations: String?, kvCache: String?, maxBatch: Int?
        var runs: [Run]
    }

    /// One streamed request: seconds to the first token, tokens, prompt tokens (from usage), seconds in all.
    struct Sample { var ttft: Double, tokens: Int, promptTokens: Int?, seconds: Double }

    func run() throws {
        Parallel.setThreads(threads)
        let counts = try clientCounts()
        let result = LockedBox<Result<Report, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            do { result.value = .success(try await measure(counts)) } catch { result.value = .failure(error) }
            done.signal()
        }
        done.wait()
        let report = try runOrExit { try result.value!.get() }
        if output.json { try printJSON(report); return }
        print("server \(report.url), model \(report.model): \(report.tokensPerRequest) tokens per request, "
              + "\(report.requestsPerClient) request(s) per client, greedy, streamed")
        if let activations = report.activations, let kvCache = report.kvCache, let threads = report.threads,
           let maxBatch = report.maxBatch {
            print("lmlab serve in this process: --activations \(activations), --kv-cache-type \(kvCache), --threads \(threads), --max-batch \(maxBatch)")
        }
        print("clients  aggregate tok/s  per-client tok/s  TTFT p50 (s)  TTFT p95 (s)")
        for r in report.runs {
            print(String(format: "%7d  %15.1f  %16.1f  %12.3f  %12.3f", r.clients, r.aggregateTokensPerS,
                         r.perClientTokensPerS, r.ttftP50S, r.ttftP95S))
        }
    }

    func measure(_ counts: [Int]) async throws -> Report {
        var base = url ?? ""
        var name = modelName ?? ""
        var serverTask: Task<Void, any Error>? = nil
        var maxBatch: Int? = nil
        if let model {
            var config = ServerConfiguration(models: [model])
            config.port = 0
            config.maxBatch = max(counts.max() ?? 1, 1)
            config.maxQueue = 1024
            maxBatch = config.maxBatch
            let server = try LMLabServer(configuration: config, options: runtime.options)
            let bound = AsyncStream<Int>.makeStream()
            // Quiet: the server task is cancelled at the end, which its logger would report as errors.
            let app = server.application(logLevel: .critical) { port in bound.continuation.yield(port) }
            serverTask = Task { try await app.runService() }
            var ports = bound.stream.makeAsyncIterator()
            guard let port = await ports.next() else { throw ValidationError("the server did not start") }
            base = "http://127.0.0.1:\(port)"
            if name.isEmpty { name = server.models.names[0] }
        }
        defer { serverTask?.cancel() }
        if name.isEmpty { throw ValidationError("--model-name is required with --url") }

        var pool = HTTPClient.Configuration.ConnectionPool(idleTimeout: .seconds(60))
        pool.concurrentHTTP1ConnectionsPerHostSoftLimit = 4 * (counts.max() ?? 1) + 8
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(connectionPool: pool))
        do {
            let runs = try await runs(http, base, name, counts)
            try await http.shutdown()
            return Report(url: base, model: name, tokensPerRequest: tokens, requestsPerClient: requests,
                          threads: model == nil ? nil : threads,
                          activations: model == nil ? nil : runtime.activations.rawValue,
                          kvCache: model == nil ? nil : runtime.kvCache.rawValue, maxBatch: maxBatch, runs: runs)
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    func runs(_ http: HTTPClient, _ base: String, _ name: String, _ counts: [Int]) async throws -> [Run] {
        _ = try await stream(http, base, name, prompt: Self.prompts[0], tokens: 8)   // warm-up
        var runs: [Run] = []
        for c in counts {
            let start = now()
            let samples = try await withThrowingTaskGroup(of: [Sample].self) { group in
                for i in 0..<c {
                    group.addTask {
                        var mine: [Sample] = []
                        for r in 0..<requests {
                            mine.append(try await stream(http, base, name, prompt: Self.prompts[(i + r) % Self.prompts.count], tokens: tokens))
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let wall = now() - start
            let total = samples.map(\.tokens).reduce(0, +)
            let ttft = samples.map(\.ttft).sorted()
            runs.append(Run(clients: c, requests: samples.count, tokens: total, seconds: wall,
                            aggregateTokensPerS: Double(total) / wall,
                            perClientTokensPerS: samples.map { Double($0.tokens) / $0.seconds }.reduce(0, +) / Double(samples.count),
                            ttftP50S: percentile(ttft, 0.5), ttftP95S: percentile(ttft, 0.95),
                            promptTokensPerRequest: samples.allSatisfy { $0.promptTokens != nil }
                                ? Double(samples.compactMap(\.promptTokens).reduce(0, +)) / Double(samples.count) : nil))
            if !output.json { FileHandle.standardError.write(Data("lmlab: \(c) clients done\n".utf8)) }
        }
        return runs
    }

    /// Streams one greedy completion; counts tokens from the final usage (or, without it, the chunks with text).
    func stream(_ http: HTTPClient, _ base: String, _ model: String, prompt: String, tokens: Int) async throws -> Sample {
        var request = HTTPClientRequest(url: base + "/v1/completions")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        // A fresh connection per request, as separate clients have: a pooled keep-alive connection that the server
        // closes while idle (llama-server does) would fail the next request with remoteConnectionClosed.
        request.headers.add(name: "Connection", value: "close")
        let body: [String: Any] = ["model": model, "prompt": prompt, "max_tokens": tokens, "temperature": 0, "stream": true,
                                   "ignore_eos": true, "stream_options": ["include_usage": true]]
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        let start = now()
        let response = try await http.execute(request, timeout: .seconds(600))
        guard response.status == .ok else {
            let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
            throw ValidationError("\(base)/v1/completions answered \(response.status.code): \(text)")
        }
        var first: Double? = nil, chunks = 0, usage: Int? = nil, promptTokens: Int? = nil, pending = ""
        for try await buffer in response.body {
            pending += String(buffer: buffer)
            while let newline = pending.firstIndex(of: "\n") {
                let line = pending[..<newline].trimmingCharacters(in: .whitespaces)
                pending = String(pending[pending.index(after: newline)...])
                guard line.hasPrefix("data:"), line != "data: [DONE]",
                      let json = try? JSONSerialization.jsonObject(with: Data(line.dropFirst(5).utf8)) as? [String: Any] else { continue }
                if let u = (json["usage"] as? [String: Any])?["completion_tokens"] as? Int { usage = u }
                if let p = (json["usage"] as? [String: Any])?["prompt_tokens"] as? Int { promptTokens = p }
                if let text = (json["choices"] as? [[String: Any]])?.first?["text"] as? String, !text.isEmpty {
                    chunks += 1
                    if first == nil { first = now() - start }
                }
            }
        }
        let seconds = now() - start
        return Sample(ttft: first ?? seconds, tokens: usage ?? chunks, promptTokens: promptTokens, seconds: seconds)
    }

    func percentile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, Int((q * Double(sorted.count - 1)).rounded()))]
    }
}
