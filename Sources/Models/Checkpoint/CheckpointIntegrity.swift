// The checkpoint's integrity record: HDF5 checksums its metadata (file format 1.8) but not the array data or the
// heap that holds strings, and libhdf5 1.10 can crash on a damaged string heap. So every checkpoint starts with a
// 512-byte HDF5 user block (which HDF5 readers skip) holding, in plain text,
//
//   lmlab-checkpoint integrity
//   bytes 16240408
//   crc32 0xa1e0570c
//
// the file's length and the CRC-32 (the zlib / PNG polynomial: Python's `zlib.crc32`) of everything after the block.
// Loading checks both before HDF5 parses a single byte, so a truncated or damaged file is one clear error instead of
// a crash or a silently wrong model.
import Foundation

enum CheckpointIntegrity {
    /// Size of the user block (HDF5 requires a power of two ≥ 512).
    static let blockSize = 512
    static let magic = "lmlab-checkpoint integrity\n"

    /// What the block says about the file.
    struct Record: Equatable {
        var bytes: Int
        var crc: UInt32

        var text: String { magic + "bytes \(bytes)\ncrc32 0x" + String(crc, radix: 16) + "\n" }

        /// Parses a block; nil when it is not an integrity record.
        init?(block: Data) {
            let text = String(decoding: block.prefix { $0 != 0 }, as: UTF8.self)
            guard text.hasPrefix(magic) else { return nil }
            var bytes: Int?, crc: UInt32?
            for line in text.dropFirst(magic.count).split(separator: "\n") {
                let parts = line.split(separator: " ")
                guard parts.count == 2 else { continue }
                if parts[0] == "bytes" { bytes = Int(parts[1]) }
                if parts[0] == "crc32", parts[1].hasPrefix("0x") { crc = UInt32(parts[1].dropFirst(2), radix: 16) }
            }
            guard let bytes, let crc else { return nil }
            self.bytes = bytes
            self.crc = crc
        }

        init(bytes: Int, crc: UInt32) { self.bytes = bytes; self.crc = crc }
    }

    /// Writes the record for the file's current content into its user block (after HDF5 has closed the file).
    static func seal(_ path: String) throws {
        let (bytes, crc) = try measure(path)
        let text = Data(Record(bytes: bytes, crc: crc).text.utf8)
        guard let handle = FileHandle(forUpdatingAtPath: path) else {
            throw CheckpointError.cannotWrite(path: path, reason: "cannot reopen \(path) to write its integrity record")
        }
        defer { try? handle.close() }
        try handle.seek(toOffset: 0)
        try handle.write(contentsOf: text + Data(count: blockSize - text.count))
    }

    /// HDF5's 8-byte signature, found at offset 0 of a plain HDF5 file and at 512 after a user block.
    static let hdf5Signature = Data([0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A])

    /// Checks a file that carries a record; returns false when it has none and no user block either (an HDF5 file
    /// from elsewhere, or not HDF5 at all: HDF5 itself then says which). A user block without a valid record is
    /// refused without letting HDF5 parse the file, since the rest of it cannot be trusted either.
    static func verify(_ path: String) throws -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: blockSize + hdf5Signature.count)) ?? Data()
        guard head.count == blockSize + hdf5Signature.count else { return false }
        guard let record = Record(block: head.prefix(blockSize)) else {
            if head.suffix(hdf5Signature.count) == hdf5Signature {
                throw CheckpointError.damaged(path: path, reason: "its first 512 bytes are not an lmlab integrity record "
                                              + "(a damaged checkpoint, or an HDF5 file with a user block from another program)")
            }
            return false
        }
        let (bytes, crc) = try measure(path)
        guard bytes == record.bytes else {
            throw CheckpointError.damaged(path: path, reason: "the file has \(bytes) bytes but was written with \(record.bytes): "
                                          + (bytes < record.bytes ? "truncated" : "something was appended"))
        }
        guard crc == record.crc else {
            throw CheckpointError.damaged(path: path, reason: "its contents do not match their CRC-32 (0x\(String(crc, radix: 16)), "
                                          + "recorded 0x\(String(record.crc, radix: 16))): bytes were changed after it was written")
        }
        return true
    }

    /// The file's length and the CRC-32 of everything after the user block, read in 1 MiB pieces.
    static func measure(_ path: String) throws -> (bytes: Int, crc: UInt32) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CheckpointError.damaged(path: path, reason: "cannot read the file")
        }
        defer { try? handle.close() }
        var crc = CRC32()
        var bytes = 0
        while true {
            let piece: Data
            do { piece = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw CheckpointError.damaged(path: path, reason: "cannot read the file (\(error.localizedDescription))")
            }
            if piece.isEmpty { break }
            let skip = max(0, min(piece.count, blockSize - bytes))
            piece.withUnsafeBytes { crc.update(UnsafeRawBufferPointer(rebasing: $0[skip...])) }
            bytes += piece.count
        }
        return (bytes, crc.value)
    }
}

/// CRC-32 with the reflected polynomial 0xEDB88320 (zlib, PNG, Ethernet), one table lookup per byte.
struct CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    private var state: UInt32 = 0xFFFF_FFFF

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var c = state
        Self.table.withUnsafeBufferPointer { t in
            for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        }
        state = c
    }

    var value: UInt32 { state ^ 0xFFFF_FFFF }
}
