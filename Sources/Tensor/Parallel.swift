// Splitting a loop over both cores. Elementwise and reduction kernels call `Parallel.chunks` for large tensors;
// small ones stay on one thread, where a thread hand-off would cost more than the work.
import Dispatch
import COpenBLAS

public enum Parallel {
    /// Threads lmlab's kernels use, matrix products included. Defaults to the number of cores.
    nonisolated(unsafe) public private(set) static var threads: Int = {
        // One pool only: OpenBLAS runs single-threaded and lmlab splits each product over its own threads.
        // (Two pools on two cores fight: OpenBLAS's workers spin after each call while ours wait for a core.)
        openblas_set_num_threads(1)
        return Swift.max(1, sysconfThreads())
    }()

    /// Sets the thread count for lmlab's kernels and matrix products (like `torch.set_num_threads`).
    public static func setThreads(_ n: Int) {
        threads = Swift.max(1, n)
        openblas_set_num_threads(1)
    }

    /// Runs `body` over contiguous sub-ranges of `0..<count`, in parallel when each thread gets at least `grain`
    /// items. Sub-ranges are disjoint, so `body` may write its own part of an output without locks.
    @inline(__always)
    public static func chunks(_ count: Int, grain: Int = 1 << 15, _ body: (Range<Int>) -> Void) {
        let parts = Swift.min(threads, count / Swift.max(grain, 1))
        _ = blasSingleThreaded
        if parts <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        let step = (count + parts - 1) / parts
        // The sub-ranges are disjoint, so sharing `body` across threads is safe by construction; the box tells
        // the compiler so, in this one place.
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                let start = p * step
                let end = Swift.min(count, start + step)
                if start < end { shared.value(start..<end) }
            }
        }
    }

    /// Runs body(0) … body(chunks − 1) on `threads` threads that keep spinning between calls (WorkerPool), for
    /// many short loops in a row such as the matrix–vector products of generation. Only one thread may call it at
    /// a time (the runtime's forward pass); `chunks` more than `threads` balance a late start.
    public static func forEachChunk(_ chunks: Int, _ body: @escaping (Int) -> Void) {
        if #available(macOS 15.0, *), threads > 1 {
            if pool?.workers != threads - 1 { pool = WorkerPool(workers: threads - 1) }
            pool!.run(chunks: chunks, body)
        } else {
            for c in 0..<chunks { body(c) }
        }
    }

    /// The pool of `forEachChunk`, made on first use and again when `threads` changes (the old one's workers then
    /// sleep for good: a pool's threads keep it alive).
    @available(macOS 15.0, *)
    nonisolated(unsafe) private static var pool: WorkerPool?

    /// Makes sure OpenBLAS is set to one thread before the first product, even if `threads` was never read.
    private static let blasSingleThreaded: Bool = { openblas_set_num_threads(1); return true }()

    private static func sysconfThreads() -> Int {
        #if os(Linux)
        return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
        return 2
        #endif
    }
}

/// Carries a value the compiler cannot prove thread-safe into a concurrent loop whose iterations do not share
/// mutable state.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

#if canImport(Glibc)
import Glibc
#endif
