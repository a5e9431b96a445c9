// The damage every bad-input test applies to a good file, and the one check it makes of each result.
//
// Corruptions: every truncation inside the file's header (where a byte decides structure: counts, lengths, types,
// offsets) and a seeded sample of the rest; one-byte changes at every header offset (all bits flipped; for loaders
// fast enough, also set to given values: 0x00 and 0xFF, a zeroed count and a huge one; digits and JSON punctuation
// for JSON, which a flipped byte only ever makes invalid UTF-8) and at a seeded sample of the rest.
// The check: loading either succeeds or throws one of the loader's own error types, whose message names the file.
// A crash ends the test process (so a pass means none happened; LMLAB_BADINPUT_TRACE=1 prints each input before it
// is loaded, to find the one that crashed), and a watchdog turns a hang into a failure that names the input, instead
// of a stuck CI.
import Foundation
import Tensor
import XCTest

struct Corruption: CustomStringConvertible {
    enum Kind { case truncate, set(UInt8), flip }
    let offset: Int
    let kind: Kind

    func apply(to good: [UInt8]) -> [UInt8] {
        switch kind {
        case .truncate: return Array(good[..<offset])
        case .set(let v): var b = good; b[offset] = v; return b
        case .flip: var b = good; b[offset] ^= 0xFF; return b
        }
    }

    var description: String {
        switch kind {
        case .truncate: return "truncated to \(offset) bytes"
        case .set(let v): return String(format: "byte %d set to 0x%02X", offset, v)
        case .flip: return "byte \(offset) flipped"
        }
    }

    /// Truncations and byte changes of a file whose first `header` bytes are its header; `sample`
    /// offsets of the rest of each kind, drawn with a fixed seed; each header byte is also set to each of `values`.
    static func all(_ bytes: [UInt8], header: Int, sample: Int = 200, values: [UInt8] = [], seed: UInt64 = 19) -> [Corruption] {
        let count = bytes.count
        var rng = RandomGenerator(seed: seed)  // Tensor's seeded xoshiro256**: the sampled offsets repeat exactly
        let header = min(header, count)
        let rest = header < count ? (0..<sample).map { _ in header + Int(rng.next() % UInt64(count - header)) } : []
        var out: [Corruption] = []
        for at in Array(0..<header) + rest { out.append(Corruption(offset: at, kind: .truncate)) }
        for at in 0..<header {
            out.append(Corruption(offset: at, kind: .flip))
            for v in values where bytes[at] != v { out.append(Corruption(offset: at, kind: .set(v))) }
        }
        for at in rest { out.append(Corruption(offset: at, kind: .flip)) }
        return out
    }
}

/// Fails the run, naming the input, when one load takes longer than `limit` seconds (a hang, not a slow load: the
/// files are a few KB).
final class Watchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var current: (what: String, since: Date)?
    private var stopped = false
    let limit: Double

    init(limit: Double = 20) {
        self.limit = limit
        Thread.detachNewThread { [self] in
            while true {
                Thread.sleep(forTimeInterval: 0.5)
                lock.lock()
                let (c, done) = (current, stopped)
                lock.unlock()
                if done { return }
                if let c, Date().timeIntervalSince(c.since) > limit {
                    fatalError("bad-input test: \(c.what) did not finish in \(limit) s — a hang")
                }
            }
        }
    }

    func watch<T>(_ what: @autoclosure () -> String, _ body: () throws -> T) rethrows -> T {
        lock.lock(); current = (what(), Date()); lock.unlock()
        defer { lock.lock(); current = nil; lock.unlock() }
        return try body()
    }

    func stop() { lock.lock(); stopped = true; lock.unlock() }
}

/// Outcomes of loading many corrupted copies.
struct Tally: CustomStringConvertible {
    var loaded = 0
    var errors: [String: Int] = [:]   // by error type
    var description: String {
        "\(loaded) loaded, " + errors.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }
}

/// One loader under test: its name (for messages), the error types it may throw, and the call.
struct Loader {
    let name: String
    let allowed: [Error.Type]
    let load: ([UInt8]) throws -> Void
}

let traceInputs = ProcessInfo.processInfo.environment["LMLAB_BADINPUT_TRACE"] != nil

extension XCTestCase {
    /// Loads every corruption of `good` with each of `loaders`, which get the bytes; with `path` set the bytes are
    /// also written there first (for loaders that take a path). Each load must succeed or throw one of its allowed
    /// error types whose message contains `names` — the file as the loader was given it. Returns a tally per loader.
    @discardableResult
    func loadCorrupted(_ good: [UInt8], header: Int, sample: Int = 200, values: [UInt8] = [], path: String? = nil,
                       names: String, _ loaders: [Loader], file: StaticString = #filePath,
                       line: UInt = #line) -> [String: Tally] {
        let watchdog = Watchdog()
        defer { watchdog.stop() }
        var tallies: [String: Tally] = [:]
        for c in Corruption.all(good, header: header, sample: sample, values: values) {
            let bytes = c.apply(to: good)
            if let path {   // a plain write: FileManager.createFile writes a temporary file and renames it, 10× slower
                XCTAssertNoThrow(try Data(bytes).write(to: URL(fileURLWithPath: path)))
            }
            for loader in loaders {
                if traceInputs { FileHandle.standardError.write(Data("\(loader.name): \(c)\n".utf8)) }
                do {
                    try watchdog.watch("\(loader.name) on \(names), \(c)") { try loader.load(bytes) }
                    tallies[loader.name, default: Tally()].loaded += 1
                } catch {
                    let type = String(describing: Swift.type(of: error))
                    tallies[loader.name, default: Tally()].errors[type, default: 0] += 1
                    if !loader.allowed.contains(where: { $0 == Swift.type(of: error) }) {
                        XCTFail("\(loader.name), \(c): \(type) is not one of its errors: \(error)", file: file, line: line)
                    } else if !"\(error)".contains(names) {
                        XCTFail("\(loader.name), \(c): the error does not name \(names): \(error)", file: file, line: line)
                    }
                }
            }
        }
        for (name, tally) in tallies.sorted(by: { $0.key < $1.key }) { print("\(names) (\(good.count) bytes, header \(header)) — \(name): \(tally)") }
        return tallies
    }
}

/// A fresh folder for the damaged copies, in memory where the system has one (/dev/shm): the tests write tens of
/// thousands of small files.
func scratchDirectory(_ test: XCTestCase) throws -> String {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let dir = base + "/lmlab-bad-input-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    return dir
}
