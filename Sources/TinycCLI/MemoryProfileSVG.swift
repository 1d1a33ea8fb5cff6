import Foundation

/// The report's memory profile as an SVG bar chart (memory_profile.svg in the output directory):
/// per layer, live bytes layer by layer (grey) beside the chosen schedule (blue; patch-stage layers
/// show their largest tile), with the peak of each as a dashed line and the --sram budget in red.
/// Plain SVG 1.1, no scripts or external fonts, deterministic.
enum MemoryProfileSVG {
    static func render(_ report: Report, budget: Int?) -> String {
        let layers = report.layers
        let barWidth = 8, gap = 6, left = 70, top = 40, height = 260, bottom = 30
        let groupWidth = 2 * barWidth + gap
        let width = left + max(layers.count, 1) * groupWidth + 20
        let scaleMax = Double(max(layers.map { max($0.liveBytes, $0.layerBasedLiveBytes) }.max() ?? 1, budget ?? 0, 1))
        func y(_ v: Int) -> Int { top + height - Int((Double(v) / scaleMax * Double(height)).rounded()) }
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(top + height + bottom)" font-family="sans-serif" font-size="11">
            <title>\(escape(report.model)): live activation bytes per layer</title>
            <text x="\(left)" y="16" font-size="13">\(escape(report.model)): live bytes per layer, layer by layer (grey) vs \
            \(report.schedule.mode == "patch" ? "patch-based (blue, largest tile)" : "chosen schedule (blue)")</text>
            <text x="\(left)" y="31">peak \(report.peakSRAMBytes) B (layer by layer \(report.schedule.layerBasedPeakBytes) B)\
            \(budget.map { ", --sram \($0) B" } ?? "")\(report.schedule.mode == "patch" ? String(format: ", MACs %+.1f%%", report.schedule.macOverheadPercent) : "")</text>

            """
        for tick in 0...4 {
            let v = Int(scaleMax * Double(tick) / 4)
            out += "<line x1=\"\(left - 4)\" y1=\"\(y(v))\" x2=\"\(width - 10)\" y2=\"\(y(v))\" stroke=\"#ddd\"/>"
            out += "<text x=\"\(left - 6)\" y=\"\(y(v) + 4)\" text-anchor=\"end\">\(v)</text>\n"
        }
        for (i, l) in layers.enumerated() {
            let x = left + i * groupWidth
            out += "<rect x=\"\(x)\" y=\"\(y(l.layerBasedLiveBytes))\" width=\"\(barWidth)\" height=\"\(top + height - y(l.layerBasedLiveBytes))\" fill=\"#999\">"
            out += "<title>\(i) \(escape(l.name)): \(l.layerBasedLiveBytes) B layer by layer</title></rect>\n"
            out += "<rect x=\"\(x + barWidth)\" y=\"\(y(l.liveBytes))\" width=\"\(barWidth)\" height=\"\(top + height - y(l.liveBytes))\" "
            out += "fill=\"\(l.stage == "patch" ? "#2b6cb0" : "#63a4e0")\"><title>\(i) \(escape(l.name)): \(l.liveBytes) B\(l.stage == "patch" ? " (tile)" : "")</title></rect>\n"
            if i % max(1, layers.count / 20) == 0 {
                out += "<text x=\"\(x + barWidth)\" y=\"\(top + height + 14)\" text-anchor=\"middle\">\(i)</text>\n"
            }
        }
        func hline(_ v: Int, _ color: String, _ label: String) {
            out += "<line x1=\"\(left)\" y1=\"\(y(v))\" x2=\"\(width - 10)\" y2=\"\(y(v))\" stroke=\"\(color)\" stroke-dasharray=\"4 3\"/>"
            out += "<text x=\"\(width - 12)\" y=\"\(y(v) - 3)\" text-anchor=\"end\" fill=\"\(color)\">\(label)</text>\n"
        }
        hline(report.schedule.layerBasedPeakBytes, "#666", "layer-by-layer peak")
        hline(report.peakSRAMBytes, "#2b6cb0", "peak")
        if let budget { hline(budget, "#c53030", "--sram") }
        out += "<text x=\"\(left)\" y=\"\(top + height + 27)\">layer index</text>\n</svg>\n"
        return out
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
