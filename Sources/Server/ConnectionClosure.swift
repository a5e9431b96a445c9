// ConnectionClosure: hears that a client went away while its request is still being answered, so a non-streamed
// generation leaves the batch at the next step instead of decoding up to max_tokens for nobody (a stream notices
// by itself: its next write fails). Hummingbird does not cancel a route's task when the connection closes, and
// nothing is written to a non-streamed request's connection before the end, so a small NIO handler in each
// connection's pipeline (after the HTTP decoding) watches for the client's end and runs what the request in
// progress registered. The client's end is either its FIN — Hummingbird allows half-closure, so that arrives as the
// `inputClosed` event and the channel stays open — or a reset / a closed channel (`channelInactive`). A client that
// half-closes and still waits for its answer counts as gone too, as in nginx and llama.cpp's server (HTTP/1.1
// clients do not do that).
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore

/// One connection's end: `whileOpen` runs its body and, if the client goes away before the body returns, its
/// `onClose` (once; at once if the client had already gone).
final class ConnectionClosure: Sendable {
    private struct State {
        var closed = false
        var nextID = 0
        /// What the requests in progress on this connection registered (HTTP/1: at most one at a time).
        var onClose: [Int: @Sendable () -> Void] = [:]
    }
    private let state = NIOLockedValueBox(State())

    /// Runs `body`; `onClose` runs if the client goes away meanwhile, and is dropped when `body` returns (nothing
    /// outlives the request on a kept-alive connection).
    func whileOpen<T>(onClose: @escaping @Sendable () -> Void, _ body: () async throws -> T) async throws -> T {
        let id: Int? = state.withLockedValue { s in
            guard !s.closed else { return nil }
            s.nextID += 1
            s.onClose[s.nextID] = onClose
            return s.nextID
        }
        guard let id else { onClose(); return try await body() }
        defer { _ = state.withLockedValue { $0.onClose.removeValue(forKey: id) } }
        return try await body()
    }

    /// The client went away: every registered `onClose` runs, once.
    func close() {
        let actions = state.withLockedValue { s in
            defer { s.closed = true; s.onClose = [:] }
            return Array(s.onClose.values)
        }
        for action in actions { action() }
    }

    /// The connection's `ConnectionClosure`, found in its pipeline (nil when it has none: HummingbirdTesting's
    /// router tests have no connection).
    static func of(_ channel: any Channel) async -> ConnectionClosure? {
        try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: Handler.self).closure
        }.get()
    }

    /// The handler in each connection's pipeline (`HTTP1Channel.Configuration.additionalChannelHandlers`): it passes
    /// everything on, and tells `closure` when the client's side ends.
    final class Handler: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = NIOAny
        let closure = ConnectionClosure()

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .inputClosed? = event as? ChannelEvent { closure.close() }
            context.fireUserInboundEventTriggered(event)
        }

        func channelInactive(context: ChannelHandlerContext) {
            closure.close()
            context.fireChannelInactive()
        }
    }
}
