// GenerationQueue: how a route hands a prepared completion to the scheduler's worker thread and gets its events
// back — an AsyncStream of step events that ends with the outcome. Cancelling (the client went away) removes the
// request's sequences from the batch at the next step. Beam search and next-token inspection run as exclusive jobs
// on the same worker (they use the model too; never on the event loops); a beam search whose client went away stops
// before its next step.
import Decoding
import NIOConcurrencyHelpers
import Models
import Serving

enum GenerationUpdate: Sendable {
    case event(GenerationEvent)
    case finished([Generation])
    case failed(any Error)
    case cancelled
}

/// One queued request: its updates, and the handle that cancels it.
struct QueuedGeneration: Sendable {
    let updates: AsyncStream<GenerationUpdate>
    let ticket: BatchScheduler<TransformerRuntime>.Ticket
}

extension LMLabServer {
    /// Queues `prepared` (sampling: its n sequences decoded with everyone else's). 429 when the queue is full.
    func enqueue(_ prepared: PreparedCompletion, on model: ServedModel) throws(APIError) -> QueuedGeneration {
        let (updates, continuation) = AsyncStream<GenerationUpdate>.makeStream()
        let handle = model.handle
        let ticket: BatchScheduler<TransformerRuntime>.Ticket
        do {
            ticket = try scheduler.submit(
                model: model.name, generator: handle.generator, slots: prepared.request.n,
                prefill: { handle.prefillRequest(prepared) },
                onEvent: { continuation.yield(.event($0)) },
                onEnd: { outcome in
                    switch outcome {
                    case .finished(let g): continuation.yield(.finished(g))
                    case .failed(let e): continuation.yield(.failed(e))
                    case .cancelled: continuation.yield(.cancelled)
                    }
                    continuation.finish()
                })
        } catch {
            switch error {
            case .queueFull(let waiting): throw APIError.queueFull(waiting: waiting, retryAfter: scheduler.retryAfterSeconds)
            case .stopped: throw APIError.unavailable("the server is shutting down")
            }
        }
        // The consumer stopped listening (its task ended or was cancelled): the sequence leaves the batch.
        continuation.onTermination = { _ in ticket.cancel() }
        metrics.queue(waiting: scheduler.waiting)
        return QueuedGeneration(updates: updates, ticket: ticket)
    }

    /// Runs `prepared` to the end and returns its result (the non-streamed answer). If the client of `connection`
    /// goes away first, the request is cancelled (it leaves the batch at the next step) and this throws 499.
    func complete(_ prepared: PreparedCompletion, on model: ServedModel, connection: ConnectionClosure?) async throws
        -> CompletionResult
    {
        if prepared.request.usesBeamSearch {
            // It runs whole on the worker; a client that goes away stops it before its next step.
            let (handle, gone) = (model.handle, Flag())
            let search = { () async throws -> CompletionResult in
                do { return try await self.scheduler.exclusive { try handle.complete(prepared, isCancelled: { gone.isSet }) } }
                catch is CancellationError { throw APIError.clientClosedRequest }
            }
            guard let connection else { return try await search() }
            return try await connection.whileOpen(onClose: { gone.set() }, search)
        }
        let queued = try enqueue(prepared, on: model)
        let ticket = queued.ticket
        let collect = { () async throws -> CompletionResult in
            for await update in queued.updates {
                switch update {
                case .event: continue
                case .finished(let generations): return prepared.result(generations)
                case .failed(let error): throw error
                case .cancelled: throw APIError.clientClosedRequest
                }
            }
            throw APIError.clientClosedRequest
        }
        guard let connection else { return try await collect() }
        return try await connection.whileOpen(onClose: { ticket.cancel() }, collect)
    }
}

/// A flag set once from one thread (a connection's event loop) and read from another (the worker's).
final class Flag: Sendable {
    private let value = NIOLockedValueBox(false)
    var isSet: Bool { value.withLockedValue { $0 } }
    func set() { value.withLockedValue { $0 = true } }
}
