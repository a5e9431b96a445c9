// MappedBytes: the bytes of a model file (GGUF, safetensors), owned for as long as any tensor view needs them.
//
// A model file is read with mmap(2): the kernel pages weights in on first touch and shares them with the page
// cache, so "loading" a 100 MB model costs no copy and no time. Tensors are views (UnsafeRawBufferPointer) into this
// mapping; every view keeps a reference to its MappedBytes, and the mapping is released when the last one goes.
// Tests can also wrap an in-memory copy, which goes through the very same parser.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Read-only bytes: a file mapping or an owned heap copy.
public final class MappedBytes: @unchecked Sendable {
    // @unchecked: the bytes are never written after init, so sharing them between threads is safe.

    /// The whole file.
    public let bytes: UnsafeRawBufferPointer
    private let isMapping: Bool

    /// Maps `path` read-only; a FileError says why not (the caller names the file).
    public init(path: String) throws(FileError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FileError(String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FileError(String(cString: strerror(errno))) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw FileError("not a regular file") }
        let size = Int(st.st_size)
        isMapping = size > 0  // mmap of 0 bytes fails; an empty file is simply an empty buffer (and truncated)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else {
            throw FileError("mmap: " + String(cString: strerror(errno)))
        }
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    /// Copies `data` (for tests and for files that arrive over the network).
    public init(copying data: some Collection<UInt8>) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: data.count, alignment: 64)
        buffer.copyBytes(from: data)
        bytes = UnsafeRawBufferPointer(buffer)
        isMapping = false
    }

    deinit {
        if isMapping {
            munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
        } else {
            bytes.deallocate()
        }
    }
}
