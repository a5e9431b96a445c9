// MappedBytes: the bytes of a model file (GGUF, safetensors), owned for as long as any tensor view needs them.
//
// A model file is read with mmap(2): the kernel pages weights in on first touch and shares them with the page
// cache, so "loading" a 100 MB model costs no copy and no time. Tensors are views (UnsafeRawBufferPointer) into this
// mapping; every view keeps a reference to its MappedBytes, and the mapping is released when the last one goes.
// Tests can also wrap an in-memory copy, which goes through the very same parser.
//
// Weights that a decoder streams whole for every token may instead be read into memory backed by 2 MiB pages
// (Linux transparent huge pages, `inHugePages`): a file mapping has 4 KiB pages, and walking 145 MB of them costs a
// TLB miss and a stalled hardware prefetcher every 4 KiB. Measured on a 2-core EPYC (one thread streaming a
// 131072×576 Q8_0 matrix through the AVX2 kernel): 9.3 GB/s in 4 KiB pages, 14.4 GB/s in 2 MiB pages. The price is
// one copy at load (page cache → memory, ~0.1 s for 145 MB) and no page sharing between processes.

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
    /// Bytes mapped at bytes.baseAddress (the file, or the huge-page copy rounded up to whole pages); 0 for a heap copy.
    private let mappedLength: Int

    /// Files smaller than this are mapped even when huge pages are asked for: a 2 MiB page would mostly be padding.
    static let hugePageThreshold = 8 << 20
    static let hugePageSize = 2 << 20

    /// Whether the kernel gives 2 MiB pages to memory that asks (madvise MADV_HUGEPAGE): transparent huge pages in
    /// mode `always` or `madvise`. Read once.
    public static let hugePagesAvailable: Bool = {
        #if os(Linux)
        guard let f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r") else { return false }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 128)
        guard fgets(&line, Int32(line.count), f) != nil else { return false }
        let mode = String(cString: line)
        return mode.contains("[always]") || mode.contains("[madvise]")
        #else
        return false
        #endif
    }()

    /// Maps `path` read-only; a FileError says why not (the caller names the file).
    public convenience init(path: String) throws(FileError) { try self.init(path: path, inHugePages: false) }

    /// Maps `path` read-only — or, with `inHugePages` (where the kernel has them and the file is at least 8 MiB),
    /// reads it into memory backed by 2 MiB pages, read-only too. A FileError says why not (the caller names the
    /// file).
    public init(path: String, inHugePages: Bool) throws(FileError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FileError(String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FileError(String(cString: strerror(errno))) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw FileError("not a regular file") }
        let size = Int(st.st_size)
        guard size > 0 else {  // mmap of 0 bytes fails; an empty file is simply an empty buffer (and truncated)
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            mappedLength = 0
            return
        }
        #if os(Linux)
        if inHugePages, size >= Self.hugePageThreshold, Self.hugePagesAvailable {
            (bytes, mappedLength) = try Self.readIntoHugePages(fd: fd, size: size)
            return
        }
        #endif
        mappedLength = size
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
        mappedLength = 0
    }

    #if os(Linux)
    /// `size` bytes of `fd` read into anonymous memory that starts on a 2 MiB boundary and asks for 2 MiB pages,
    /// then made read-only. Returns the bytes and the mapped length (whole pages).
    private static func readIntoHugePages(fd: Int32, size: Int) throws(FileError) -> (UnsafeRawBufferPointer, Int) {
        let page = hugePageSize
        let length = (size + page - 1) / page * page
        // Map one page more than needed and trim both ends, so the start is aligned.
        guard let raw = mmap(nil, length + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              raw != MAP_FAILED
        else { throw FileError("mmap: " + String(cString: strerror(errno))) }
        let head = (page - Int(bitPattern: raw) % page) % page
        if head > 0 { munmap(raw, head) }
        munmap(raw + head + length, page - head)
        let base = raw + head
        madvise(base, length, MADV_HUGEPAGE)  // advice: without it (or without free huge pages) 4 KiB pages serve
        var done = 0
        while done < size {
            let n = pread(fd, base + done, Swift.min(size - done, 1 << 30), off_t(done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let reason = n < 0 ? String(cString: strerror(errno)) : "the file shrank while being read"
                munmap(base, length)
                throw FileError("read: " + reason)
            }
            done += n
        }
        mprotect(base, length, PROT_READ)
        return (UnsafeRawBufferPointer(start: base, count: size), length)
    }
    #endif

    deinit {
        if mappedLength > 0 {
            munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), mappedLength)
        } else if bytes.baseAddress != nil {
            bytes.deallocate()
        }
    }
}
