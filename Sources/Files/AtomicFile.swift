// AtomicFile: how lmlab writes every file it must never leave half-written — a model (GGUF, safetensors), a
// checkpoint, a token stream. The content goes to `path.tmp`, is flushed to disk (fsync), and the temporary file is
// renamed over `path`: rename(2) replaces a file in one step, so a reader, a crash or a full disk finds the old file
// or the new one, never half of one. The directory is flushed too, so the rename itself survives a power cut.
import Foundation

public enum AtomicFile {
    /// Writes `bytes` to `path` atomically.
    public static func write(_ bytes: [UInt8], to path: String) throws(FileError) {
        do {
            try replace(path) { temporary in try Data(bytes).write(to: URL(fileURLWithPath: temporary)) }
        } catch let error as FileError {
            throw error
        } catch {
            throw FileError(error.localizedDescription)
        }
    }

    /// Runs `body` to write the file at the path it is given (`path.tmp`), then flushes that file and renames it over
    /// `path`. If `body` throws, its error comes through unchanged; failures to flush or rename throw FileError. On
    /// any failure the temporary file is removed and `path` is untouched.
    public static func replace(_ path: String, writing body: (_ temporary: String) throws -> Void) throws {
        let temporary = path + ".tmp"
        removeTemporary(temporary)   // left over from a run that crashed
        do {
            try body(temporary)
            try synchronize(temporary)
            guard rename(temporary, path) == 0 else {
                throw FileError("cannot rename \(temporary): \(String(cString: strerror(errno)))")
            }
        } catch {
            removeTemporary(temporary)
            throw error
        }
        synchronizeDirectory(of: path)
    }

    /// Flushes a file's data to the disk.
    static func synchronize(_ path: String) throws(FileError) {
        guard let handle = FileHandle(forUpdatingAtPath: path) else { throw FileError("cannot reopen \(path) to flush it") }
        defer { try? handle.close() }
        do { try handle.synchronize() } catch { throw FileError("cannot flush \(path): \(error.localizedDescription)") }
    }

    /// Makes a rename durable (best effort: some file systems refuse to sync a directory).
    static func synchronizeDirectory(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY)
        if fd >= 0 { _ = fsync(fd); _ = close(fd) }
    }

    /// Removes a half-written temporary file (never a directory someone put there).
    static func removeTemporary(_ path: String) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}
