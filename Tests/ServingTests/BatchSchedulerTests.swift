// The continuous-batching driver on the lessons' tiny GPT (fast): requests submitted at once are decoded together
// and each gets exactly what it gets alone (ModelHandle.complete); the queue is bounded; a cancelled request leaves
// (waiting: at once; running: at the next step) and frees its slot at once; exclusive jobs run between steps.
import Decoding
import Foundation
import Models
import XCTest
@testable import Serving

final class BatchSchedulerTests: XCTestCase {
    func model() throws -> ModelHandle {
        let path = ModelHandleTests.tiny
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) absent: lesson 1 trains it") }
        return try ModelHandle(path: path)
    }

    func request(_ prompt: String, seed: UInt64, maxTokens: Int = 12, n: Int = 1) -> CompletionRequest {
        var r = CompletionRequest(prompt: .text(prompt))
        r.maxTokens = maxTokens
        r.seed = seed
        r.n = n
        r.sampling.temperature = 0.9
        r.logprobs = 2
        return r
    }

    /// Submits `prepared` and waits for its generations.
    func run(_ scheduler: BatchScheduler<TransformerRuntime>, _ handle: ModelHandle, _ prepared: PreparedCompletion,
             events: @escaping (GenerationEvent) -> Void = { _ in }) throws -> (BatchScheduler<TransformerRuntime>.Ticket, () -> BatchScheduler<TransformerRuntime>.Outcome) {
        let done = DispatchSemaphore(value: 0)
        let box = OutcomeBox()
        let ticket = try scheduler.submit(model: handle.name, generator: handle.generator, slots: prepared.request.n,
                                          prefill: { handle.prefillRequest(prepared) }, onEvent: events,
                                          onEnd: { box.outcome = $0; done.signal() })
        return (ticket, { done.wait(); return box.outcome! })
    }

    final class OutcomeBox: @unchecked Sendable { var outcome: BatchScheduler<TransformerRuntime>.Outcome? }

    func testRequestsDecodedTogetherGetWhatTheyGetAlone() throws {
        let handle = try model()
        let prompts = [" The game", " In 1990", " The city of", " He was born", " The album", " It is"]
        let prepared = try prompts.enumerated().map { i, p in try handle.prepare(request(p, seed: UInt64(i), n: i % 2 + 1)) }
        let alone = try prepared.map { try handle.complete($0) }
        let scheduler = BatchScheduler<TransformerRuntime>(limits: .init(maxBatch: 16, maxQueue: 16))
        let waits = try prepared.map { try run(scheduler, handle, $0).1 }
        for (i, wait) in waits.enumerated() {
            guard case .finished(let generations) = wait() else { return XCTFail("request \(i) did not finish") }
            let together = prepared[i].result(generations)
            XCTAssertEqual(together.choices.map(\.tokens), alone[i].choices.map(\.tokens), "request \(i)")
            XCTAssertEqual(together.choices.map(\.text), alone[i].choices.map(\.text), "request \(i)")
            XCTAssertEqual(together.choices.map { $0.logprobs ?? [] }, alone[i].choices.map { $0.logprobs ?? [] }, "request \(i)")
        }
        XCTAssertGreaterThan(scheduler.peakActive, 2, "the requests were not decoded together")
    }

    /// Counts on the worker thread, read from the test's.
    final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0, firstOther: Int?
        var count: Int { lock.withLock { n } }
        var atOthersFirstEvent: Int? { lock.withLock { firstOther } }
        func add() { lock.withLock { n += 1 } }
        func othersFirstEvent() { lock.withLock { if firstOther == nil { firstOther = n } } }
    }

    /// Chunked prefill: a long prompt admitted while another request streams joins over several steps (prefillChunk
    /// 8: a prompt of 40-odd tokens in 5 or 6 chunks), and the streaming request draws a token in each of them;
    /// then the long one gets what it gets alone — its tokens, and log-probs within the chunks' rounding (~1e-7
    /// relative: GenerationBatchTests).
    func testALongPromptJoinsInChunksWhileAnotherStreams() throws {
        let handle = try model()
        let scheduler = BatchScheduler<TransformerRuntime>(limits: .init(maxBatch: 4, maxQueue: 4, prefillChunk: 8))
        let streaming = try handle.prepare(request(" The game", seed: 1, maxTokens: 60))
        let tally = Tally()
        let (_, waitA) = try run(scheduler, handle, streaming) { _ in tally.add() }
        while tally.count < 3 { usleep(1000) }
        let long = try handle.prepare(request(String(repeating: " The city of the game was", count: 8), seed: 2, maxTokens: 4))
        let chunks = (long.promptTokens.count + 7) / 8
        XCTAssertGreaterThanOrEqual(chunks, 5, "\(long.promptTokens.count) prompt tokens")
        let before = tally.count
        let (_, waitB) = try run(scheduler, handle, long) { _ in tally.othersFirstEvent() }
        guard case .finished(let generations) = waitB() else { return XCTFail("the long request did not finish") }
        // The streaming request drew a token in every step that fed a chunk (the first may have been under way).
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(tally.atOthersFirstEvent) - before, chunks - 1)
        let together = long.result(generations), alone = try handle.complete(long)
        XCTAssertEqual(together.choices.map(\.tokens), alone.choices.map(\.tokens))
        for (t, a) in zip(together.choices[0].logprobs ?? [], alone.choices[0].logprobs ?? []) {
            XCTAssertEqual(t.id, a.id)
            XCTAssertEqual(t.logprob ?? 0, a.logprob ?? 0, accuracy: 1e-4)
        }
        XCTAssertEqual(together.choices[0].logprobs?.count, 4)
        guard case .finished = waitA() else { return XCTFail("the streaming request did not finish") }
    }

    func testTheQueueIsBoundedAndCancellingFreesTheSlot() throws {
        let handle = try model()
        let scheduler = BatchScheduler<TransformerRuntime>(limits: .init(maxBatch: 1, maxQueue: 1))
        var long = request(" The game", seed: 1, maxTokens: 100_000)
        long.ignoreEOS = true
        // The tiny GPT's context is 128 tokens: a "long" request ends at the context. Hold its events back so it
        // is still running when the others arrive.
        let gate = DispatchSemaphore(value: 0), started = DispatchSemaphore(value: 0)
        let first = try run(scheduler, handle, try handle.prepare(long)) { _ in started.signal(); gate.wait() }
        started.wait()   // it holds the one slot now
        let waiting = try run(scheduler, handle, try handle.prepare(request(" It is", seed: 2)))
        XCTAssertEqual(scheduler.waiting, 1)
        XCTAssertThrowsError(try run(scheduler, handle, try handle.prepare(request(" He", seed: 3)))) {
            XCTAssertEqual($0 as? BatchScheduler<TransformerRuntime>.Failure, .queueFull(waiting: 1))
        }
        // Cancel the waiting one: it leaves the queue at once.
        waiting.0.cancel()
        guard case .cancelled = waiting.1() else { return XCTFail("the waiting request was not cancelled") }
        XCTAssertEqual(scheduler.waiting, 0)
        // Cancel the running one: it leaves at the next step, and a new request gets its slot.
        first.0.cancel()
        for _ in 0..<200 { gate.signal() }
        guard case .cancelled = first.1() else { return XCTFail("the running request was not cancelled") }
        let next = try run(scheduler, handle, try handle.prepare(request(" The album", seed: 4)))
        guard case .finished = next.1() else { return XCTFail("the next request did not run") }
        XCTAssertEqual(scheduler.cancelledCount, 2)
    }

    /// When a cancelled request leaves and the batch is empty, its slot is free at once (nothing may wait here, so a
    /// request that came before the worker's next look would be refused) and the step reports say nothing runs.
    func testACancelledRequestsSlotIsFreeAtOnce() throws {
        let handle = try model()
        let reports = ReportsBox()
        let scheduler = BatchScheduler<TransformerRuntime>(limits: .init(maxBatch: 1, maxQueue: 0)) { reports.add($0) }
        var long = request(" The game", seed: 1, maxTokens: 100_000)
        long.ignoreEOS = true
        let gate = DispatchSemaphore(value: 0), started = DispatchSemaphore(value: 0)
        let first = try run(scheduler, handle, try handle.prepare(long)) { _ in started.signal(); gate.wait() }
        started.wait()
        first.0.cancel()
        for _ in 0..<200 { gate.signal() }
        guard case .cancelled = first.1() else { return XCTFail("the running request was not cancelled") }
        XCTAssertEqual(reports.last?.active, 0, "the last report still counts the cancelled sequence")
        let next = try run(scheduler, handle, try handle.prepare(request(" The album", seed: 4)))
        guard case .finished = next.1() else { return XCTFail("the next request did not run") }
    }

    final class ReportsBox: @unchecked Sendable {
        private let lock = NSLock()
        private var reports: [BatchScheduler<TransformerRuntime>.StepReport] = []
        func add(_ r: BatchScheduler<TransformerRuntime>.StepReport) { lock.withLock { reports.append(r) } }
        var last: BatchScheduler<TransformerRuntime>.StepReport? { lock.withLock { reports.last } }
    }

    /// A refused request's Retry-After is the queue's expected wait: (waiting + 1) × the recent seconds per request
    /// (a moving average of finished requests) over the batch's slots, rounded up, at least 1 s.
    func testRetryAfterFollowsTheQueue() throws {
        let handle = try model()
        let scheduler = BatchScheduler<TransformerRuntime>(limits: .init(maxBatch: 2, maxQueue: 8))
        XCTAssertEqual(scheduler.retryAfterSeconds, 1, "nothing measured yet, nothing waiting")
        guard case .finished = try run(scheduler, handle, try handle.prepare(request(" It is", seed: 2))).1() else {
            return XCTFail("the first request did not finish")
        }
        let measured = try XCTUnwrap(scheduler.state.lock.withLock { scheduler.state.recentRequestSeconds })
        XCTAssertGreaterThan(measured, 0)
        XCTAssertEqual(scheduler.retryAfterSeconds, max(1, Int((measured / 2).rounded(.up))))
        // Say requests took 10 s lately; hold both slots, then let three wait.
        scheduler.state.lock.withLock { scheduler.state.recentRequestSeconds = 10 }
        XCTAssertEqual(scheduler.retryAfterSeconds, 5)
        var long = request(" The game", seed: 1, maxTokens: 100_000)
        long.ignoreEOS = true
        let gate = DispatchSemaphore(value: 0), started = DispatchSemaphore(value: 0)
        let holders = try (0..<2).map { _ in try run(scheduler, handle, try handle.prepare(long)) { _ in started.signal(); gate.wait() } }
        started.wait()
        let waiting = try (0..<3).map { _ in try run(scheduler, handle, try handle.prepare(request(" It is", seed: 3))) }
        XCTAssertEqual(scheduler.waiting, 3)
        XCTAssertEqual(scheduler.retryAfterSeconds, 20, "(3 waiting + 1) × 10 s / 2 slots")
        for w in waiting { w.0.cancel() }
        for h in holders { h.0.cancel() }
        for _ in 0..<400 { gate.signal() }
        for h in holders { _ = h.1() }
    }

    func testExclusiveJobsRunOnTheWorker() async throws {
        let handle = try model()
        let scheduler = BatchScheduler<TransformerRuntime>()
        let ids = handle.tokenizer.encode(" The game", addSpecial: true)
        let distribution = try await scheduler.exclusive { try handle.nextToken(after: ids) }
        XCTAssertEqual(distribution.logits, try handle.nextToken(after: ids).logits)
        // The OS thread's name (Linux: /proc/thread-self/comm), which the worker's Thread sets.
        let thread = try await scheduler.exclusive { () -> String in
            ((try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "")
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        XCTAssertEqual(thread, "lmlab-scheduler")
    }
}
