// `lmlab serve`: an OpenAI-compatible HTTP server over one or more models (Sources/Server), for the openai Python
// client, llama-cpp-python-style notebooks and the browser playground. A thin adapter: flags → ServerConfiguration.
import ArgumentParser
import Foundation
import NIOCore
import Server
import Tensor

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve models over an OpenAI-compatible HTTP API (/v1/completions, /v1/chat/completions, …).",
        discussion: """
            Examples:
              lmlab serve --model checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf
              lmlab serve --model checkpoints/lessons-tiny.h5 --model checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf --port 8081
            Then, in Python:
              from openai import OpenAI
              client = OpenAI(base_url="http://127.0.0.1:8080/v1", api_key="none")
              client.completions.create(model="SmolLM2-135M-Instruct.Q4_1", prompt="The capital of Michigan is ", max_tokens=16, temperature=0)
            A request's `model` is the file name without its extension (GET /v1/models lists them).
            """)

    @Option(name: .customLong("model"), help: "Model file to serve (.gguf or lmlab .h5); repeat to serve several.")
    var models: [String] = []
    @Option(help: "Address to bind (127.0.0.1 keeps the server on this machine; 0.0.0.0 opens it to the network).")
    var host = "127.0.0.1"
    @Option(help: "TCP port (0 picks a free one; the bound address is printed).")
    var port = 8080
    @Option(name: .customLong("api-key"), help: "Require \"Authorization: Bearer KEY\" on every request but /health.")
    var apiKey: String?
    @Option(name: .customLong("max-batch"), help: "Sequences decoded together (continuous batching slots).")
    var maxBatch = ServerConfiguration(models: []).maxBatch
    @Option(name: .customLong("max-queue"), help: "Requests that may wait for a slot; beyond them the server answers 429.")
    var maxQueue = ServerConfiguration(models: []).maxQueue
    @Option(name: .customLong("prefill-chunk"), help: "Prompt tokens fed per step: a longer prompt joins the batch over several steps instead of stalling the running streams (at least 260 with --activations q8, whose prompts up to 128 tokens take another path).")
    var prefillChunk = ServerConfiguration(models: []).prefillChunk
    @Option(name: .customLong("max-body-bytes"), help: "Largest request body accepted (413 beyond it).")
    var maxBodyBytes = ServerConfiguration(models: []).maxBodyBytes
    @Option(name: .customLong("chat-format"), help: "Chat template for models without their own (e.g. chatml for an lmlab .h5).")
    var chatFormat: String?
    @Option(help: "A checkpoint whose training curves the playground shows (FILE.metrics.jsonl, also while `lmlab train --out FILE` runs); repeatable.")
    var watch: [String] = []
    @Option(help: "Threads for lmlab's kernels.")
    var threads = Parallel.threads
    @OptionGroup(title: "Runtime") var runtime: RuntimeOptionGroup

    func validate() throws {
        guard !models.isEmpty else { throw ValidationError("--model is required: a .gguf or .h5 file to serve (repeatable)") }
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port) is invalid: expected 0...65535") }
        guard maxBatch >= 1 else { throw ValidationError("--max-batch \(maxBatch) is invalid: expected an integer ≥ 1") }
        guard maxQueue >= 0 else { throw ValidationError("--max-queue \(maxQueue) is invalid: expected an integer ≥ 0") }
        guard prefillChunk >= 1 else { throw ValidationError("--prefill-chunk \(prefillChunk) is invalid: expected an integer ≥ 1") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes \(maxBodyBytes) is invalid: expected at least 1024") }
        guard threads >= 1 else { throw ValidationError("--threads \(threads) is invalid: expected an integer ≥ 1") }
        if let key = apiKey, key.isEmpty { throw ValidationError("--api-key is empty: give a key, or leave the flag out") }
    }

    func run() throws {
        Parallel.setThreads(threads)
        var config = ServerConfiguration(models: models)
        config.host = host; config.port = port; config.apiKey = apiKey
        config.maxBatch = maxBatch; config.maxQueue = maxQueue; config.maxBodyBytes = maxBodyBytes
        config.prefillChunk = prefillChunk
        config.watch = watch
        let server = try runOrExit { try LMLabServer(configuration: config, chatFormat: chatFormat, options: runtime.options) }
        let app = server.application { port in
            // One line a script (or a test) can wait for: the models and the bound address.
            FileHandle.standardOutput.write(Data("lmlab serve: \(server.models.names.joined(separator: ", ")) on http://\(host):\(port)\n".utf8))
        }
        // The command line is synchronous; the server runs on Swift concurrency until SIGINT/SIGTERM.
        let done = DispatchSemaphore(value: 0)
        let failure = LockedBox<(any Error)?>(nil)
        Task {
            do { try await app.runService() } catch { failure.value = error }
            done.signal()
        }
        done.wait()
        if let error = failure.value {
            let message = (error as? IOError)?.errnoCode == EADDRINUSE
                ? "cannot listen on \(host):\(port): the address is in use (another server?); choose another --port"
                : "\(error)"
            FileHandle.standardError.write(Data("lmlab: serve: \(message)\n".utf8))
            throw ExitCode.failure
        }
    }
}

/// A value shared between the main thread and the server's task.
final class LockedBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var _value: T
    init(_ value: T) { _value = value }
    var value: T {
        get { lock.withLock { _value } }
        set { lock.withLock { _value = newValue } }
    }
}
