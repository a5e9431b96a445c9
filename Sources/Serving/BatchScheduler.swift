// BatchScheduler: continuous batching for a server — one long-lived driver, on lmlab's own worker thread, that
// decodes every active request together: each step is one Generator.step over all running sequences of a model,
// i.e. one feed(batch:caches:) (a batched model reads each weight once for all of them). A request joins at the next
// step — its prompt fed in that step's pass, together with the running sequences' tokens
// (Generator.step(_:prefilling:onEvents:): nobody waits for a pass of its own) — and leaves when it finishes or is
// cancelled (its client went away); each sequence keeps its own KV cache, sampler and seed, so it gets exactly the
// tokens it gets alone. Requests beyond the batch's slots wait in a bounded queue; beyond that, submit throws
// `queueFull` (the server's 429, with a wait estimated from the queue: `retryAfterSeconds`).
//
//   worker loop:  take new work → run exclusive jobs (beam search, inspection) → drop cancelled ones → one step per
//                 model (draw, hand out the events, then one pass: the admitted prompts + the running tokens) →
//                 end the finished ones → repeat (sleeps when idle)
import Decoding
import Foundation
import Models

public final class BatchScheduler<Model: LanguageModel>: @unchecked Sendable {
    /// How many sequences are decoded together, and how many requests may wait.
    public struct Limits: Sendable, Equatable {
        /// Sequences in one batched step (a request with n choices takes n).
        public var maxBatch = 16
        /// Requests waiting for slots before submit throws `queueFull`.
        public var maxQueue = 64
        /// Prompt tokens fed in one step (chunked prefill): a longer prompt joins over several steps, so the
        /// running sequences are not stalled for its whole pass (the model may raise it: `promptChunkFloor`).
        public var prefillChunk = 256
        public init(maxBatch: Int = 16, maxQueue: Int = 64, prefillChunk: Int = 256) {
            self.maxBatch = maxBatch; self.maxQueue = maxQueue; self.prefillChunk = prefillChunk
        }
    }

    /// What one step did, for metrics (also sent, with no tokens, when cancelled requests leave between steps).
    public struct StepReport: Sendable {
        /// The stepped model's tag (the one given to submit).
        public var model: String
        /// Tokens drawn in this step (one per running sequence).
        public var tokens: Int
        /// Sequences running and requests waiting after the step.
        public var active: Int
        public var waiting: Int
        public var seconds: Double
    }

    /// How a request ended.
    public enum Outcome {
        case finished([Generation])
        case failed(any Error)
        case cancelled
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case queueFull(waiting: Int)
        case stopped
        public var description: String {
            switch self {
            case .queueFull(let n): "the queue is full: \(n) requests are waiting for a slot"
            case .stopped: "the scheduler has stopped"
            }
        }
    }

    /// Lets the submitter cancel its request (its client disconnected); the sequence leaves at the next step.
    public final class Ticket: @unchecked Sendable {
        private let lock = NSLock()
        private var cancelled = false
        weak var state: State?
        let jobID: Int
        init(state: State, jobID: Int) { self.state = state; self.jobID = jobID }
        public var isCancelled: Bool { lock.withLock { cancelled } }
        public func cancel() {
            let first = lock.withLock { () -> Bool in
                defer { cancelled = true }
                return !cancelled
            }
            if first { state?.cancelPending(jobID) }
        }
    }

    let state: State

    public init(limits: Limits = Limits(), onStep: @escaping @Sendable (StepReport) -> Void = { _ in }) {
        state = State(limits: limits, onStep: onStep)
        let thread = Thread { [state] in
            // Named from inside: a Linux thread otherwise keeps its creator's name (debuggers and `top -H` show it).
            Thread.current.name = "lmlab-scheduler"
            state.run()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    deinit { state.stop() }

    /// Requests waiting for a slot.
    public var waiting: Int { state.lock.withLock { state.pending.count } }
    /// Most sequences decoded in one step since the start (or `resetPeak`): tests check requests were batched.
    public var peakActive: Int { state.lock.withLock { state.peak } }
    public func resetPeak() { state.lock.withLock { state.peak = 0 } }
    /// Requests that ended cancelled (their clients went away).
    public var cancelledCount: Int { state.lock.withLock { state.cancelled } }

    /// Seconds a refused request should wait before trying again (a 429's Retry-After): the requests waiting, plus
    /// one, times the recent seconds per request from admission to end, over the batch's slots — at least 1 s.
    public var retryAfterSeconds: Int {
        state.lock.withLock {
            let perRequest = state.recentRequestSeconds ?? 1
            return max(1, Int((Double(state.pending.count + 1) * perRequest / Double(state.limits.maxBatch)).rounded(.up)))
        }
    }

    /// Queues a generation. On the worker thread, `prefill` says what to feed (the request's prompt, samplers,
    /// options: Generator.PrefillRequest); its prompt goes through the next step's pass and its sequences join the
    /// batch. `onEvent` then hears each step's events and `onEnd` the end, once. `slots` is the number of
    /// sequences it starts (n). Throws `queueFull` when `maxQueue` requests already wait.
    public func submit(model: String, generator: Generator<Model>, slots: Int,
                       prefill: @escaping () throws -> Generator<Model>.PrefillRequest,
                       onEvent: @escaping (GenerationEvent) -> Void,
                       onEnd: @escaping (Outcome) -> Void) throws(Failure) -> Ticket {
        try state.submit { id in
            Job(id: id, model: model, generator: generator, slots: max(1, slots), prefill: prefill, onEvent: onEvent, onEnd: onEnd)
        }
    }

    /// Runs `work` alone on the worker thread, between two steps (beam search, next-token inspection), and returns
    /// its result. It takes the whole model while it runs; the batch resumes after it.
    public func exclusive<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            state.addExclusive {
                continuation.resume(with: Result { try work() })
            } onStop: {
                continuation.resume(throwing: Failure.stopped)
            }
        }
    }

    // MARK: - The worker's state

    final class Job {
        let id: Int
        let model: String
        let generator: Generator<Model>
        let slots: Int
        let prefill: () throws -> Generator<Model>.PrefillRequest
        let onEvent: (GenerationEvent) -> Void
        let onEnd: (Outcome) -> Void
        var ticket: Ticket!
        weak var state: State?
        var sequences: [GenerationSequence<Model>] = []
        /// Its prompt while it is being fed, a chunk per step; nil once its sequences run.
        var prompt: Generator<Model>.PromptProgress?
        var ended = false
        /// When its prompt pass started (for the recent seconds per request).
        var admitted: Date?

        init(id: Int, model: String, generator: Generator<Model>, slots: Int,
             prefill: @escaping () throws -> Generator<Model>.PrefillRequest, onEvent: @escaping (GenerationEvent) -> Void,
             onEnd: @escaping (Outcome) -> Void) {
            self.id = id; self.model = model; self.generator = generator; self.slots = slots; self.prefill = prefill
            self.onEvent = onEvent; self.onEnd = onEnd
        }

        func end(_ outcome: Outcome) {
            guard !ended else { return }
            ended = true
            sequences = []   // free the KV caches now
            prompt = nil
            if let state {
                state.lock.withLock {
                    if case .cancelled = outcome { state.cancelled += 1 }
                    if case .finished = outcome, let admitted {
                        // A moving average over about the last 8 requests.
                        let seconds = Date().timeIntervalSince(admitted)
                        state.recentRequestSeconds = state.recentRequestSeconds.map { 0.875 * $0 + 0.125 * seconds } ?? seconds
                    }
                }
            }
            onEnd(outcome)
        }

        var isFinished: Bool { prompt == nil && sequences.allSatisfy(\.isFinished) }
        /// Slots it holds: its running sequences, or all of them while its prompt is fed.
        var slotsInUse: Int { prompt != nil ? slots : sequences.filter { !$0.isFinished }.count }
    }

    final class State: @unchecked Sendable {
        let limits: Limits
        let onStep: @Sendable (StepReport) -> Void
        let lock = NSLock()
        let wake = NSCondition()
        // Guarded by `lock`:
        var pending: [Job] = []
        var exclusives: [(run: () -> Void, onStop: () -> Void)] = []
        var nextID = 0
        var stopped = false
        /// Slots (sequences) of the requests being decoded, as of the worker's last look.
        var runningSlots = 0
        /// Most sequences in one step, and requests ended cancelled (for tests and metrics).
        var peak = 0
        var cancelled = 0
        /// Seconds from admission to end of the recently finished requests (a moving average), for Retry-After.
        var recentRequestSeconds: Double?
        // Worker thread only:
        var active: [Job] = []

        init(limits: Limits, onStep: @escaping @Sendable (StepReport) -> Void) {
            self.limits = limits
            self.onStep = onStep
        }

        /// Queues the job `make` builds with its id (or refuses it: stopped, or the queue is full).
        func submit(_ make: (Int) -> Job) throws(Failure) -> Ticket {
            let result: Result<Ticket, Failure> = lock.withLock {
                if stopped { return .failure(.stopped) }
                nextID += 1
                let job = make(nextID)
                // A request that fits a free slot never waits; others wait while the queue has room.
                let fitsNow = pending.isEmpty && (runningSlots == 0 || runningSlots + job.slots <= limits.maxBatch)
                if !fitsNow && pending.count >= limits.maxQueue { return .failure(.queueFull(waiting: pending.count)) }
                job.ticket = Ticket(state: self, jobID: job.id)
                job.state = self
                pending.append(job)
                return .success(job.ticket)
            }
            signal()
            return try result.get()
        }

        func addExclusive(_ run: @escaping () -> Void, onStop: @escaping () -> Void) {
            let accepted = lock.withLock { () -> Bool in
                if stopped { return false }
                exclusives.append((run, onStop))
                return true
            }
            if accepted { signal() } else { onStop() }
        }

        /// A request cancelled before it got a slot leaves the queue at once.
        func cancelPending(_ id: Int) {
            let job: Job? = lock.withLock {
                guard let i = pending.firstIndex(where: { $0.id == id }) else { return nil }
                return pending.remove(at: i)
            }
            job?.end(.cancelled)
            signal()
        }

        func stop() {
            lock.withLock { stopped = true }
            signal()
        }

        func signal() {
            wake.lock(); wake.signal(); wake.unlock()
        }

        /// The worker thread's loop.
        func run() {
            while true {
                guard let (exclusive, admitted) = takeWork() else { return }
                for e in exclusive { e.run() }
                stepAll(admitting: dropCancelled(admitted: admitted))
            }
        }

        /// Takes the requests whose clients went away (running, or admitted for this step) out of the batch and
        /// frees their slots and reports the smaller batch (a report with no tokens) — before ending them, so whoever
        /// hears of the end finds the slots free. Returns the admitted requests that stay.
        func dropCancelled(admitted: [Job]) -> [Job] {
            let ended = (active + admitted).filter { $0.ticket.isCancelled }
            guard !ended.isEmpty else { return admitted }
            let gone = Set(ended.map(\.id))
            active.removeAll { gone.contains($0.id) }
            let staying = admitted.filter { !gone.contains($0.id) }
            let running = active.reduce(0) { $0 + $1.slotsInUse }
            let waiting = lock.withLock {
                runningSlots = running + staying.reduce(0) { $0 + $1.slots }
                return pending.count
            }
            onStep(StepReport(model: ended[0].model, tokens: 0, active: running, waiting: waiting, seconds: 0))
            for job in ended { job.end(.cancelled) }
            return staying
        }

        /// Waits until there is something to do; returns the exclusive jobs and the requests that now get slots.
        /// nil once stopped (everything still queued or running is told).
        func takeWork() -> ([(run: () -> Void, onStop: () -> Void)], [Job])? {
            while true {
                wake.lock()
                let idle = lock.withLock { !stopped && pending.isEmpty && exclusives.isEmpty } && active.isEmpty
                if idle { wake.wait() }
                wake.unlock()
                lock.lock()
                if stopped {
                    let (queued, ex) = (pending, exclusives)
                    pending = []; exclusives = []
                    lock.unlock()
                    for job in queued + active { job.end(.failed(Failure.stopped)) }
                    active = []
                    for e in ex { e.onStop() }
                    return nil
                }
                let ex = exclusives
                exclusives = []
                var used = active.reduce(0) { $0 + $1.slotsInUse }
                var admitted: [Job] = []
                // First come, first served: a request waits while the one before it does not fit.
                while let job = pending.first, used + job.slots <= limits.maxBatch || used == 0 {
                    admitted.append(pending.removeFirst())
                    used += job.slots
                }
                runningSlots = used
                lock.unlock()
                if !ex.isEmpty || !admitted.isEmpty || !active.isEmpty { return (ex, admitted) }
            }
        }

        /// One step of every model's running sequences, with the next chunk of the prompts being fed (the requests
        /// admitted for it join them; first come, first fed, up to `prefillChunk` tokens in all, at least one
        /// prompt) in the same pass; then the finished requests end.
        func stepAll(admitting admitted: [Job]) {
            var models: [ObjectIdentifier] = []
            for job in active + admitted where !models.contains(ObjectIdentifier(job.generator.model)) {
                models.append(ObjectIdentifier(job.generator.model))
            }
            let start = Date()
            for job in admitted {
                do {
                    job.prompt = try job.generator.startPrefill(try job.prefill())
                    job.admitted = start
                    active.append(job)
                } catch { job.end(.failed(error)) }
            }
            for model in models {
                let jobs = active.filter { ObjectIdentifier($0.generator.model) == model }
                var owners: [Job] = [], sequences: [GenerationSequence<Model>] = [], feeding: [Job] = []
                for job in jobs {
                    for s in job.sequences where !s.isFinished { owners.append(job); sequences.append(s) }
                }
                let chunk = limits.prefillChunk
                var budget = chunk
                for job in jobs {
                    guard let prompt = job.prompt else { continue }
                    let n = prompt.nextChunk(limit: chunk)
                    if !feeding.isEmpty && n > budget { break }
                    feeding.append(job)
                    budget -= n
                }
                guard !sequences.isEmpty || !feeding.isEmpty else { continue }
                let generator = jobs[0].generator
                let stepStart = Date()
                do {
                    let started = try generator.step(sequences, prefilling: feeding.map { $0.prompt! }, chunk: chunk) { events in
                        for (job, event) in zip(owners, events) { job.onEvent(event) }
                    }
                    for (job, s) in zip(feeding, started) {
                        guard let s else { continue }
                        job.sequences = s
                        job.prompt = nil
                    }
                } catch {
                    for job in jobs { job.end(.failed(error)) }
                }
                for job in jobs where !job.ended && job.isFinished {
                    job.end(.finished(job.sequences.map(\.generation)))
                }
                active.removeAll { $0.ended }
                let running = active.reduce(0) { $0 + $1.slotsInUse }
                lock.withLock {
                    runningSlots = running
                    peak = max(peak, sequences.count)
                }
                onStep(StepReport(model: jobs[0].model, tokens: sequences.count, active: running,
                                  waiting: lock.withLock { pending.count }, seconds: Date().timeIntervalSince(stepStart)))
            }
        }
    }
}
