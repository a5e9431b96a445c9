// Everything the HDF5 layer writes reads back identically: groups, numeric datasets of every supported type and
// shape (compressed or not), string datasets, and attributes of every kind.
import Foundation
import XCTest

@testable import HDF5

/// A fresh path in a per-test temporary directory (removed when the test ends).
func temporaryPath(_ test: XCTestCase, _ name: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmlab-hdf5-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir.appendingPathComponent(name).path
}

final class HDF5RoundTripTests: XCTestCase {
    /// Every HDF5 id a test opened has been closed by its owner once the test's objects are gone.
    override func tearDown() {
        XCTAssertEqual(HDF5File.openObjectCount, 0, "HDF5 objects left open (a leaked id)")
        super.tearDown()
    }

    func testGroupsNestAndList() throws {
        let path = try temporaryPath(self, "groups.h5")
        do {
            let file = try HDF5File(path: path, mode: .truncate)
            try file.createGroup("model/blocks/0/attention")
            try file.createGroup("model/blocks/1")
            try file.createGroup("model/blocks/1")  // existing: opened, not an error
            try file.createGroup("config")
        }
        let file = try HDF5File(path: path, mode: .readOnly)
        XCTAssertEqual(try file.children(), ["config", "model"])
        XCTAssertEqual(try file.group("model/blocks").children(), ["0", "1"])
        XCTAssertEqual(try file.group("model").group("blocks/0").objectPath, "/model/blocks/0")
        XCTAssertTrue(try file.exists("model/blocks/0/attention"))
        XCTAssertFalse(try file.exists("model/blocks/7/attention"), "a missing middle component is 'no', not an error")
        XCTAssertEqual(try file.kind(of: "model"), .group)
        XCTAssertNil(try file.kind(of: "nothing"))
        let group = try file.group("model")
        XCTAssertEqual(HDF5File.openObjectCount, 2, "the file and one group are open (the leak check can see them)")
        _ = group
    }

    func testNumericDatasetsRoundTrip() throws {
        let path = try temporaryPath(self, "numbers.h5")
        let floats = (0..<60).map { Float($0) * 0.37 - 5 }
        let special: [Float] = [.infinity, -.infinity, .leastNonzeroMagnitude, -0.0, .greatestFiniteMagnitude]
        do {
            let file = try HDF5File(path: path, mode: .truncate)
            try file.createDataset("f32", floats, shape: [3, 4, 5])
            try file.createDataset("special", special)
            try file.createDataset("nan", [Float.nan])
            try file.createDataset("scalar", [Float(2.5)], shape: [])
            try file.createDataset("empty", [Float](), shape: [0, 4])
            try file.createDataset("g/i32", [Int32.min, -1, 0, Int32.max], shape: [2, 2])
            try file.createDataset("g/i64", [Int64.min, 0, Int64.max])
            try file.createDataset("g/u8", [UInt8(0), 7, 255])
            try file.createDataset("g/u16", [UInt16(0), 65535])
            try file.createDataset("g/u64", [UInt64.max, 0])
            try file.createDataset("g/f64", [Double.pi, -1e300])
        }
        let file = try HDF5File(path: path, mode: .readOnly)
        let f32 = try file.dataset("f32")
        XCTAssertEqual(f32.shape, [3, 4, 5])
        XCTAssertEqual(try f32.read(as: Float.self).map(\.bitPattern), floats.map(\.bitPattern))
        XCTAssertEqual(try file.dataset("special").read(as: Float.self).map(\.bitPattern), special.map(\.bitPattern))
        XCTAssertTrue(try file.dataset("nan").read(as: Float.self)[0].isNaN)
        XCTAssertEqual(try file.dataset("scalar").shape, [])
        XCTAssertEqual(try file.dataset("scalar").read(as: Float.self), [2.5])
        XCTAssertEqual(try file.dataset("empty").shape, [0, 4])
        XCTAssertEqual(try file.dataset("empty").read(as: Float.self), [])
        XCTAssertEqual(try file.dataset("g/i32").shape, [2, 2])
        XCTAssertEqual(try file.dataset("g/i32").read(as: Int32.self), [Int32.min, -1, 0, Int32.max])
        XCTAssertEqual(try file.dataset("g/i64").read(as: Int64.self), [Int64.min, 0, Int64.max])
        XCTAssertEqual(try file.dataset("g/u8").read(as: UInt8.self), [0, 7, 255])
        XCTAssertEqual(try file.dataset("g/u16").read(as: UInt16.self), [0, 65535])
        XCTAssertEqual(try file.dataset("g/u64").read(as: UInt64.self), [UInt64.max, 0])
        XCTAssertEqual(try file.dataset("g/f64").read(as: Double.self), [Double.pi, -1e300])
        XCTAssertEqual(try file.group("g").children(), ["f64", "i32", "i64", "u16", "u64", "u8"])
    }

    /// A compressible 256 KiB dataset: gzip must shrink the file, and the values must come back bit-identical.
    func testCompressionShrinksAndRoundTrips() throws {
        let values = (0..<65536).map { Float($0 % 17) }  // 256 KiB, highly repetitive
        var sizes: [Int] = []
        for level in [nil, 4] as [Int?] {
            let path = try temporaryPath(self, "gzip.h5")
            do {
                let file = try HDF5File(path: path, mode: .truncate)
                try file.createDataset("w", values, shape: [256, 256], compression: level)
            }
            let file = try HDF5File(path: path, mode: .readOnly)
            XCTAssertEqual(try file.dataset("w").read(as: Float.self), values)
            sizes.append(try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int)
        }
        XCTAssertLessThan(sizes[1], sizes[0] / 4, "gzip sizes \(sizes)")
        XCTAssertEqual(HDF5Layout.chunkShape([4096, 128], elementSize: 4), [2048, 128])
        XCTAssertEqual(HDF5Layout.chunkShape([10], elementSize: 4), [10])
        XCTAssertEqual(HDF5Layout.chunkShape([2, 1 << 20], elementSize: 4), [1, 1 << 20])
    }

    func testStringDatasetRoundTrips() throws {
        let path = try temporaryPath(self, "text.h5")
        let text = String(repeating: "Ġthe «ünïcode» 🙂\n", count: 20_000)  // ~400 KB: too big for an attribute
        do {
            let file = try HDF5File(path: path, mode: .truncate)
            try file.createStringDataset("tokenizer/json", text)
        }
        let file = try HDF5File(path: path, mode: .readOnly)
        XCTAssertEqual(try file.dataset("tokenizer/json").readString(), text)
    }

    func testAttributesRoundTrip() throws {
        let path = try temporaryPath(self, "attributes.h5")
        do {
            let file = try HDF5File(path: path, mode: .truncate)
            try file.setAttribute("format", "lmlab-checkpoint")
            try file.setAttribute("format", "replaced")  // setting again replaces
            try file.setAttribute("unicode", "Ġ «ü» 🙂")
            try file.setAttribute("empty", "")
            let g = try file.createGroup("config")
            try g.setAttribute("width", 128)
            try g.setAttribute("i64", Int64.min)
            try g.setAttribute("u64", UInt64.max)
            try g.setAttribute("pi", Double.pi)
            try g.setAttribute("eps", Float(1e-5))
            try g.setAttribute("tied", true)
            try g.setAttribute("untied", false)
            try g.setAttribute("shape", [Int64(3), 4, 5])
            try g.setAttribute("losses", [2.5, 1.25])
            try g.setAttribute("rng", [UInt64.max, 1, 2, 3])
            let d = try g.createDataset("w", [Float(1), 2])
            try d.setAttribute("units", "nats")
        }
        let file = try HDF5File(path: path, mode: .readOnly)
        XCTAssertEqual(try file.stringAttribute("format"), "replaced")
        XCTAssertEqual(try file.stringAttribute("unicode"), "Ġ «ü» 🙂")
        XCTAssertEqual(try file.stringAttribute("empty"), "")
        XCTAssertEqual(try file.attributeNames(), ["empty", "format", "unicode"])
        let g = try file.group("config")
        XCTAssertEqual(try g.attribute("width", as: Int.self), 128)
        XCTAssertEqual(try g.attribute("width", as: Int32.self), 128, "int64 converts to int32")
        XCTAssertEqual(try g.attribute("width", as: Double.self), 128, "and to double")
        XCTAssertEqual(try g.attribute("i64", as: Int64.self), Int64.min)
        XCTAssertEqual(try g.attribute("u64", as: UInt64.self), UInt64.max)
        XCTAssertEqual(try g.attribute("pi", as: Double.self), Double.pi)
        XCTAssertEqual(try g.attribute("eps", as: Float.self), Float(1e-5))
        XCTAssertTrue(try g.boolAttribute("tied"))
        XCTAssertFalse(try g.boolAttribute("untied"))
        XCTAssertEqual(try g.attributeArray("shape", as: Int64.self), [3, 4, 5])
        XCTAssertEqual(try g.attributeArray("losses", as: Double.self), [2.5, 1.25])
        XCTAssertEqual(try g.attributeArray("rng", as: UInt64.self), [UInt64.max, 1, 2, 3])
        XCTAssertEqual(try g.dataset("w").stringAttribute("units"), "nats")
        XCTAssertFalse(try g.hasAttribute("nope"))
    }
}

final class HDF5EditTests: XCTestCase {
    /// Every HDF5 id a test opened has been closed by its owner once the test's objects are gone.
    override func tearDown() {
        XCTAssertEqual(HDF5File.openObjectCount, 0, "HDF5 objects left open (a leaked id)")
        super.tearDown()
    }

    func testReadWriteModeEditsAnExistingFile() throws {
        let path = try temporaryPath(self, "edit.h5")
        do {
            let file = try HDF5File(path: path, mode: .truncate)
            try file.createDataset("a/b", [Float(1)])
            try file.setAttribute("version", 1)
        }
        do {
            let file = try HDF5File(path: path, mode: .readWrite)
            try file.remove("a/b")
            try file.setAttribute("version", 2)
            try file.createDataset("a/c", [Float(2)])
        }
        let file = try HDF5File(path: path, mode: .readOnly)
        XCTAssertEqual(try file.group("a").children(), ["c"])
        XCTAssertEqual(try file.attribute("version", as: Int.self), 2)
        XCTAssertThrowsError(try file.remove("a/c"), "a read-only file cannot be changed")
    }
}

final class HDF5UserBlockTests: XCTestCase {
    /// The user block is 512 bytes HDF5 leaves untouched: what we write there survives, and the file still opens.
    func testUserBlockIsReservedAndIgnored() throws {
        let path = try temporaryPath(self, "userblock.h5")
        do {
            let file = try HDF5File(path: path, mode: .truncate, userBlockSize: 512)
            try file.createDataset("x", [Float(1), 2])
        }
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(data[512..<520], Data([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]), "HDF5 signature at 512")
        data.replaceSubrange(0..<5, with: Data("hello".utf8))
        try data.write(to: URL(fileURLWithPath: path))
        let file = try HDF5File(path: path, mode: .readOnly)
        XCTAssertEqual(try file.dataset("x").read(as: Float.self), [1, 2])
        XCTAssertThrowsError(try HDF5File(path: path + "2", mode: .truncate, userBlockSize: 100), "not a power of two ≥ 512")
    }
}
