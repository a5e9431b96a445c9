// ServerMetrics: what GET /metrics reports, recorded through swift-metrics and rendered in Prometheus' text format
// by swift-prometheus. Each application gets its own registry (no global bootstrap), so tests can run several.
//
//   lmlab_requests_total{endpoint,status}        requests answered
//   lmlab_request_duration_seconds{endpoint}     time to the whole response (histogram)
//   lmlab_prompt_tokens_total{model}             prompt tokens fed
//   lmlab_generated_tokens_total{model}          tokens generated
//   lmlab_queue_length                           requests waiting for a generation slot
//   lmlab_active_sequences                       sequences being decoded together
//   lmlab_tokens_per_second                      tokens generated in the last 5 seconds, per second
import Foundation
import Metrics
import struct Prometheus.PrometheusMetricsFactory
import class Prometheus.PrometheusCollectorRegistry

public final class ServerMetrics: @unchecked Sendable {
    let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory
    let queueLength: Metrics.Gauge
    let activeSequences: Metrics.Gauge
    let tokensPerSecond: Metrics.Gauge
    /// (time, tokens) of recent decoding steps, for the tokens/s window.
    private let lock = NSLock()
    private var recent: [(time: Double, tokens: Int)] = []
    /// Seconds of history behind lmlab_tokens_per_second.
    static let window = 5.0

    public init() {
        factory = PrometheusMetricsFactory(registry: registry)
        queueLength = Metrics.Gauge(label: "lmlab_queue_length", factory: factory)
        activeSequences = Metrics.Gauge(label: "lmlab_active_sequences", factory: factory)
        tokensPerSecond = Metrics.Gauge(label: "lmlab_tokens_per_second", factory: factory)
        queueLength.record(0); activeSequences.record(0); tokensPerSecond.record(0)
    }

    func request(endpoint: String, status: Int, seconds: Double) {
        Metrics.Counter(label: "lmlab_requests_total", dimensions: [("endpoint", endpoint), ("status", String(status))],
                factory: factory).increment()
        Metrics.Timer(label: "lmlab_request_duration_seconds", dimensions: [("endpoint", endpoint)], factory: factory)
            .recordNanoseconds(Int64(seconds * 1e9))
    }

    func promptTokens(_ n: Int, model: String) {
        Metrics.Counter(label: "lmlab_prompt_tokens_total", dimensions: [("model", model)], factory: factory).increment(by: n)
    }

    /// One decoding step of the scheduler: `tokens` new tokens for `model`, with the batch and queue as they now are.
    func step(model: String, tokens: Int, active: Int, waiting: Int, at time: Double = Date().timeIntervalSince1970) {
        if tokens > 0 {
            Metrics.Counter(label: "lmlab_generated_tokens_total", dimensions: [("model", model)], factory: factory)
                .increment(by: tokens)
        }
        activeSequences.record(active)
        queueLength.record(waiting)
        lock.withLock {
            recent.append((time, tokens))
            recent.removeAll { $0.time < time - Self.window }
        }
    }

    func queue(waiting: Int) { queueLength.record(waiting) }

    /// The Prometheus text exposition (format 0.0.4).
    public func exposition(now: Double = Date().timeIntervalSince1970) -> String {
        let inWindow = lock.withLock { recent.filter { $0.time >= now - Self.window }.map(\.tokens).reduce(0, +) }
        tokensPerSecond.record(Double(inWindow) / Self.window)
        return registry.emitToString()
    }
}
