// `lmlab lectures check [FILE…]`: runs every ```sh check command of the lessons and compares its output with the
// ```output block after it (rules in Sources/Lectures/Lesson.swift). Ends with "N passed, N failed".
import ArgumentParser
import Foundation
import Lectures
import Tensor

struct Lectures: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with the lessons in lectures/.", subcommands: [LecturesCheck.self])
}

struct LecturesCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Run each lesson's checked commands and compare their output.")

    @Argument(help: "Lesson files (default: every lectures/*.md but the README).") var files: [String] = []
    @Flag(help: "Write each failing command's actual output into its lesson (to record a new or changed lesson; review the diff).")
    var update = false
    @OptionGroup var output: JSONOption

    struct Result: Encodable { var file: String, line: Int, command: String, passed: Bool, problem: String?, seconds: Double }

    func run() throws {
        let lessons = files.isEmpty ? try Self.allLessons() : files
        // Lessons call `lmlab`: the one running this check.
        let binDir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
        var results: [Result] = []
        for file in lessons {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ValidationError("\(file): cannot read the lesson")
            }
            let commands = try runOrExit { try Lesson.commands(in: String(decoding: data, as: UTF8.self), file: file) }
            var recorded: [(line: Int, output: [String])] = []
            for c in commands {
                let start = now()
                let (status, stdout, stderr) = try Self.shell(c.command, path: binDir)
                let actual = stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                let lines = actual.last == "" ? Array(actual.dropLast()) : actual
                var problem = Lesson.mismatch(expected: c.expected, actual: lines)
                if status != 0 {
                    problem = "exit code \(status)" + (stderr.isEmpty ? "" : ": " + stderr.split(separator: "\n").suffix(2).joined(separator: " / "))
                }
                if update, problem != nil, status == 0 { recorded.append((c.line, lines)) }
                results.append(Result(file: file, line: c.line, command: c.command, passed: problem == nil, problem: problem,
                                      seconds: now() - start))
                if !output.json {
                    print(String(format: "%@ %@:%d  %@  (%.1f s)", problem == nil ? "ok  " : "FAIL", file, c.line, c.command, now() - start))
                    if let problem { print("       \(problem)") }
                }
            }
            if !recorded.isEmpty {
                // Bottom-up, so earlier commands' line numbers stay valid.
                var markdown = String(decoding: data, as: UTF8.self)
                for r in recorded.reversed() { markdown = Lesson.replacingOutput(in: markdown, commandLine: r.line, with: r.output) }
                try Data(markdown.utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
                if !output.json { print("recorded \(recorded.count) output block(s) in \(file)") }
            }
        }
        let failed = results.filter { !$0.passed }.count
        if output.json {
            struct Report: Encodable { var passed: Int, failed: Int, results: [Result] }
            try printJSON(Report(passed: results.count - failed, failed: failed, results: results))
        } else {
            print("\(results.count - failed) passed, \(failed) failed")
        }
        if failed > 0 { throw ExitCode.failure }
    }

    static func allLessons() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: "lectures")
            .filter { $0.hasSuffix(".md") && $0 != "README.md" }.sorted().map { "lectures/" + $0 }
    }

    /// Runs `command` with /bin/sh, `path` first on PATH; returns exit status, stdout and stderr.
    static func shell(_ command: String, path: String) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = path + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        // OpenBLAS picks its sgemm kernel by CPU when it loads (Haswell's on AVX2 machines, SkylakeX's or Cooperlake's
        // on AVX-512 ones), and they add in different orders: a prompt's logits differ in the 4th decimal between
        // machine kinds (18.1552 / 18.1553), and a sample at T = 1 can take another token. The lessons' outputs were
        // recorded with the AVX2 kernel, which every AVX2 CPU runs: their commands get it unless the caller set one.
        if KernelSet.avx2.isAvailable, env["OPENBLAS_CORETYPE"] == nil { env["OPENBLAS_CORETYPE"] = "Haswell" }
        process.environment = env
        // stderr (progress bars can be long) goes to a file, so neither stream can block on a full pipe.
        let errPath = NSTemporaryDirectory() + "lmlab-lecture-\(UUID().uuidString).stderr"
        FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(forWritingAtPath: errPath)
        try process.run()
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderrData = FileManager.default.contents(atPath: errPath) ?? Data()
        return (process.terminationStatus, String(decoding: stdoutData, as: UTF8.self), String(decoding: stderrData, as: UTF8.self))
    }
}
