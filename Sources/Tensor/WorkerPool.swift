// WorkerPool: threads that stay awake between many small parallel loops. Generating one token of a 135M model
// runs ~210 matrix–vector products of 15–150 µs each; handing each to Dispatch costs a thread wake-up (futex,
// several µs) per product. Here the workers spin for a short while after each loop (like llama.cpp's and
// OpenMP's thread pools), so the next loop starts at once, and only then go to sleep on a semaphore.
//
// A loop is split into more chunks than threads, taken from a shared counter, so a thread that starts late (the
// machine is busy) just takes fewer chunks; the caller takes part and returns when every chunk is done.
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

@available(macOS 15.0, *)
public final class WorkerPool: @unchecked Sendable {
    // @unchecked: `body` is written by the caller only while no worker can read it. A worker reads it only after
    // taking a chunk below `chunks`, and the caller publishes a new loop by writing `body` first and then resetting
    // `nextChunk` with release ordering (the worker's take acquires); it clears `body` only once every chunk is done.

    /// Extra threads besides the caller.
    public let workers: Int
    /// Spin iterations (each a pause hint) a worker waits for the next loop before it sleeps: ~50–100 µs.
    static let spinLimit = 20_000

    private let generation = Atomic<Int>(0)   // bumped once per loop: workers wake on a change
    private let nextChunk = Atomic<Int>(0)    // the next chunk to take
    private let remaining = Atomic<Int>(0)    // chunks not yet finished
    private let sleeping = Atomic<Int>(0)     // workers waiting on `wake`
    private let chunks = Atomic<Int>(0)       // chunks of the current loop
    private let busy = Atomic<Bool>(false)    // a loop is running: a second caller runs its loop alone
    private let wake = DispatchSemaphore(value: 0)
    private var body: ((Int) -> Void)? = nil

    public init(workers: Int) {
        self.workers = workers
        for _ in 0..<workers {
            // The thread keeps the pool alive: a pool lives as long as the process (its workers sleep when idle).
            let thread = Thread { self.workerLoop() }
            thread.start()
        }
    }

    /// Runs body(0) … body(chunks − 1), on the caller and the workers; returns when all are done. One loop at a
    /// time: a call made while another thread's loop runs does its chunks itself, on the calling thread.
    public func run(chunks: Int, _ body: @escaping (Int) -> Void) {
        guard chunks > 1, workers > 0, !busy.exchange(true, ordering: .acquiring) else {
            for c in 0..<chunks { body(c) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        self.body = body
        self.chunks.store(chunks, ordering: .relaxed)
        remaining.store(chunks, ordering: .relaxed)
        nextChunk.store(0, ordering: .releasing)              // publishes body, chunks, remaining to a take
        generation.add(1, ordering: .sequentiallyConsistent)  // publishes body/chunks
        for _ in 0..<sleeping.load(ordering: .sequentiallyConsistent) { wake.signal() }
        takeChunks()
        var spins = 0
        while remaining.load(ordering: .acquiring) > 0 {
            spins += 1
            if spins > 64 { sched_yield() }  // a worker is late: the machine is busy, give it the core
        }
        self.body = nil
    }

    private func takeChunks() {
        while true {
            let c = nextChunk.add(1, ordering: .acquiringAndReleasing).oldValue
            guard c < chunks.load(ordering: .relaxed), let body else { return }
            body(c)
            remaining.subtract(1, ordering: .releasing)
        }
    }

    private func workerLoop() {
        var seen = generation.load(ordering: .acquiring)
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins < Self.spinLimit { continue }
                sleeping.add(1, ordering: .sequentiallyConsistent)
                if generation.load(ordering: .sequentiallyConsistent) == seen { wake.wait() }
                sleeping.subtract(1, ordering: .sequentiallyConsistent)
                spins = 0
            }
            seen = generation.load(ordering: .acquiring)
            takeChunks()
        }
    }
}
