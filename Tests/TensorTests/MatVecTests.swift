// The fast matVec kernels against matVecReference (dequantize the row, then dot) on random blocks.
//
// Tolerance: the two sum the same products in different orders (16-wide partial sums, scales applied per block
// instead of per element), so they differ by float rounding only. Rounding error of a sum of n products is bounded
// by about n·ε·Σ|w_i·x_i| and is typically √n·ε·Σ|w_i·x_i|; with n ≤ 1536 and ε = 6e-8 that is ≈ 2.3e-6, so we
// allow 1e-5 · Σ|w_i·x_i|. A wrong bit in any kernel changes results by a whole quantization step, far above this.
@testable import Tensor
import XCTest

/// Random blocks of `type`: random bytes, every f16 scale replaced by a finite value in ±[0.001, 0.1].
func randomBlocks(_ type: GGMLType, rows: Int, cols: Int, rng: inout TestRNG) -> [UInt8] {
    let blocks = rows * cols / type.blockSize
    var bytes = (0..<(blocks * type.typeSize)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    func half(_ at: Int, _ v: Float) {
        let bits = Float16(v).bitPattern
        bytes[at] = UInt8(bits & 0xFF)
        bytes[at + 1] = UInt8(bits >> 8)
    }
    let scaleFields: [Int]
    switch type.name {
    case "F32":
        for i in 0..<blocks { withUnsafeBytes(of: rng.float().bitPattern.littleEndian) { v in for k in 0..<4 { bytes[4 * i + k] = v[k] } } }
        return bytes
    case "F16": scaleFields = [0]
    case "Q4_0", "Q8_0", "Q5_0", "IQ4_NL", "IQ4_XS": scaleFields = [0]
    case "Q4_1", "Q4_K", "Q5_1", "Q5_K": scaleFields = [0, 2]
    case "Q6_K": scaleFields = [208]
    default: fatalError("randomBlocks: no layout for \(type)")
    }
    for b in 0..<blocks {
        for f in scaleFields { half(b * type.typeSize + f, rng.float() * 0.1 + (rng.float() < 0 ? -0.001 : 0.001)) }
    }
    return bytes
}

final class MatVecTests: XCTestCase {
    func check(_ type: GGMLType, rows: Int, cols: Int, seed: UInt64) throws {
        var rng = TestRNG(seed: seed)
        let w = randomBlocks(type, rows: rows, cols: cols, rng: &rng)
        let x = (0..<cols).map { _ in rng.float() }
        var fast = [Float](repeating: .nan, count: rows), ref = fast
        var bound = [Float](repeating: 0, count: rows)
        try w.withUnsafeBytes { wb in
            let m = BlockMatrix(type: type, rows: rows, cols: cols, data: wb)
            try x.withUnsafeBufferPointer { xb in
                XCTAssertTrue(fast.withUnsafeMutableBufferPointer { matVec(m, xb, $0) })
                try ref.withUnsafeMutableBufferPointer { try matVecReference(m, xb, $0) }
                // Σ|w·x| per row, for the tolerance.
                var row = [Float](repeating: 0, count: cols)
                for r in 0..<rows {
                    let rowBytes = UnsafeRawBufferPointer(rebasing: wb[(r * m.rowBytes)..<((r + 1) * m.rowBytes)])
                    try row.withUnsafeMutableBufferPointer { try dequantize(type, rowBytes, into: $0) }
                    bound[r] = zip(row, x).reduce(0) { $0 + abs($1.0 * $1.1) }
                }
            }
        }
        for r in 0..<rows {
            let tolerance = 1e-5 * bound[r] + Float.leastNormalMagnitude
            if abs(fast[r] - ref[r]) > tolerance {
                XCTFail("\(type) \(rows)×\(cols) row \(r): reference \(ref[r]), fast \(fast[r]), |diff| \(abs(fast[r] - ref[r])) > \(tolerance)")
                return
            }
        }
    }

    func testEveryKernelAgreesWithReference() throws {
        for type in matVecTypes {
            // 7 and 203 rows: groups of four plus leftover rows; 64×1536, 200×768 and 203×768 go parallel
            for (rows, cols) in [(1, 256), (3, 512), (7, 256), (64, 1536), (200, 768), (203, 768)] {
                try check(type, rows: rows, cols: cols, seed: UInt64(rows * cols) ^ UInt64(type.id))
            }
        }
    }

    /// The integer kernels (8-bit activations) against the reference on the same quantized x: the row dequantized,
    /// dotted with x̂ = d·q. Both compute Σ w_i·x̂_i, so the float-rounding tolerance above applies (with x̂).
    /// `kernels` picks the Swift kernels or their AVX2 twins (CKernels).
    func checkQ8(_ type: GGMLType, rows: Int, cols: Int, seed: UInt64, kernels: KernelSet) throws {
        var rng = TestRNG(seed: seed)
        let w = randomBlocks(type, rows: rows, cols: cols, rng: &rng)
        let x = (0..<cols).map { _ in rng.float() }
        let xq = x.withUnsafeBufferPointer { QuantizedActivations($0) }
        let xhat = xq.dequantized()
        var fast = [Float](repeating: .nan, count: rows), ref = fast, viaFloat = fast
        var bound = [Float](repeating: 0, count: rows)
        try w.withUnsafeBytes { wb in
            let m = BlockMatrix(type: type, rows: rows, cols: cols, data: wb)
            XCTAssertTrue(fast.withUnsafeMutableBufferPointer { matVec([m], xq, [$0], parallel: true, kernels: kernels) })
            XCTAssertTrue(viaFloat.withUnsafeMutableBufferPointer { yb in
                x.withUnsafeBufferPointer { matVec([m], batch: $0, [yb], parallel: true, activations: .q8, kernels: kernels) }
            })
            try ref.withUnsafeMutableBufferPointer { try matVecReference(m, xq, $0) }
            var row = [Float](repeating: 0, count: cols)
            for r in 0..<rows {
                let rowBytes = UnsafeRawBufferPointer(rebasing: wb[(r * m.rowBytes)..<((r + 1) * m.rowBytes)])
                try row.withUnsafeMutableBufferPointer { try dequantize(type, rowBytes, into: $0) }
                bound[r] = zip(row, xhat).reduce(0) { $0 + abs($1.0 * $1.1) }
            }
        }
        XCTAssertEqual(fast, viaFloat, "\(type): activations: .q8 must quantize x exactly as QuantizedActivations does")
        for r in 0..<rows {
            let tolerance = 1e-5 * bound[r] + Float.leastNormalMagnitude
            if abs(fast[r] - ref[r]) > tolerance {
                XCTFail("\(type) q8 \(kernels) \(rows)×\(cols) row \(r): reference \(ref[r]), fast \(fast[r]), |diff| \(abs(fast[r] - ref[r])) > \(tolerance)")
                return
            }
        }
    }

    /// The types with 8-bit kernels: every quantized type of `matVecTypes`.
    static let q8Types = matVecTypes.filter { MatVecKernelTable.kernels(for: $0, set: .portable)?.q8 != nil }

    func testEveryQ8KernelAgreesWithReference() throws {
        XCTAssertEqual(Set(Self.q8Types.map(\.name)),
                       ["Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"])
        for kernels in KernelSet.allCases {
            guard kernels.isAvailable else { print("\(kernels) kernels: not on this CPU, not tested"); continue }
            for type in Self.q8Types {
                // 7 and 203 rows: groups of four plus leftover rows (203×768 runs in parallel)
                for (rows, cols) in [(1, 256), (3, 512), (7, 256), (64, 1536), (200, 768), (203, 768)] {
                    try checkQ8(type, rows: rows, cols: cols, seed: UInt64(rows * cols) ^ UInt64(type.id) ^ 0x5138,
                                kernels: kernels)
                }
            }
        }
    }

    /// On an AVX2 CPU every 8-bit kernel of the AVX2 set is a C kernel (the batched four- and eight-row entries), and the
    /// portable set has none: the tests above really compared two different implementations with the reference.
    func testEveryQuantizedTypeHasAVX2KernelsOnAVX2() throws {
        guard KernelSet.avx2.isAvailable else { throw XCTSkip("no AVX2 on this CPU") }
        XCTAssertEqual(KernelSet.best, KernelSet.avx512vnni.isAvailable ? .avx512vnni : .avx2)
        for type in Self.q8Types {
            XCTAssertNotNil(MatVecKernelTable.kernels(for: type, set: .avx2)?.q8Rows4Batch, "\(type): no AVX2 kernel")
            XCTAssertNil(MatVecKernelTable.kernels(for: type, set: .portable)?.q8Rows4Batch, "\(type)")
            XCTAssertNil(MatVecKernelTable.kernels(for: type, set: .portable)?.floatRows4Batch, "\(type)")
            // Q4_0, Q4_1 and Q8_0 also have the eight-row kernels (rows of 200 and 203 above: 25 groups of eight, then
            // leftovers through the four-row and one-row entries)
            let rows8 = MatVecKernelTable.kernels(for: type, set: .avx2)?.q8Rows8Batch
            XCTAssertEqual(rows8 != nil, [GGMLType.q4_0, .q4_1, .q8_0].contains(type), "\(type)")
            XCTAssertNil(MatVecKernelTable.kernels(for: type, set: .portable)?.q8Rows8Batch, "\(type)")
        }
    }

    /// On a CPU with AVX-512 VNNI its set has its own eight-row kernels for Q4_0, Q4_1, Q8_0 and IQ4_NL, and Q5_0
    /// with AVX512_BITALG (the AVX2 set has none for those two) — so the tests that run every available set check
    /// them against the reference and the other sets — and the AVX2 set's others.
    func testVNNISetHasItsOwnEightRowKernels() throws {
        guard KernelSet.avx512vnni.isAvailable else { throw XCTSkip("no AVX-512 VNNI on this CPU") }
        for type in Self.q8Types {
            let (vnni, avx2) = (try XCTUnwrap(MatVecKernelTable.kernels(for: type, set: .avx512vnni)),
                                try XCTUnwrap(MatVecKernelTable.kernels(for: type, set: .avx2)))
            XCTAssertNotNil(vnni.q8Rows4Batch, "\(type)")
            if [GGMLType.q4_0, .q4_1, .q8_0, .iq4_nl].contains(type) || (type == .q5_0 && KernelSet.hasBitalg) {
                let a = try XCTUnwrap(vnni.q8Rows8Batch)
                if let b = avx2.q8Rows8Batch {
                    XCTAssertNotEqual(unsafeBitCast(a, to: UnsafeRawPointer.self), unsafeBitCast(b, to: UnsafeRawPointer.self),
                                      "\(type): the VNNI set uses the AVX2 eight-row kernel")
                }
            } else {
                XCTAssertNil(vnni.q8Rows8Batch, "\(type)")
            }
        }
    }

    /// The eight-row kernels (and the VNNI set's four-row one) give each row exactly the AVX2 four-row kernels' bits
    /// (the same exact integers, the same float steps in the same order), for 1…11 vectors — which lets a product
    /// pick either by speed, and a CPU either set.
    func testEightRowKernelsEqualFourRowKernelsBitForBit() throws {
        guard KernelSet.avx2.isAvailable else { throw XCTSkip("no AVX2 on this CPU") }
        let (rows, cols) = (16, 768)
        // the AVX2 eight-row kernels, and the AVX-512 VNNI ones where the CPU has them (eight-row, and Q8_0's
        // four-row): each against AVX2's four-row kernel
        let sets = [KernelSet.avx2, .avx512vnni].filter(\.isAvailable)
        for (type, set) in [GGMLType.q4_0, .q4_1, .q8_0, .q5_0, .iq4_nl].flatMap({ t in sets.map { (t, $0) } }) {
            let table = try XCTUnwrap(MatVecKernelTable.kernels(for: type, set: set))
            let rows4 = try XCTUnwrap(MatVecKernelTable.kernels(for: type, set: .avx2)?.q8Rows4Batch)
            // (which sets have which eight-row kernels: the two tests above)
            guard let rows8 = table.q8Rows8Batch else { continue }
            let ownRows4 = try XCTUnwrap(table.q8Rows4Batch)
            var rng = TestRNG(seed: UInt64(type.id) &* 977)
            let w = randomBlocks(type, rows: rows, cols: cols, rng: &rng)
            let rowBytes = w.count / rows
            for batch in 1...11 {
                let x = (0..<(batch * cols)).map { _ in rng.float() * 2 }
                let xq = x.withUnsafeBufferPointer { QuantizedActivations($0, columns: cols) }
                var four = [Float](repeating: .nan, count: batch * rows), eight = four, ownFour = four
                w.withUnsafeBytes { wb in
                    xq.values.withUnsafeBufferPointer { q in
                        xq.scales.withUnsafeBufferPointer { d in
                            xq.sums.withUnsafeBufferPointer { sums in
                                let (wp, qp, dp, sp) = (wb.baseAddress!, q.baseAddress!, d.baseAddress!, sums.baseAddress!)
                                four.withUnsafeMutableBufferPointer { y in
                                    for r in stride(from: 0, to: rows, by: 4) {
                                        rows4(wp + r * rowBytes, rowBytes, qp, dp, sp, cols, batch, y.baseAddress! + r, rows)
                                    }
                                }
                                eight.withUnsafeMutableBufferPointer { y in
                                    for r in stride(from: 0, to: rows, by: 8) {
                                        rows8(wp + r * rowBytes, rowBytes, qp, dp, sp, cols, batch, y.baseAddress! + r, rows)
                                    }
                                }
                                ownFour.withUnsafeMutableBufferPointer { y in
                                    for r in stride(from: 0, to: rows, by: 4) {
                                        ownRows4(wp + r * rowBytes, rowBytes, qp, dp, sp, cols, batch, y.baseAddress! + r, rows)
                                    }
                                }
                            }
                        }
                    }
                }
                XCTAssertFalse(four.contains { $0.isNaN }, "\(type) \(set) batch \(batch): rows not written")
                XCTAssertEqual(four.map(\.bitPattern), eight.map(\.bitPattern), "\(type) \(set) batch \(batch)")
                XCTAssertEqual(four.map(\.bitPattern), ownFour.map(\.bitPattern), "\(type) \(set) four-row, batch \(batch)")
            }
        }
    }

    /// The AVX2 float kernels compute exactly what the Swift kernels compute: every result's bits are equal, for
    /// single vectors and batches, groups of four rows and leftover rows. (This is what keeps the exact mode's
    /// numbers the same on every machine.)
    func testAVX2FloatKernelsEqualSwiftBitForBit() throws {
        guard KernelSet.avx2.isAvailable else { throw XCTSkip("no AVX2 on this CPU") }
        let types = matVecTypes.filter { MatVecKernelTable.kernels(for: $0, set: .avx2)?.floatRows4Batch != nil }
        XCTAssertEqual(Set(types.map(\.name)), ["Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "IQ4_NL", "IQ4_XS"])
        for type in types {
            for (rows, cols, batch) in [(7, 256, 1), (203, 768, 1), (64, 1536, 3), (9, 512, 6)] {
                var rng = TestRNG(seed: UInt64(rows * cols * batch) ^ UInt64(type.id))
                let w = randomBlocks(type, rows: rows, cols: cols, rng: &rng)
                let x = (0..<(batch * cols)).map { _ in rng.float() * 4 }
                var fast = [Float](repeating: .nan, count: batch * rows), swift = fast
                w.withUnsafeBytes { wb in
                    let m = BlockMatrix(type: type, rows: rows, cols: cols, data: wb)
                    x.withUnsafeBufferPointer { xb in
                        XCTAssertTrue(fast.withUnsafeMutableBufferPointer { matVec([m], batch: xb, [$0], parallel: false, activations: .float, kernels: .avx2) })
                        XCTAssertTrue(swift.withUnsafeMutableBufferPointer { matVec([m], batch: xb, [$0], parallel: false, activations: .float, kernels: .portable) })
                    }
                }
                if let k = fast.indices.first(where: { fast[$0].bitPattern != swift[$0].bitPattern }) {
                    XCTFail("\(type) \(rows)×\(cols) batch \(batch), vector \(k / rows) row \(k % rows): AVX2 \(fast[k]), Swift \(swift[k])")
                }
            }
        }
    }

    /// Batched products: vector b of a batch gets exactly the bits it gets alone — for every type, both activation
    /// precisions, both kernel sets, on one thread and spread over several, with several matrices in one loop.
    func testBatchedRowsAreBitIdenticalToSingleVectors() throws {
        let cols = 512
        // The AVX2 kernels take up to eight vectors at once: 2, one group of two; 7, one of seven; 11, a group of
        // eight and one of three.
        let runs = [2, 7, 11].flatMap { b in KernelSet.allCases.filter(\.isAvailable).map { (b, $0) } }
        for (batch, kernels) in runs {
            for activations in ActivationPrecision.allCases {
                for type in matVecTypes {
                    var rng = TestRNG(seed: UInt64(type.id) &* 31 &+ 7)
                    let shapes = [203, 64]  // two matrices multiplying the same vectors (a layer's k and v)
                    let ws = shapes.map { randomBlocks(type, rows: $0, cols: cols, rng: &rng) }
                    let x = (0..<(batch * cols)).map { _ in rng.float() * 3 }
                    for parallel in [false, true] {
                        let batched = shapes.map { UnsafeMutableBufferPointer<Float>.allocate(capacity: batch * $0) }
                        let single = shapes.map { UnsafeMutableBufferPointer<Float>.allocate(capacity: batch * $0) }
                        defer { for p in batched + single { p.deallocate() } }
                        try withMatrices(ws, type: type, rows: shapes, cols: cols) { ms in
                            x.withUnsafeBufferPointer { xb in
                                XCTAssertTrue(matVec(ms, batch: xb, batched, parallel: parallel, activations: activations, kernels: kernels))
                                for b in 0..<batch {
                                    let xv = UnsafeBufferPointer(rebasing: xb[(b * cols)..<((b + 1) * cols)])
                                    let outs = shapes.indices.map { i in
                                        UnsafeMutableBufferPointer(rebasing: single[i][(b * shapes[i])..<((b + 1) * shapes[i])])
                                    }
                                    XCTAssertTrue(matVec(ms, batch: xv, outs, parallel: parallel, activations: activations, kernels: kernels))
                                }
                            }
                        }
                        for i in shapes.indices where !batched[i].elementsEqual(single[i], by: { $0.bitPattern == $1.bitPattern }) {
                            let k = batched[i].indices.first { batched[i][$0].bitPattern != single[i][$0].bitPattern }!
                            XCTFail("\(type) \(activations) \(kernels) batch \(batch) parallel \(parallel) matrix \(i) vector \(k / shapes[i]) row \(k % shapes[i]): batched \(batched[i][k]), alone \(single[i][k])")
                        }
                    }
                }
            }
        }
    }

    /// BlockMatrix views of `ws`, valid inside `body`.
    func withMatrices(_ ws: [[UInt8]], type: GGMLType, rows: [Int], cols: Int,
                      _ body: ([BlockMatrix]) throws -> Void) throws {
        func nest(_ i: Int, _ acc: [BlockMatrix]) throws {
            if i == ws.count { return try body(acc) }
            try ws[i].withUnsafeBytes { try nest(i + 1, acc + [BlockMatrix(type: type, rows: rows[i], cols: cols, data: $0)]) }
        }
        try nest(0, [])
    }

    func testQ8ModeKeepsFloatKernelsForFloatWeights() throws {
        // F32/F16 weights have no integer kernel: `.q8` must give exactly the float product.
        for type in [GGMLType.f32, .f16] {
            var rng = TestRNG(seed: 11)
            let w = randomBlocks(type, rows: 7, cols: 64, rng: &rng)
            let x = (0..<64).map { _ in rng.float() }
            var a = [Float](repeating: 0, count: 7), b = a
            w.withUnsafeBytes { wb in
                let m = BlockMatrix(type: type, rows: 7, cols: 64, data: wb)
                x.withUnsafeBufferPointer { xb in
                    a.withUnsafeMutableBufferPointer { _ = matVec(m, xb, $0) }
                    b.withUnsafeMutableBufferPointer { _ = matVec(m, xb, $0, activations: .q8) }
                }
            }
            XCTAssertEqual(a, b, "\(type)")
        }
    }

    func testPlainFloatsWithTails() throws {
        for type in [GGMLType.f32, .f16] {
            try check(type, rows: 5, cols: 37, seed: 7)  // 37 = 2×16 + 5: exercises the scalar tail
        }
    }

    func testF16KernelWidensExactly() throws {
        // Every finite half pattern, through the SIMD widening of the F16 kernel (x = one-hot) vs Float(Float16).
        var w = [UInt8]()
        for bits in 0..<UInt32(65536) { w.append(UInt8(bits & 0xFF)); w.append(UInt8(bits >> 8)) }
        let rows = 65536 / 16
        var x = [Float](repeating: 0, count: 16)
        for lane in 0..<16 {
            x = [Float](repeating: 0, count: 16)
            x[lane] = 1
            var y = [Float](repeating: 0, count: rows)
            w.withUnsafeBytes { wb in
                x.withUnsafeBufferPointer { xb in
                    _ = y.withUnsafeMutableBufferPointer { matVec(BlockMatrix(type: .f16, rows: rows, cols: 16, data: wb), xb, $0) }
                }
            }
            for r in 0..<rows {
                let bits = UInt16(16 * r + lane)
                let expected = Float(Float16(bitPattern: bits))
                guard expected.isFinite else { continue }  // inf·1 + 0·(others) is fine, but NaN/inf sums are not comparable
                if y[r].bitPattern != expected.bitPattern && !(y[r] == 0 && expected == 0) {
                    return XCTFail("half 0x\(String(bits, radix: 16)): expected \(expected), got \(y[r])")
                }
            }
        }
    }
}

/// Timing of the kernels; runs only with LMLAB_BENCH=1 (use a release build:
/// `LMLAB_BENCH=1 swift test -c release --filter MatVecBenchmark`).
final class MatVecBenchmark: XCTestCase {
    func testTiming() throws {
        guard ProcessInfo.processInfo.environment["LMLAB_BENCH"] == "1" else { throw XCTSkip("set LMLAB_BENCH=1") }
        let (rows, cols) = (576, 1536)
        for type in [GGMLType.q4_1, .q6_K, .q8_0, .q4_0, .q4_K, .f16, .f32] {
            var rng = TestRNG(seed: 1)
            let w = randomBlocks(type, rows: rows, cols: cols, rng: &rng)
            let x = (0..<cols).map { _ in rng.float() }
            var y = [Float](repeating: 0, count: rows)
            let iterations = 300  // × 7 trials, best kept: the machine is shared, the minimum is the least disturbed
            var best = Double.infinity, bestSerial = Double.infinity, refTime = 0.0
            w.withUnsafeBytes { wb in
                let m = BlockMatrix(type: type, rows: rows, cols: cols, data: wb)
                x.withUnsafeBufferPointer { xb in
                    y.withUnsafeMutableBufferPointer { yb in
                        for _ in 0..<7 {
                            let t0 = DispatchTime.now().uptimeNanoseconds
                            for _ in 0..<iterations { matVec(m, xb, yb) }
                            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / Double(iterations))
                        }
                        for _ in 0..<7 {
                            let t0 = DispatchTime.now().uptimeNanoseconds
                            for _ in 0..<iterations { matVec(m, xb, yb, parallel: false) }
                            bestSerial = min(bestSerial, Double(DispatchTime.now().uptimeNanoseconds - t0) / Double(iterations))
                        }
                        let t0 = DispatchTime.now().uptimeNanoseconds
                        for _ in 0..<10 { try? matVecReference(m, xb, yb) }
                        refTime = Double(DispatchTime.now().uptimeNanoseconds - t0) / 10
                    }
                }
            }
            let gflops = 2.0 * Double(rows * cols) / best
            print(String(format: "matVec %@ %d×%d: %.1f µs (%.2f GFLOP/s) on all cores, %.1f µs on one; reference %.1f µs",
                         type.name, rows, cols, best / 1000, gflops, bestSerial / 1000, refTime / 1000))
        }
    }
}
