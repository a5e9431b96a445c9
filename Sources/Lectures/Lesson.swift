// A lesson is a Markdown file whose commands are real: a fenced block opened with ```sh check holds one command,
// and the ```output block right after it holds what the command prints. The checker runs the command and compares.
//
// Output lines may vary legitimately (timings, speeds). Such a line is written with a leading "~ " and compared by
// shape: every number in both lines becomes "#", the rest must match. A line "..." matches any run of lines
// (zero or more), for long output a lesson shows only part of.
import Foundation

public struct CheckedCommand: Equatable, Sendable {
    /// The command as a shell would run it (continuation lines joined).
    public var command: String
    /// The expected output lines.
    public var expected: [String]
    /// 1-based line of the ```sh check fence in the lesson file.
    public var line: Int
}

public enum LessonError: Error, CustomStringConvertible, Equatable {
    case missingOutput(file: String, line: Int)
    case unterminatedFence(file: String, line: Int)

    public var description: String {
        switch self {
        case .missingOutput(let f, let l):
            return "\(f):\(l): a ```sh check block must be followed by an ```output block with the expected output"
        case .unterminatedFence(let f, let l): return "\(f):\(l): a fenced block is never closed with ```"
        }
    }
}

public enum Lesson {
    /// The checked commands of a lesson, in order.
    public static func commands(in markdown: String, file: String = "<lesson>") throws -> [CheckedCommand] {
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var result: [CheckedCommand] = []
        var i = 0
        func block(from start: Int) throws -> (body: [String], end: Int) {
            var j = start + 1
            while j < lines.count && lines[j].trimmingCharacters(in: .whitespaces) != "```" { j += 1 }
            guard j < lines.count else { throw LessonError.unterminatedFence(file: file, line: start + 1) }
            return (Array(lines[(start + 1)..<j]), j)
        }
        while i < lines.count {
            let fence = lines[i].trimmingCharacters(in: .whitespaces)
            guard fence.hasPrefix("```") else { i += 1; continue }
            let (body, end) = try block(from: i)
            if fence == "```sh check" {
                var k = end + 1
                while k < lines.count && lines[k].trimmingCharacters(in: .whitespaces).isEmpty { k += 1 }
                guard k < lines.count, lines[k].trimmingCharacters(in: .whitespaces) == "```output" else {
                    throw LessonError.missingOutput(file: file, line: i + 1)
                }
                let (expected, outputEnd) = try block(from: k)
                let command = Self.joinLines(body)
                result.append(CheckedCommand(command: command, expected: expected, line: i + 1))
                i = outputEnd + 1
            } else {
                i = end + 1
            }
        }
        return result
    }

    /// A block's lines as one shell script: a line ending in "\\" continues on the next (its indentation dropped, one
    /// space between); other line breaks stay, so a block may hold several commands or a multi-line script. Spaces
    /// inside a line are kept as written (they may sit inside quotes).
    static func joinLines(_ body: [String]) -> String {
        var script = "", continuing = false
        for line in body {
            var text = continuing ? String(line.drop { $0 == " " || $0 == "\t" }) : line
            if !script.isEmpty { script += continuing ? " " : "\n" }
            continuing = text.hasSuffix("\\")
            if continuing { text = String(text.dropLast()).trimmingTrailingSpaces }
            script += text
        }
        return script
    }

    /// The lesson with the ```output block of the command whose ```sh check fence is on `line` (1-based) replaced by
    /// `actual` — how `lmlab lectures check --update` records a new or changed output. A "~ " line of the old block
    /// keeps its marker when the new line at the same place has the same shape.
    public static func replacingOutput(in markdown: String, commandLine line: Int, with actual: [String]) -> String {
        var lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var j = line   // first line after the ```sh check fence
        while j < lines.count && lines[j].trimmingCharacters(in: .whitespaces) != "```" { j += 1 }
        j += 1
        while j < lines.count && lines[j].trimmingCharacters(in: .whitespaces) != "```output" { j += 1 }
        guard j < lines.count else { return markdown }
        var end = j + 1
        while end < lines.count && lines[end].trimmingCharacters(in: .whitespaces) != "```" { end += 1 }
        let old = Array(lines[(j + 1)..<end])
        let new = actual.enumerated().map { k, a -> String in
            k < old.count && old[k].hasPrefix("~ ") && shape(String(old[k].dropFirst(2))) == shape(a) ? "~ " + a : a
        }
        lines.replaceSubrange((j + 1)..<end, with: new)
        return lines.joined(separator: "\n")
    }

    /// "#" for every number, so "12.5 ms, 3 steps" and "9.1 ms, 3 steps" have the same shape.
    /// Runs of spaces count as one: a number's width moves the padding of the columns after it.
    public static func shape(_ line: String) -> String {
        var out = "", inNumber = false
        for ch in line {
            let numeric = ch.isNumber || (inNumber && (ch == "." || ch == ","))
            if numeric { if !inNumber { out.append("#") }; inNumber = true; continue }
            inNumber = false
            if ch == " " && out.last == " " { continue }
            out.append(ch)
        }
        return out.trimmingCharacters(in: .whitespaces)
    }

    /// nil when `actual` matches `expected` (with "~ " lines by shape and "..." elisions), else what differs.
    public static func mismatch(expected: [String], actual: [String]) -> String? {
        func lineMatches(_ e: String, _ a: String) -> Bool {
            e.hasPrefix("~ ") ? shape(String(e.dropFirst(2))) == shape(a) : e == a
        }
        // Match with elisions by dynamic programming over (expected index, actual index).
        let e = expected.map { $0.trimmingTrailingSpaces }, a = actual.map { $0.trimmingTrailingSpaces }
        var reachable = Array(repeating: Array(repeating: false, count: a.count + 1), count: e.count + 1)
        reachable[0][0] = true
        for i in 0...e.count {
            for j in 0...a.count where reachable[i][j] {
                guard i < e.count else { continue }
                if e[i] == "..." {
                    for k in j...a.count { reachable[i + 1][k] = true }
                } else if j < a.count && lineMatches(e[i], a[j]) {
                    reachable[i + 1][j + 1] = true
                }
            }
        }
        if reachable[e.count][a.count] { return nil }
        // Report the first line where a plain line-by-line reading parts.
        for (k, line) in e.enumerated() where line != "..." {
            guard k < a.count else { return "expected line \(k + 1) \"\(line)\", but the output ended after \(a.count) lines" }
            if !lineMatches(line, a[k]) { return "line \(k + 1): expected \"\(line)\", got \"\(a[k])\"" }
        }
        return "the output has \(a.count) lines, the lesson shows \(e.count)"
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var s = Substring(self)
        while let last = s.last, last == " " || last == "\t" || last == "\r" { s = s.dropLast() }
        return String(s)
    }
}
