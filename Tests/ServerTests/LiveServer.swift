// LiveServer: a real `lmlab serve` process for the tests that need a real client — started on 127.0.0.1 with a free
// port (the server picks it: --port 0, and prints the address), stopped (SIGTERM) when the test is done.
import Foundation
import XCTest

final class LiveServer {
    let process = Process()
    let baseURL: String
    let port: Int
    private let output = Pipe()

    /// The `lmlab` binary next to the test bundle (both are built by `swift build --build-tests`).
    static var lmlab: String {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = [Bundle(for: LiveServer.self).bundleURL, Bundle(for: LiveServer.self).bundleURL.deletingLastPathComponent(), here]
        return candidates.map { $0.appendingPathComponent("lmlab").path }
            .first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0].appendingPathComponent("lmlab").path
    }

    /// The Python of the project's test venv (scripts/setup.sh installs openai and jsonschema there).
    static var python: String { ServerFixture.root.appendingPathComponent(".venv-tests/bin/python").path }

    init(arguments: [String], timeout: Double = 120) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.lmlab) else {
            throw NSError(domain: "LiveServer", code: 3, userInfo: [NSLocalizedDescriptionKey: "\(Self.lmlab) is not built (swift build --build-tests builds it)"])
        }
        process.executableURL = URL(fileURLWithPath: Self.lmlab)
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", "0"] + arguments
        process.currentDirectoryURL = ServerFixture.root
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        // Wait for "lmlab serve: NAMES on http://127.0.0.1:PORT".
        let start = Date()
        var seen = ""
        let reader = output.fileHandleForReading
        while !seen.contains("\n") {
            guard Date().timeIntervalSince(start) < timeout, process.isRunning else {
                process.terminate()
                throw NSError(domain: "LiveServer", code: 1, userInfo: [NSLocalizedDescriptionKey: "lmlab serve did not start: \(seen)"])
            }
            let data = reader.availableData
            if data.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
            seen += String(decoding: data, as: UTF8.self)
        }
        guard let range = seen.range(of: #"http://127\.0\.0\.1:(\d+)"#, options: .regularExpression),
              let port = Int(seen[range].split(separator: ":").last ?? "") else {
            process.terminate()
            throw NSError(domain: "LiveServer", code: 2, userInfo: [NSLocalizedDescriptionKey: "unexpected first line: \(seen)"])
        }
        self.port = port
        baseURL = "http://127.0.0.1:\(port)"
    }

    /// SIGTERM, then wait for the process to end (a graceful shutdown).
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { stop() }

    /// Runs a Python script of Tests/ServerTests/Clients with the venv's Python; returns (exit status, stdout+stderr).
    static func runClient(_ script: String, _ arguments: [String]) throws -> (Int32, String) {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw NSError(domain: "LiveServer", code: 4, userInfo: [NSLocalizedDescriptionKey: "\(python) is missing: run scripts/setup.sh (it installs the openai package there)"])
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [ServerFixture.root.appendingPathComponent("Tests/ServerTests/Clients/\(script)").path] + arguments
        p.currentDirectoryURL = ServerFixture.root
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
