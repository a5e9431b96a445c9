// ByteCursor: reads little-endian fields from a byte buffer, checking every length against what remains.
//
// This is the one place that touches raw file bytes while parsing, so it is the one place that must never read past
// the end: each read first asks `require(_:for:)`, which throws GGUFError.truncated naming the offset and field.

struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    let file: String
    /// Offset of the next unread byte.
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer, file: String) {
        self.bytes = bytes
        self.file = file
    }

    var remaining: Int { bytes.count - offset }

    /// Throws unless `n` more bytes are available.
    func require(_ n: Int, for what: String) throws(GGUFError) {
        guard n >= 0, n <= remaining else {
            throw .truncated(file: file, offset: offset, reading: what, needed: n, remaining: remaining)
        }
    }

    /// Reads one fixed-width value (host is little-endian, like GGUF: x86-64 and arm64).
    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: String) throws(GGUFError) -> T {
        try require(MemoryLayout<T>.size, for: what)
        let v = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: v)
    }

    mutating func readFloat(_ what: String) throws(GGUFError) -> Float {
        Float(bitPattern: try read(UInt32.self, what))
    }

    mutating func readDouble(_ what: String) throws(GGUFError) -> Double {
        Double(bitPattern: try read(UInt64.self, what))
    }

    /// A u64 count or size that must fit in Int and in the bytes left, at `minBytesEach` bytes per item.
    mutating func readCount(_ what: String, minBytesEach: Int) throws(GGUFError) -> Int {
        let at = offset
        let raw = try read(UInt64.self, what)
        guard let n = Int(exactly: raw) else {
            throw .invalidField(file: file, offset: at, field: what, problem: "count \(raw) is larger than Int.max")
        }
        let (bytesNeeded, overflow) = n.multipliedReportingOverflow(by: max(minBytesEach, 1))
        guard !overflow, bytesNeeded <= remaining else {
            throw .invalidField(file: file, offset: at, field: what,
                problem: "count \(n) needs at least \(overflow ? "Int.max" : String(bytesNeeded)) bytes, "
                    + "only \(remaining) remain")
        }
        return n
    }

    /// A GGUF string: u64 byte length, then UTF-8 bytes (no terminator).
    mutating func readString(_ what: String) throws(GGUFError) -> String {
        let at = offset
        let n = try readCount("\(what) length", minBytesEach: 1)
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)])
        guard let s = String(validating: slice, as: UTF8.self) else {
            throw .invalidField(file: file, offset: at, field: what, problem: "\(n) bytes are not valid UTF-8")
        }
        offset += n
        return s
    }

    /// Moves to the next multiple of `alignment` (the start of the tensor data section).
    mutating func align(to alignment: Int, for what: String) throws(GGUFError) {
        let padding = (alignment - offset % alignment) % alignment
        try require(padding, for: what)
        offset += padding
    }
}
