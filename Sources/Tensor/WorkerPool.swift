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
    // taking a chunk of the current loop, and the caller publishes a new loop by writing `body` first and then
    // `next` with release ordering (the worker's take acquires); it clears `body` only once every chunk is done.
    //
    // A take names its loop and reads its chunk count from the same word: `next` holds
    // (loop << 32) | (chunks << 16) | next chunk, and a worker takes with a compare-and-swap only while the loop is
    // the one it woke for. With a counter and the chunk count in separate atomics, a worker leaving the previous
    // loop could pair that loop's counter with the next loop's (larger) count and run a chunk twice (seen in
    // WorkerPoolTests about once in 2000 loops).

    /// Extra threads besides the caller.
    public let workers: Int
    /// Spin iterations (each a pause hint) a worker waits for the next loop before it sleeps: ~50–100 µs.
    static let spinLimit = 20_000

    private let generation = Atomic<Int>(0)   // the current loop's number: workers wake on a change
    private let next = Atomic<Int>(0)         // (loop << 32) | (chunks << 16) | the next chunk to take
    private let remaining = Atomic<Int>(0)    // chunks not yet finished
    private let sleeping = Atomic<Int>(0)     // workers waiting on `wake`
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
        precondition(chunks < 1 << 16, "WorkerPool.run: \(chunks) chunks, at most 65535")
        guard chunks > 1, workers > 0, !busy.exchange(true, ordering: .acquiring) else {
            for c in 0..<chunks { body(c) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        let loop = generation.load(ordering: .relaxed) + 1     // only this caller writes it (`busy`)
        self.body = body
        remaining.store(chunks, ordering: .relaxed)
        next.store(loop << 32 | chunks << 16, ordering: .releasing)  // publishes body and remaining to a take
        generation.store(loop, ordering: .sequentiallyConsistent)
        for _ in 0..<sleeping.load(ordering: .sequentiallyConsistent) { wake.signal() }
        takeChunks(loop: loop)
        var spins = 0
        while remaining.load(ordering: .acquiring) > 0 {
            spins += 1
            if spins > 64 { sched_yield() }  // a worker is late: the machine is busy, give it the core
        }
        self.body = nil
    }

    /// Takes and runs chunks of loop `loop` until none is left or a newer loop has begun.
    private func takeChunks(loop: Int) {
        while true {
            var v = next.load(ordering: .acquiring)
            while true {
                guard v >> 32 == loop, v & 0xFFFF < (v >> 16) & 0xFFFF else { return }
                let (taken, seen) = next.compareExchange(expected: v, desired: v + 1, ordering: .acquiringAndReleasing)
                if taken { break }
                v = seen
            }
            guard let body else { return }  // set for as long as a chunk of the loop is unfinished
            body(v & 0xFFFF)
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
            takeChunks(loop: seen)
        }
    }
}
