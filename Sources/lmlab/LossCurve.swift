// The loss curve as an SVG a browser shows: training loss (a line) and validation loss (dots) against tokens seen.
import Foundation

struct LossCurve {
    var train: [(tokens: Double, loss: Double)] = []
    var validation: [(tokens: Double, loss: Double)] = []
    var title = "loss"

    func svg(width: Double = 720, height: Double = 420) -> String {
        let all = train + validation
        guard let maxTokens = all.map(\.tokens).max(), maxTokens > 0 else { return "<svg xmlns=\"http://www.w3.org/2000/svg\"/>" }
        let losses = all.map(\.loss)
        let lo = max(0, (losses.min() ?? 0) - 0.1), hi = (losses.max() ?? 1) + 0.1
        let (left, right, top, bottom) = (60.0, 20.0, 30.0, 45.0)
        func x(_ t: Double) -> Double { left + t / maxTokens * (width - left - right) }
        func y(_ l: Double) -> Double { top + (hi - l) / (hi - lo) * (height - top - bottom) }
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(left)" y="18" font-size="14">\(title)</text>
        <line x1="\(left)" y1="\(height - bottom)" x2="\(width - right)" y2="\(height - bottom)" stroke="black"/>
        <line x1="\(left)" y1="\(top)" x2="\(left)" y2="\(height - bottom)" stroke="black"/>

        """
        for i in 0...4 {
            let l = lo + (hi - lo) * Double(i) / 4, t = maxTokens * Double(i) / 4
            s += String(format: "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>\n", left - 6, y(l) + 4, l)
            s += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", left, y(l), width - right, y(l))
            s += String(format: "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%@</text>\n", x(t), height - bottom + 16, Self.short(t))
        }
        s += "<text x=\"\((left + width - right) / 2)\" y=\"\(height - 8)\" text-anchor=\"middle\">tokens seen</text>\n"
        if !train.isEmpty {
            let points = train.map { String(format: "%.1f,%.1f", x($0.tokens), y($0.loss)) }.joined(separator: " ")
            s += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.2\" points=\"\(points)\"/>\n"
        }
        for v in validation {
            s += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"#d62728\"/>\n", x(v.tokens), y(v.loss))
        }
        s += "<text x=\"\(width - right - 150)\" y=\"18\" fill=\"#1f77b4\">— train</text>"
        s += "<text x=\"\(width - right - 80)\" y=\"18\" fill=\"#d62728\">● validation</text>\n</svg>\n"
        return s
    }

    static func short(_ n: Double) -> String {
        n >= 1e6 ? String(format: "%.1fM", n / 1e6) : n >= 1e3 ? String(format: "%.0fk", n / 1e3) : String(format: "%.0f", n)
    }
}
