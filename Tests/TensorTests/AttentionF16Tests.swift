// AttentionF16: the Swift reference against a float64 computation on the same (widened) halves, and the AVX2/F16C
// C kernels against the Swift reference bit for bit — they perform the same fused multiply-adds on the same lanes in
// the same order and the same final lane sum, and widening a half is exact, so any difference is a bug, not
// rounding. Rounding into the cache: the C conversion (vcvtps2ph) gives Swift's `Float16(x)` bits, ties to even.
import XCTest
@testable import Tensor

final class AttentionF16Tests: XCTestCase {
    /// Keys or values of `count` positions, `stride` numbers apart, as halves of N(0, 1) numbers.
    func halves(_ count: Int, stride: Int, seed: UInt64) -> [UInt16] {
        var rng = RandomGenerator(seed: seed)
        return (0..<(count * stride)).map { _ in floatToHalf(rng.nextNormal()) }
    }

    func floats(_ n: Int, seed: UInt64) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        return (0..<n).map { _ in rng.nextNormal() }
    }

    /// Head sizes: SmolLM2's 64, the tiny GPT's 32, one 16-wide chunk, and 24 (no SIMD path: the plain loop).
    /// Counts cover the 4-position blocks and every leftover.
    let shapes: [(hs: Int, counts: [Int])] = [(64, [1, 2, 3, 4, 5, 7, 8, 13, 130]), (32, [1, 6, 33]), (16, [3, 9]),
                                              (24, [1, 5, 11])]

    func testSwiftReferenceMatchesFloat64() {
        for (hs, counts) in shapes {
            for count in counts {
                let stride = 3 * hs   // three KV heads side by side, as in SmolLM2's cache rows
                let keys = halves(count, stride: stride, seed: UInt64(hs * 1000 + count))
                let q = floats(hs, seed: 7), w = floats(count, seed: 8).map { abs($0) }
                let scale: Float = 0.125
                var scores = [Float](repeating: .nan, count: count), out = [Float](repeating: .nan, count: hs)
                AttentionF16.dotKeysSwift(q, keys, stride: stride, count: count, hs, scale: scale, into: &scores)
                AttentionF16.mixValuesSwift(w, keys, stride: stride, count: count, hs, into: &out)
                for s in 0..<count {
                    var exact = 0.0, magnitude = 0.0
                    for j in 0..<hs {
                        let p = Double(q[j]) * Double(Float(Float16(bitPattern: keys[s * stride + j])))
                        exact += p; magnitude += abs(p)
                    }
                    // float32 sums of hs products: each step rounds by ≤ 2⁻²⁴ of the running magnitude.
                    let bound = magnitude * Double(hs) * 0x1p-24 * Double(scale) + 1e-30
                    XCTAssertEqual(Double(scores[s]), exact * Double(scale), accuracy: bound, "hs \(hs) count \(count) score \(s)")
                }
                for j in 0..<hs {
                    var exact = 0.0, magnitude = 0.0
                    for s in 0..<count {
                        let p = Double(w[s]) * Double(Float(Float16(bitPattern: keys[s * stride + j])))
                        exact += p; magnitude += abs(p)
                    }
                    let bound = magnitude * Double(count + 2) * 0x1p-24 + 1e-30
                    XCTAssertEqual(Double(out[j]), exact, accuracy: bound, "hs \(hs) count \(count) out \(j)")
                }
            }
        }
    }

    func testAVX2KernelsEqualSwiftBitForBit() throws {
        guard KernelSet.avx2.isAvailable else { throw XCTSkip("no AVX2/F16C on this CPU") }
        var compared = 0
        for (hs, counts) in shapes where hs % 16 == 0 {
            for count in counts {
                let stride = 3 * hs
                let keys = halves(count, stride: stride, seed: UInt64(hs * 7 + count))
                let q = floats(hs, seed: 3), w = floats(count, seed: 4)
                var swift = [Float](repeating: 0, count: count), c = [Float](repeating: 1, count: count)
                AttentionF16.dotKeysSwift(q, keys, stride: stride, count: count, hs, scale: 0.125, into: &swift)
                AttentionF16.dotKeys(q, keys, stride: stride, count: count, hs, scale: 0.125, into: &c, kernels: .avx2)
                XCTAssertEqual(swift.map(\.bitPattern), c.map(\.bitPattern), "dotKeys hs \(hs) count \(count): \(swift) vs \(c)")
                var swiftOut = [Float](repeating: 0, count: hs), cOut = [Float](repeating: 1, count: hs)
                AttentionF16.mixValuesSwift(w, keys, stride: stride, count: count, hs, into: &swiftOut)
                AttentionF16.mixValues(w, keys, stride: stride, count: count, hs, into: &cOut, kernels: .avx2)
                XCTAssertEqual(swiftOut.map(\.bitPattern), cOut.map(\.bitPattern), "mixValues hs \(hs) count \(count)")
                compared += 1
            }
        }
        XCTAssertEqual(compared, 14)
    }

    /// The grouped-query kernels (several query heads over one KV head's keys and values) give each query exactly
    /// the one-query Swift reference's bits: groups of 1…5 and 9 (the AVX2 kernels take 4 queries at a time for the
    /// scores, 3 for the mix, then the rest), and the portable path loops over the reference itself.
    func testGroupedQueriesEqualOneQueryAtATimeBitForBit() throws {
        let sets = KernelSet.allCases.filter(\.isAvailable)
        XCTAssertTrue(sets.contains(.portable))
        for kernels in sets {
            for (hs, counts) in shapes where hs % 16 == 0 {
                for count in counts {
                    for nq in [1, 2, 3, 4, 5, 9] {
                        let stride = 3 * hs, ld = count + 3
                        let keys = halves(count, stride: stride, seed: UInt64(hs * 11 + count))
                        let q = floats(nq * hs, seed: 5), w = floats(nq * ld, seed: 6)
                        var grouped = [Float](repeating: 7, count: nq * ld)
                        AttentionF16.dotKeys(q, queries: nq, keys, stride: stride, count: count, hs, scale: 0.125,
                                             into: &grouped, ld: ld, kernels: kernels)
                        var groupedOut = [Float](repeating: 7, count: nq * hs)
                        AttentionF16.mixValues(w, queries: nq, ld: ld, keys, stride: stride, count: count, hs,
                                               into: &groupedOut, kernels: kernels)
                        for g in 0..<nq {
                            var one = [Float](repeating: 0, count: count), oneOut = [Float](repeating: 0, count: hs)
                            q.withUnsafeBufferPointer { qb in
                                AttentionF16.dotKeysSwift(qb.baseAddress! + g * hs, keys, stride: stride, count: count, hs,
                                                          scale: 0.125, into: &one)
                            }
                            w.withUnsafeBufferPointer { wb in
                                AttentionF16.mixValuesSwift(wb.baseAddress! + g * ld, keys, stride: stride, count: count, hs,
                                                            into: &oneOut)
                            }
                            XCTAssertEqual(Array(grouped[(g * ld)..<(g * ld + count)]).map(\.bitPattern), one.map(\.bitPattern),
                                           "\(kernels) dotKeys hs \(hs) count \(count) query \(g) of \(nq)")
                            XCTAssertEqual(Array(groupedOut[(g * hs)..<((g + 1) * hs)]).map(\.bitPattern),
                                           oneOut.map(\.bitPattern), "\(kernels) mixValues hs \(hs) count \(count) query \(g) of \(nq)")
                        }
                        // the scores' padding between queries is left alone
                        if count < ld { XCTAssertEqual(grouped[count], 7) }
                    }
                }
            }
        }
    }

    /// A cache that shares a prompt's positions (KVCache.shared) has its values in two places: positions below the
    /// split (a multiple of 4) in the prompt's storage, the rest in its own. Mixing them from the two places gives the
    /// bits of mixing them from one, for one query and grouped, with both kernel sets and every head size; the other
    /// place's rows are garbage, so reading a row from the wrong place shows.
    func testValuesSplitBetweenTwoPlacesMixAsFromOne() throws {
        for kernels in KernelSet.allCases.filter(\.isAvailable) {
            for (hs, counts) in shapes {
                for count in counts {
                    for split in Set([0, 4, count / 8 * 4, count / 4 * 4]) where split <= count {
                        let stride = 3 * hs, nq = 3, ld = count + 1
                        let values = halves(count, stride: stride, seed: UInt64(hs * 13 + count))
                        // head holds positions < split, tail the rest; each has garbage where the other holds the numbers
                        var head = halves(count, stride: stride, seed: 99), tail = halves(count, stride: stride, seed: 98)
                        for s in 0..<count {
                            for j in 0..<hs { if s < split { head[s * stride + j] = values[s * stride + j] } else { tail[s * stride + j] = values[s * stride + j] } }
                        }
                        let w = floats(nq * ld, seed: 8)
                        var one = [Float](repeating: 0, count: nq * hs), two = [Float](repeating: 1, count: nq * hs)
                        AttentionF16.mixValues(w, queries: nq, ld: ld, values, stride: stride, count: count, hs, into: &one,
                                               kernels: kernels)
                        AttentionF16.mixValues(w, queries: nq, ld: ld, head, split: split, tail: tail, stride: stride,
                                               count: count, hs, into: &two, kernels: kernels)
                        XCTAssertEqual(one.map(\.bitPattern), two.map(\.bitPattern), "\(kernels) grouped hs \(hs) count \(count) split \(split)")
                        var oneQ = [Float](repeating: 0, count: hs), twoQ = [Float](repeating: 1, count: hs)
                        AttentionF16.mixValues(w, values, stride: stride, count: count, hs, into: &oneQ, kernels: kernels)
                        AttentionF16.mixValues(w, head, split: split, tail: tail, stride: stride, count: count, hs,
                                               into: &twoQ, kernels: kernels)
                        XCTAssertEqual(oneQ.map(\.bitPattern), twoQ.map(\.bitPattern), "\(kernels) hs \(hs) count \(count) split \(split)")
                        XCTAssertEqual(Array(one[0..<hs]).map(\.bitPattern), oneQ.map(\.bitPattern), "query 0 grouped = alone")
                    }
                }
            }
        }
    }

    func testRoundingToHalfIsToNearestEven() throws {
        // Known values: 1/3 → 0x3555 (0.33325), the largest half 65504 = 0x7BFF, 65520 (half-way to 65536) → +inf,
        // 1 + 2⁻¹¹ (a tie) → 1 (even), 1 + 3·2⁻¹¹ (a tie) → 1 + 2⁻⁹, the smallest subnormal 2⁻²⁴ = 0x0001, and
        // 2⁻²⁵ (a tie with 0) → 0.
        let known: [(Float, UInt16)] = [(1.0 / 3, 0x3555), (65504, 0x7BFF), (65520, 0x7C00), (1 + 0x1p-11, 0x3C00),
                                        (1 + 3 * 0x1p-11, 0x3C02), (0x1p-24, 0x0001), (0x1p-25, 0x0000),
                                        (-2, 0xC000), (0, 0)]
        var random = floats(1003, seed: 9).enumerated().map { i, x in x * Float(1 << (i % 20)) * 0x1p-12 }
        random += known.map(\.0)
        var swift = [UInt16](repeating: 0, count: random.count)
        AttentionF16.toHalf(random, &swift, random.count, kernels: .portable)
        for (i, (x, bits)) in known.enumerated() {
            XCTAssertEqual(swift[random.count - known.count + i], bits, "\(x)")
        }
        // Round to nearest: the half is within half a unit in the last place (2⁻¹¹ relative) of the float.
        for (x, h) in zip(random, swift) where abs(x) >= 0x1p-14 && abs(x) <= 65504 {
            XCTAssertLessThanOrEqual(abs(Float(Float16(bitPattern: h)) - x), abs(x) * 0x1p-11, "\(x)")
        }
        guard KernelSet.avx2.isAvailable else { throw XCTSkip("no AVX2/F16C on this CPU") }
        var c = [UInt16](repeating: 0xFFFF, count: random.count)
        AttentionF16.toHalf(random, &c, random.count, kernels: .avx2)
        XCTAssertEqual(c, swift)
    }
}
