import Foundation

/// Instructions per layer from the markers of a `-DTC_PROFILE` firmware (`tinyc run --profile`).
///
/// The generated invoke function calls `TC_PROFILE_MARK()` after the patch stage (if any) and
/// after every later layer, and the QEMU counter prints the instructions counted since the start
/// of the inference at each one. Consecutive differences are the layers' shares; the cost of the
/// marker call itself (a call and a return) is counted in the layer before it.
struct LayerProfile: Equatable {
    struct Row: Equatable {
        /// Layer name, or "patch stage (layers 0-k)".
        var name: String
        var op: String
        /// MACs executed (halos of a patch stage included).
        var macs: Int
        var instructions: Int
        var instructionsPerMAC: Double? { macs > 0 ? Double(instructions) / Double(macs) : nil }
    }

    var rows: [Row]
    /// Instructions of the whole inference (rows plus the final copy to the caller's output).
    var total: Int

    /// Pairs the markers of one inference with the report's layers. Fails if their numbers differ
    /// (a firmware built from another compile).
    init(report: Report, marks: [Int], total: Int) throws(CLIError) {
        let split = report.schedule.split ?? 0
        var groups: [(name: String, op: String, layers: ArraySlice<Report.Layer>)] = []
        if split > 0 {
            groups.append(("patch stage (layers 0-\(split - 1))", "tiles", report.layers[..<split]))
        }
        for l in report.layers[split...] { groups.append((l.name, l.op, [l])) }
        guard marks.count == groups.count else {
            throw CLIError("--profile: the firmware passed \(marks.count) layer markers, the report lists \(groups.count) "
                + "layers (recompile the model with this tinyc)", exitCode: 4)
        }
        var previous = 0
        rows = zip(groups, marks).map { g, m in
            defer { previous = m }
            return Row(name: g.name, op: g.op, macs: g.layers.reduce(0) { $0 + $1.executedMACs }, instructions: m - previous)
        }
        self.total = total
    }

    func text() -> String {
        let macs = rows.reduce(0) { $0 + $1.macs }
        var table = rows.enumerated().map { i, r in
            [i.description, r.name, r.op, r.macs.description, r.instructions.description,
             r.instructionsPerMAC.map { String(format: "%.2f", $0) } ?? "-",
             String(format: "%.1f%%", Double(r.instructions) / Double(max(total, 1)) * 100)]
        }
        let rest = total - rows.reduce(0) { $0 + $1.instructions }
        table.append(["", "(copy to the output, return)", "", "", rest.description, "-",
                      String(format: "%.1f%%", Double(rest) / Double(max(total, 1)) * 100)])
        table.append(["", "total", "", macs.description, total.description,
                      macs > 0 ? String(format: "%.2f", Double(total) / Double(macs)) : "-", "100.0%"])
        return Report.table(["#", "layer", "op", "MACs", "instructions", "instr/MAC", "share"], table, rightAligned: [0, 3, 4, 5, 6])
    }

    var jsonObject: [[String: Any]] {
        rows.map { ["name": $0.name, "op": $0.op, "macs": $0.macs, "instructions": $0.instructions] }
    }
}
