// EventStream: a streamed response in the server-sent-events format OpenAI's streaming uses — one `data: {json}`
// event per chunk as it is ready, a `: keep-alive` comment whenever none came for a while (so proxies and clients
// do not time out while a request waits for a slot or its prompt is fed), and `data: [DONE]` at the end.
// A write that fails means the client went away: `onDisconnect` runs (the request's sequence is cancelled and
// leaves the batch at the next step). So does the client's end seen on its connection (ConnectionClosure) —
// sooner while the request waits in the queue, when nothing but a keep-alive comment is written for seconds.
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore

enum EventStream {
    static let headers: HTTPFields = [
        .contentType: "text/event-stream", .cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no",
    ]

    /// One event: `data: <json>\n\n`.
    static func event(_ json: Data) -> ByteBuffer {
        var buffer = ByteBuffer(string: "data: ")
        buffer.writeBytes(json)
        buffer.writeString("\n\n")
        return buffer
    }

    static let keepAlive = ByteBuffer(string: ": keep-alive\n\n")
    static let done = ByteBuffer(string: "data: [DONE]\n\n")

    /// A 200 response that writes `events` (each already an `event(_:)`), with keep-alive comments every
    /// `keepAliveSeconds` in between, then [DONE]; `onDisconnect` runs when a write fails or `connection` ends.
    static func response(_ events: AsyncStream<ByteBuffer>, keepAliveSeconds: Double, connection: ConnectionClosure?,
                         onDisconnect: @escaping @Sendable () -> Void) -> Response {
        Response(status: .ok, headers: headers, body: ResponseBody { writer in
            guard let connection else { return try await write(events, to: &writer, keepAliveSeconds, onDisconnect) }
            try await connection.whileOpen(onClose: onDisconnect) {
                try await write(events, to: &writer, keepAliveSeconds, onDisconnect)
            }
        })
    }

    private static func write(_ events: AsyncStream<ByteBuffer>, to writer: inout some ResponseBodyWriter,
                              _ keepAliveSeconds: Double, _ onDisconnect: @Sendable () -> Void) async throws {
        // nil is a keep-alive tick.
        let (merged, input) = AsyncStream<ByteBuffer?>.makeStream()
        let forward = Task {
            for await e in events { input.yield(e) }
            input.finish()
        }
        let ticker = Task {
            while !Task.isCancelled {
                try await Task.sleep(nanoseconds: UInt64(keepAliveSeconds * 1e9))
                input.yield(nil)
            }
        }
        defer { forward.cancel(); ticker.cancel() }
        do {
            for await item in merged { try await writer.write(item ?? keepAlive) }
            try await writer.write(done)
            try await writer.finish(nil)
        } catch {
            onDisconnect()
            throw error
        }
    }
}
