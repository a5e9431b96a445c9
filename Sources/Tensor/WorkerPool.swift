// WorkerPool: threads that stay awake between many small parallel loops. Generating one token of a 135M model
// runs ~210 matrix–vector products of 15–150 µs each; handing each to Dispatch costs a thread wake-up (futex,
// several µs, and more in a virtual machine) per product. Here the workers spin for a while after each loop (like
// llama.cpp's and OpenMP's thread pools), so the next loop starts at once, and only then go to sleep on a semaphore.
//
// A loop is split into more chunks than threads, taken from a shared counter, so a thread that starts late (the
// machine is busy) just takes fewer chunks; the caller takes part and returns when every chunk is done.
import CKernels
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
    /// How long a worker spins (with pause hints) waiting for the next loop before it sleeps: longer than the serial
    /// steps between the loops of a forward pass (norms, a batch's attention set-up: tens of µs), so the workers
    /// stay awake through a pass — a sleeping worker costs a futex wake and a late start, several times per pass
    /// when the limit was ~13 µs (2-core Zen 4 VM: ~16 000 sleeps in a 3.7 s benchmark) — and shorter than the
    /// sampling between steps of a large batch (~0.5 ms), so an idle pool soon stops taking a core.
    static let spinNanoseconds: UInt64 = 200_000
    /// After this long, a waiting worker yields its core on each check (a system call, ~1 µs — nothing to a loop
    /// that is not there yet): a server's network threads, or whatever else wants the core, get it meanwhile.
    static let politeAfterNanoseconds: UInt64 = 20_000
    /// How long the caller waits for a late worker's last chunk before it yields its core on each check (the
    /// machine is busy and the worker may be waiting for a core): a yield is a system call, ~1 µs, and most waits
    /// are a fraction of a chunk.
    static let yieldAfterNanoseconds: UInt64 = 50_000

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
        var waiting = Spin()
        while remaining.load(ordering: .acquiring) > 0 {
            if waiting.next() > Self.yieldAfterNanoseconds { sched_yield() }  // the worker is late: give it the core
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
            var waiting = Spin()
            while generation.load(ordering: .acquiring) == seen {
                let waited = waiting.next()
                if waited < Self.politeAfterNanoseconds { continue }
                if waited < Self.spinNanoseconds { sched_yield(); continue }
                sleeping.add(1, ordering: .sequentiallyConsistent)
                if generation.load(ordering: .sequentiallyConsistent) == seen { wake.wait() }
                sleeping.subtract(1, ordering: .sequentiallyConsistent)
                waiting = Spin()
            }
            seen = generation.load(ordering: .acquiring)
            takeChunks(loop: seen)
        }
    }
}

/// A spin-wait: each `next()` is one pause hint, and returns the nanoseconds since the wait began — read from the
/// clock every 64th call (a monotonic clock read is ~20 ns; a pause, 10–150 cycles), 0 before the first read.
struct Spin {
    private var spins = 0
    private var start: UInt64 = 0
    private var elapsed: UInt64 = 0

    mutating func next() -> UInt64 {
        lmlab_spin_pause()
        spins += 1
        if spins & 63 == 0 {
            let now = DispatchTime.now().uptimeNanoseconds
            if start == 0 { start = now } else { elapsed = now - start }
        }
        return elapsed
    }
}
