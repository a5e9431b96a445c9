// Terminal helpers: a progress bar on stderr, and turning typed errors into one clear line and a non-zero exit.
import ArgumentParser
import Foundation
import Serving

/// A one-line progress bar redrawn in place on a terminal; on a pipe it prints a line every few percent.
final class ProgressBar {
    let enabled: Bool
    let isTerminal = isatty(2) != 0
    var lastPercent = -1

    init(enabled: Bool = true) { self.enabled = enabled }

    static func bar(_ fraction: Double, width: Int = 24) -> String {
        let filled = max(0, min(width, Int((fraction * Double(width)).rounded())))
        return String(repeating: "━", count: filled) + String(repeating: "─", count: width - filled)
    }

    func update(_ label: String, done: Int, total: Int, suffix: String = "") {
        guard enabled else { return }
        let fraction = total > 0 ? Double(done) / Double(total) : 0
        let text = "\(label) \(done)/\(total) \(Self.bar(fraction)) \(suffix)"
        if isTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + text).utf8))
        } else {
            let percent = Int(fraction * 100)
            if percent / 10 != lastPercent / 10 || done == total { FileHandle.standardError.write(Data((text + "\n").utf8)) }
            lastPercent = percent
        }
    }

    /// Ends the bar's line and prints `text`.
    func finish(_ text: String) {
        guard enabled else { return }
        if isTerminal { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        print(text)
        fflush(nil)  // keep stdout lines in order with the bar on stderr when both go to one pipe
    }

    /// Erases the bar (on a terminal) without printing anything.
    func clear() {
        if enabled && isTerminal { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
    }

    /// Prints a line above the bar.
    func line(_ text: String) { finish(text) }
}

/// Runs `body`; an error becomes one line on stderr (`lmlab: …`) and exit code 1 — a bad request field (a
/// ServingError naming it) a usage error naming the flag instead.
func runOrExit<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as ExitCode { throw error } catch let error as ValidationError {
        throw error
    } catch let error as ServingError where error.field != "messages" {
        throw ValidationError(error.described(naming: CLIFlag.name))
    } catch let error as ServingError {
        FileHandle.standardError.write(Data("lmlab: \(error.described(naming: CLIFlag.name))\n".utf8))
        throw ExitCode.failure
    } catch {
        FileHandle.standardError.write(Data("lmlab: \(error)\n".utf8))
        throw ExitCode.failure
    }
}

/// Peak resident memory of this process in MiB (getrusage reports KiB on Linux).
func peakResidentMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// Ctrl-C sets a flag that long loops check between steps, so they stop cleanly (and save) instead of dying.
final class InterruptFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    private var source: DispatchSourceSignal?

    var isRaised: Bool { lock.lock(); defer { lock.unlock() }; return raised }

    func install() {
        signal(SIGINT, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        s.setEventHandler { [weak self] in
            guard let self else { return }
            self.lock.lock(); let second = self.raised; self.raised = true; self.lock.unlock()
            FileHandle.standardError.write(Data("\nlmlab: interrupted — finishing this step and saving (Ctrl-C again to quit now)\n".utf8))
            if second { exit(130) }
        }
        s.resume()
        source = s
    }
}
