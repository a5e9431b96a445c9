// ServerConfiguration: everything `lmlab serve` is told, as one value with documented defaults. The CLI fills it
// from flags; tests build it directly.

public struct ServerConfiguration: Sendable, Equatable {
    /// Model files to serve (.gguf or lmlab .h5); a request's `model` is a file name without its extension.
    public var models: [String]
    /// Address to bind. 127.0.0.1 keeps the server on this machine; 0.0.0.0 opens it to a classroom's network.
    public var host = "127.0.0.1"
    /// TCP port; 0 lets the system pick a free one (the bound port is printed).
    public var port = 8080
    /// When set, every request but /health needs `Authorization: Bearer <apiKey>`.
    public var apiKey: String? = nil
    /// Sequences decoded together, one batched forward pass per step (continuous batching's slots).
    public var maxBatch = 16
    /// Requests waiting for a slot before new ones get 429 (with Retry-After).
    public var maxQueue = 64
    /// Prompt tokens fed per step (chunked prefill): a long prompt joins over several steps instead of stalling
    /// the running streams for its whole pass (BatchScheduler.Limits.prefillChunk).
    public var prefillChunk = 256
    /// Largest request body accepted, in bytes (413 beyond it). A 8192-token prompt is ~40 KB of text.
    public var maxBodyBytes = 1 << 20
    /// Seconds between SSE keep-alive comments (`: keep-alive`) while a stream waits for its next token.
    public var keepAliveSeconds = 10.0
    /// Checkpoints whose training curves the playground's Training view shows besides the served .h5 models (a run
    /// that may still be going: `lmlab train --out FILE` writes FILE.metrics.jsonl as it trains).
    public var watch: [String] = []
    /// Threads for lmlab's kernels (the worker's matrix products).
    public var threads: Int? = nil

    public init(models: [String]) { self.models = models }
}
