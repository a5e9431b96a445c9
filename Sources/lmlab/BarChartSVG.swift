// The `inspect --svg` image: one horizontal bar per token and temperature, grouped by token, probabilities on a
// shared 0…1 axis. Plain SVG 1.1 that any browser shows; no dependencies.
import Foundation
import Serving

enum BarChartSVG {
    static let colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]

    static func write(_ r: NextTokenReport, to path: String) throws {
        let k = r.temperatures.count, barHeight = 14.0, gap = 8.0, labelWidth = 150.0, plotWidth = 420.0
        let groupHeight = Double(k) * barHeight + gap
        let height = 60 + Double(r.rows.count) * groupHeight + 30
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(labelWidth + plotWidth + 120))" height="\(Int(height))" font-family="monospace" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="10" y="20" font-size="14">next token after "\(escape(r.prompt))"</text>

            """
        for (j, t) in r.temperatures.enumerated() {
            let x = labelWidth + Double(j) * 90
            svg += "<rect x=\"\(x)\" y=\"32\" width=\"12\" height=\"12\" fill=\"\(colours[j % colours.count])\"/>"
            svg += "<text x=\"\(x + 16)\" y=\"43\">T=\(t)</text>\n"
        }
        for (i, row) in r.rows.enumerated() {
            let y0 = 56 + Double(i) * groupHeight
            svg += "<text x=\"\(labelWidth - 8)\" y=\"\(y0 + Double(k) * barHeight / 2 + 4)\" text-anchor=\"end\">\(escape("\"" + row.piece + "\""))</text>\n"
            for (j, p) in row.probabilities.enumerated() {
                let y = y0 + Double(j) * barHeight, w = max(0.5, p * plotWidth)
                svg += "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(String(format: "%.1f", w))\" height=\"\(barHeight - 2)\" fill=\"\(colours[j % colours.count])\"/>"
                svg += "<text x=\"\(labelWidth + w + 4)\" y=\"\(y + barHeight - 4)\" font-size=\"10\">\(String(format: "%.3f", p))</text>\n"
            }
        }
        svg += "<line x1=\"\(labelWidth)\" y1=\"50\" x2=\"\(labelWidth)\" y2=\"\(height - 24)\" stroke=\"black\"/>\n"
        svg += "<text x=\"\(labelWidth)\" y=\"\(height - 8)\">0</text><text x=\"\(labelWidth + plotWidth)\" y=\"\(height - 8)\" text-anchor=\"end\">p = 1</text>\n"
        svg += "</svg>\n"
        try Data(svg.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)   // temporary file, then rename
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
