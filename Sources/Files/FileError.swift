// FileError: why a file could not be mapped or written, in the system's words (strerror, Foundation's message). The
// callers — GGUF, Safetensors, checkpoints — wrap it in their own typed error, which names the file and what to do.

public struct FileError: Error, CustomStringConvertible, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
