// Files: MappedBytes gives a file's exact bytes (an empty file as no bytes) and refuses what is not a regular file;
// AtomicFile replaces a file in one step — a write that fails halfway leaves the old file as it was and no
// temporary file behind, and a directory in the temporary file's place is refused, never removed.
import Foundation
import XCTest

@testable import Files

final class FilesTests: XCTestCase {
    func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmlab-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir.path
    }

    func contents(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    func testMappedBytesAreTheFilesBytes() throws {
        let dir = try temporaryDirectory()
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/a.bin"))
        // The views are valid while their MappedBytes lives (the tensors keep a reference for that).
        let mapped = try MappedBytes(path: dir + "/a.bin")
        withExtendedLifetime(mapped) { XCTAssertEqual(Array(mapped.bytes), bytes) }

        try Data().write(to: URL(fileURLWithPath: dir + "/empty.bin"))
        XCTAssertEqual(try MappedBytes(path: dir + "/empty.bin").bytes.count, 0)

        let copy = MappedBytes(copying: bytes[5..<9])
        withExtendedLifetime(copy) { XCTAssertEqual(Array(copy.bytes), Array(bytes[5..<9])) }

        XCTAssertThrowsError(try MappedBytes(path: dir)) { XCTAssertEqual(($0 as? FileError)?.reason, "not a regular file") }
        XCTAssertThrowsError(try MappedBytes(path: dir + "/missing.bin")) {
            XCTAssertEqual(($0 as? FileError)?.reason, String(cString: strerror(ENOENT)))
        }
    }

    /// A model-sized file read into huge pages: the same bytes (the end included: 8 MiB + 5 is no whole number of
    /// pages), starting on a 2 MiB boundary where the kernel has transparent huge pages; a small file is mapped.
    func testHugePageCopyHoldsTheFilesBytes() throws {
        let dir = try temporaryDirectory()
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<(MappedBytes.hugePageThreshold + 5)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/big.bin"))
        let copy = try MappedBytes(path: dir + "/big.bin", inHugePages: true)
        withExtendedLifetime(copy) {
            XCTAssertEqual(copy.bytes.count, bytes.count)
            XCTAssertTrue(copy.bytes.elementsEqual(bytes), "the huge-page copy differs from the file")
            if MappedBytes.hugePagesAvailable {
                XCTAssertEqual(Int(bitPattern: copy.bytes.baseAddress) % MappedBytes.hugePageSize, 0)
            }
        }
        try Data(bytes[0..<100]).write(to: URL(fileURLWithPath: dir + "/small.bin"))
        let small = try MappedBytes(path: dir + "/small.bin", inHugePages: true)
        withExtendedLifetime(small) { XCTAssertEqual(Array(small.bytes), Array(bytes[0..<100])) }
    }

    func testAtomicWriteReplacesTheFile() throws {
        let path = try temporaryDirectory() + "/model.bin"
        try AtomicFile.write([1, 2, 3], to: path)
        XCTAssertEqual(try contents(path), [1, 2, 3])
        try AtomicFile.write([4, 5], to: path)
        XCTAssertEqual(try contents(path), [4, 5])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".tmp"))
    }

    func testAFailedWriteLeavesTheOldFile() throws {
        struct Interrupted: Error {}
        let path = try temporaryDirectory() + "/model.bin"
        try AtomicFile.write([1, 2, 3], to: path)
        // Half the new content is written, then the writer fails: its error comes through, nothing else changes.
        XCTAssertThrowsError(try AtomicFile.replace(path) { temporary in
            try Data([9, 9]).write(to: URL(fileURLWithPath: temporary))
            throw Interrupted()
        }) { XCTAssert($0 is Interrupted, "\($0)") }
        XCTAssertEqual(try contents(path), [1, 2, 3])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".tmp"))

        // A stale temporary file from a crashed run is replaced, not appended to.
        try Data([7, 7, 7, 7, 7]).write(to: URL(fileURLWithPath: path + ".tmp"))
        try AtomicFile.write([4], to: path)
        XCTAssertEqual(try contents(path), [4])
    }

    func testADirectoryInTheWayIsRefusedAndKept() throws {
        let path = try temporaryDirectory() + "/model.bin"
        try AtomicFile.write([1, 2, 3], to: path)
        try FileManager.default.createDirectory(atPath: path + ".tmp", withIntermediateDirectories: false)
        XCTAssertThrowsError(try AtomicFile.write([4, 5], to: path)) { XCTAssert($0 is FileError, "\($0)") }
        var isDirectory: ObjCBool = false
        XCTAssert(FileManager.default.fileExists(atPath: path + ".tmp", isDirectory: &isDirectory) && isDirectory.boolValue)
        XCTAssertEqual(try contents(path), [1, 2, 3])
    }
}
