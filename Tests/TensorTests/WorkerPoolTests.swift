// WorkerPool: every chunk of every loop runs exactly once, loops follow each other without waiting for a wake-up,
// and a second thread calling during a loop still gets all its chunks done.
import Dispatch
import XCTest
@testable import Tensor

final class WorkerPoolTests: XCTestCase {
    func testEveryChunkRunsOncePerLoop() {
        let pool = WorkerPool(workers: 1)
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 13)
        defer { counts.deallocate() }
        for loop in 0..<2000 {
            let chunks = 1 + loop % 13
            counts.initialize(repeating: 0, count: 13)
            let p = UncheckedSendable(counts)
            pool.run(chunks: chunks) { c in p.value[c] += 1 }  // each chunk writes only its own slot
            for c in 0..<13 where counts[c] != (c < chunks ? 1 : 0) {
                return XCTFail("loop \(loop), \(chunks) chunks: chunk \(c) ran \(counts[c]) times")
            }
        }
    }

    func testConcurrentCallersBothComplete() {
        let pool = WorkerPool(workers: 1)
        let sums = UnsafeMutablePointer<Int>.allocate(capacity: 2 * 8)
        defer { sums.deallocate() }
        sums.initialize(repeating: 0, count: 16)
        let p = UncheckedSendable(sums)
        DispatchQueue.concurrentPerform(iterations: 2) { caller in
            for _ in 0..<500 { pool.run(chunks: 8) { c in p.value[8 * caller + c] += 1 } }
        }
        for i in 0..<16 { XCTAssertEqual(sums[i], 500, "caller \(i / 8), chunk \(i % 8)") }
    }
}
