// Bad input gives an HDF5Error naming the file, the object and the problem — never a crash or HDF5's own
// multi-line error stack on stderr.
import Foundation
import XCTest

@testable import HDF5

final class HDF5ErrorTests: XCTestCase {
    /// Every HDF5 id a test opened has been closed by its owner once the test's objects are gone.
    override func tearDown() {
        XCTAssertEqual(HDF5File.openObjectCount, 0, "HDF5 objects left open (a leaked id)")
        super.tearDown()
    }

    /// Runs `body`, expects an HDF5Error of `kind` whose message mentions each of `words`.
    func expectError(_ kind: HDF5Error.Kind, mentioning words: [String], file: StaticString = #filePath,
                     line: UInt = #line, _ body: () throws -> Void) {
        do {
            try body()
            XCTFail("expected an HDF5Error (\(kind))", file: file, line: line)
        } catch let error as HDF5Error {
            XCTAssertEqual(error.kind, kind, "\(error)", file: file, line: line)
            for w in words { XCTAssertTrue(error.description.contains(w), "'\(w)' not in: \(error)", file: file, line: line) }
        } catch {
            XCTFail("expected an HDF5Error, got \(error)", file: file, line: line)
        }
    }

    func makeFile() throws -> String {
        let path = try temporaryPath(self, "good.h5")
        let file = try HDF5File(path: path, mode: .truncate)
        try file.setAttribute("name", "good")
        try file.createDataset("model/w", (0..<4096).map(Float.init), shape: [64, 64])
        return path
    }

    func testMissingFile() throws {
        let path = try temporaryPath(self, "absent.h5")
        expectError(.cannotOpen, mentioning: [path]) { _ = try HDF5File(path: path, mode: .readOnly) }
    }

    func testNotHDF5() throws {
        let path = try temporaryPath(self, "text.h5")
        try Data("just some text, not HDF5\n".utf8).write(to: URL(fileURLWithPath: path))
        expectError(.notHDF5, mentioning: [path, "not an HDF5 file"]) { _ = try HDF5File(path: path, mode: .readOnly) }
        let empty = try temporaryPath(self, "empty.h5")
        XCTAssertTrue(FileManager.default.createFile(atPath: empty, contents: Data()))
        expectError(.notHDF5, mentioning: [empty]) { _ = try HDF5File(path: empty, mode: .readOnly) }
    }

    func testTruncatedFile() throws {
        let path = try makeFile()
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        for keep in [data.count / 2, data.count - 1, 100] {
            try data.prefix(keep).write(to: URL(fileURLWithPath: path))
            expectError(.cannotOpen, mentioning: [path]) { _ = try HDF5File(path: path, mode: .readOnly) }
        }
    }

    func testMissingObjectsAndWrongTypes() throws {
        let path = try makeFile()
        let file = try HDF5File(path: path, mode: .readOnly)
        expectError(.notFound, mentioning: [path, "/model/v"]) { _ = try file.dataset("model/v") }
        expectError(.notFound, mentioning: ["/nothing/here"]) { _ = try file.group("nothing/here") }
        expectError(.wrongType, mentioning: ["/model", "group"]) { _ = try file.dataset("model") }
        expectError(.wrongType, mentioning: ["/model/w", "dataset"]) { _ = try file.group("model/w") }
        expectError(.notFound, mentioning: ["/@missing"]) { _ = try file.stringAttribute("missing") }
        expectError(.wrongType, mentioning: ["/@name", "string"]) { _ = try file.attribute("name", as: Int64.self) }
        let w = try file.dataset("model/w")
        expectError(.wrongType, mentioning: ["floating-point", "integer"]) { _ = try w.read(as: Int32.self) }
        expectError(.wrongType, mentioning: ["string"]) { _ = try w.readString() }
        var small = [Float](repeating: 0, count: 3)
        expectError(.wrongType, mentioning: ["4096"]) { try small.withUnsafeMutableBufferPointer { try w.read(into: $0) } }
    }

    func testCannotCreate() throws {
        let path = try temporaryPath(self, "no/such/dir/x.h5")
        expectError(.cannotWrite, mentioning: [path]) { _ = try HDF5File(path: path, mode: .truncate) }
        let good = try temporaryPath(self, "w.h5")
        let file = try HDF5File(path: good, mode: .truncate)
        expectError(.cannotWrite, mentioning: ["3 values do not fill shape [2, 2]"]) {
            try file.createDataset("x", [Float(1), 2, 3], shape: [2, 2])
        }
        expectError(.cannotWrite, mentioning: ["gzip level 12"]) { try file.createDataset("y", [Float(1)], compression: 12) }
        try file.createDataset("z", [Float(1)])
        expectError(.cannotWrite, mentioning: ["/z"]) { try file.createDataset("z", [Float(1)]) }
    }
}
