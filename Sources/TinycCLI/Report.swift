import Foundation
import TinycIR
import TinycSchedule

/// The memory and compute report of a compiled model, printed and written as report.json.
/// The JSON keys are documented in the README and are a stable interface for scripts.
public struct Report: Codable, Equatable, Sendable {
    public struct Layer: Codable, Equatable, Sendable {
        public var name: String
        public var op: String
        public var inputShapes: [[Int]]
        public var outputShape: [Int]
        public var macs: Int
        public var params: Int
        /// Flash bytes of the layer's constants as emitted (ternary weights packed).
        public var weightBytes: Int
        /// "<activations> x <weights>", e.g. "int8 x int8" or "int8 x ternary/2bit" (with the packing).
        public var precision: String
        /// Bits per weight of the weight tensor as stored in flash (8 for int8, 2 or 1.6 for packed
        /// ternary, a little more when the count is not a multiple of 4 or 5); nil without weights.
        public var weightBits: Double?
        /// Activation bytes live while this layer runs (its inputs, outputs and everything kept for
        /// later) in the chosen schedule; in the patch stage, for the largest tile.
        public var liveBytes: Int
        /// The same, executed layer by layer.
        public var layerBasedLiveBytes: Int
        /// Arena offset of the layer's output (nil: the sum of a fused add is written over its residual).
        public var outputOffset: Int?
        /// MACs executed, with the recomputed halos of the patch stage.
        public var executedMACs: Int
        /// "patch" for layers run tile by tile, "layer" otherwise.
        public var stage: String
        /// Memory techniques applied: "in-place" (depthwise over its input), "fused-add" (the next
        /// add computed in this conv's epilogue), "fused" (this add, computed by the conv before it).
        public var memory: [String]
        /// The Runtime-C function that runs it (nil: no kernel call, e.g. a reshape, or computed
        /// inside the previous conv's call).
        public var kernel: String?

        enum CodingKeys: String, CodingKey {
            case name, op, macs, params, precision, stage, memory, kernel
            case inputShapes = "input_shapes", outputShape = "output_shape", weightBytes = "weight_bytes", weightBits = "weight_bits"
            case liveBytes = "live_bytes", outputOffset = "output_offset", layerBasedLiveBytes = "layer_based_live_bytes"
            case executedMACs = "executed_macs"
        }
    }

    /// How the model runs: layer by layer or with a patch stage, and why.
    public struct Schedule: Codable, Equatable, Sendable {
        /// "layer-by-layer" or "patch".
        public var mode: String
        /// Number of layers in the patch stage, and the tile grid [rows, cols].
        public var split: Int?
        public var grid: [Int]?
        /// The layer whose output the patch stage fills, tile by tile.
        public var stageTensor: String?
        public var reason: String
        public var layerBasedPeakBytes: Int
        /// Executed MACs over the model's MACs, minus one, in percent.
        public var macOverheadPercent: Double
        /// Number of patch plans the search considered.
        public var plansConsidered: Int

        enum CodingKeys: String, CodingKey {
            case mode, split, grid, reason
            case stageTensor = "stage_tensor", layerBasedPeakBytes = "layer_based_peak_bytes"
            case macOverheadPercent = "mac_overhead_percent", plansConsidered = "plans_considered"
        }
    }

    public var model: String
    public var target: String
    /// The board compiled for with `--board` (absent with only a target); `tinyc run` defaults to it.
    public var board: String?
    public var peakSRAMBytes: Int
    public var arenaBytes: Int
    public var scratchBytes: Int
    public var lowerBoundBytes: Int
    public var weightBytes: Int
    /// Ternary weights and the flash bytes of their packed streams (0 and 0 without any).
    public var ternaryWeights: Int
    public var ternaryWeightBytes: Int
    public var params: Int
    public var macs: Int
    /// MACs executed per inference (more than `macs` when a patch stage recomputes halos).
    public var executedMACs: Int
    /// Bytes of the input, read in place from the caller's buffer (not part of the peak).
    public var inputBytes: Int
    public var schedule: Schedule
    public var planner: String
    public var layers: [Layer]
    public var quantizationError: QuantizationError?
    /// The per-layer precision search's choice and measurements (nil when it did not run).
    public var precisionSearch: PrecisionReport?

    enum CodingKeys: String, CodingKey {
        case model, target, board, params, macs, planner, layers, schedule
        case executedMACs = "executed_macs", inputBytes = "input_bytes"
        case peakSRAMBytes = "peak_sram_bytes", arenaBytes = "arena_bytes", scratchBytes = "scratch_bytes"
        case lowerBoundBytes = "arena_lower_bound_bytes", weightBytes = "weight_bytes"
        case ternaryWeights = "ternary_weights", ternaryWeightBytes = "ternary_weight_bytes"
        case quantizationError = "quantization_error", precisionSearch = "precision_search"
    }

    public init(graph: Graph, decision: PatchDecision, target: Target, quantizationError: QuantizationError?) {
        model = graph.name
        self.target = target.rawValue
        let chosen = decision.schedule
        let plan = chosen.memory
        let layerLive = decision.layerBased.memory.liveBytesPerStep
        let patchMACs = chosen.macs
        layers = graph.nodes.indices.map { i in
            let node = graph.nodes[i]
            let activations = graph.type(node.inputs[0]).dtype.rawValue
            var memory: [String] = []
            if chosen.inPlaceDepthwise.contains(i) { memory.append("in-place") }
            if chosen.fusedAdds[i] != nil { memory.append("fused-add") }
            if chosen.isFusedAway(i) { memory.append("fused") }
            let inPatch = chosen.patch.map { i < $0.split } ?? false
            let executed = TinycSchedule.Schedule.macs(of: i, graph, patch: chosen.patch)
            let kernel = chosen.isFusedAway(i) ? "" : chosen.kernel(graph, i).name
            func storedBytes(_ t: TensorID) -> Int { chosen.kernels.flashBytes(graph, t) }
            let weights = node.op.weightInputIndex.map { node.inputs[$0] }
            let weightType = weights.map { graph.type($0) }
            let weightPrecision = weights.map { w in
                graph.type(w).dtype == .ternary ? "ternary/\(chosen.kernels.packing(of: w).rawValue)" : graph.type(w).dtype.rawValue
            }
            var bits: Double?
            if let w = weights, let t = weightType {
                // a base-3 tensor shares its stream's bytes with its neighbours: 8 / 5 bits each
                let base3 = t.dtype == .ternary && chosen.kernels.packing(of: w) == .base3
                bits = base3 ? 1.6 : Double(storedBytes(w) * 8) / Double(t.count)
            }
            return Layer(
                name: node.name, op: node.op.name,
                inputShapes: node.inputs.filter { !graph.isConstant($0) }.map { graph.type($0).shape },
                outputShape: graph.type(node.outputs[0]).shape,
                macs: graph.macs(of: i), params: graph.parameterCount(of: i),
                weightBytes: node.inputs.filter(graph.isConstant).reduce(0) { $0 + storedBytes($1) },
                precision: weightPrecision.map { "\(activations) x \($0)" } ?? activations,
                weightBits: bits,
                liveBytes: i < plan.liveBytesPerStep.count ? plan.liveBytesPerStep[i] : 0,
                layerBasedLiveBytes: i < layerLive.count ? layerLive[i] : 0,
                outputOffset: chosen.offset(node.outputs[0]),
                executedMACs: executed, stage: inPatch ? "patch" : "layer", memory: memory, kernel: kernel.isEmpty ? nil : kernel)
        }
        executedMACs = patchMACs
        inputBytes = chosen.inputBytes
        let modelMACs = decision.layerBased.macs
        schedule = Schedule(
            mode: chosen.patch == nil ? "layer-by-layer" : "patch", split: chosen.patch?.split,
            grid: chosen.patch.map { [$0.grid.h, $0.grid.w] },
            stageTensor: chosen.patch.map { graph.nodes[$0.split - 1].name }, reason: decision.reason,
            layerBasedPeakBytes: decision.layerBased.peakBytes,
            macOverheadPercent: modelMACs > 0 ? (Double(patchMACs) / Double(modelMACs) - 1) * 100 : 0,
            plansConsidered: decision.considered)
        arenaBytes = plan.arenaBytes
        scratchBytes = 0  // kernel scratch (im2col buffers, in-place depthwise planes) is planned inside the arena
        peakSRAMBytes = arenaBytes + scratchBytes
        lowerBoundBytes = plan.lowerBound
        weightBytes = layers.reduce(0) { $0 + $1.weightBytes }
        let ternary = graph.constants.keys.filter { graph.type($0).dtype == .ternary }
        ternaryWeights = ternary.reduce(0) { $0 + graph.type($1).count }
        ternaryWeightBytes = ternary.reduce(0) { $0 + chosen.kernels.flashBytes(graph, $1) }
        params = layers.reduce(0) { $0 + $1.params }
        macs = layers.reduce(0) { $0 + $1.macs }
        planner = plan.strategy
        self.quantizationError = quantizationError
    }

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self) + "\n"
    }

    /// The human-readable table `tinyc compile` and `tinyc inspect` print.
    public func text() -> String {
        var out = "model \(model) — target \(target)\(board.map { ", board \($0)" } ?? "")\n\n"
        let header = ["#", "layer", "op", "output", "MACs", "weights", "bits/w", "precision", "live", "memory"]
        var rows: [[String]] = []
        for (i, l) in layers.enumerated() {
            rows.append(["\(i)", l.name, l.op, l.outputShape.map(String.init).joined(separator: "x"), "\(l.executedMACs)",
                         "\(l.weightBytes)", l.weightBits.map { String(format: "%.2f", $0) } ?? "", l.precision, "\(l.liveBytes)",
                         ([l.stage == "patch" ? "tile" : ""] + l.memory).filter { !$0.isEmpty }.joined(separator: ",")])
        }
        out += Self.table(header, rows, rightAligned: [0, 4, 5, 6, 8])
        out += "\n"
        out += "peak SRAM    \(peakSRAMBytes) bytes (\(ByteSize.format(peakSRAMBytes))) = arena \(arenaBytes) + scratch \(scratchBytes); "
            + "input \(inputBytes) bytes read in place from the caller's buffer (not included)\n"
        out += "arena plan   \(planner); lower bound \(lowerBoundBytes) bytes (gap \(arenaBytes - lowerBoundBytes))\n"
        out += "weight flash \(weightBytes) bytes (\(ByteSize.format(weightBytes))), \(params) parameters"
        out += ternaryWeights == 0 ? "\n" : String(format: "; %d ternary weights in %d bytes (%.2f bits per weight)\n",
                                                   ternaryWeights, ternaryWeightBytes, Double(ternaryWeightBytes * 8) / Double(ternaryWeights))
        out += "compute      \(macs) MACs per inference"
        out += executedMACs != macs ? String(format: ", %d executed (%+.1f%% recomputed halos)\n", executedMACs, schedule.macOverheadPercent) : "\n"
        out += "schedule     "
        if schedule.mode == "patch", let split = schedule.split, let grid = schedule.grid {
            out += "patch stage: layers 0-\(split - 1) as \(grid[0])x\(grid[1]) tiles of '\(schedule.stageTensor ?? "")', then layer by layer; "
            out += String(format: "peak %d vs %d bytes layer by layer (%.1fx less)\n", peakSRAMBytes, schedule.layerBasedPeakBytes,
                          Double(schedule.layerBasedPeakBytes) / Double(max(peakSRAMBytes, 1)))
        } else {
            out += "layer by layer\n"
        }
        out += "             \(schedule.reason)\n"
        if let p = precisionSearch {
            let counts = Dictionary(grouping: p.layers, by: \.precision).map { "\($0.value.count) \($0.key)" }.sorted().joined(separator: ", ")
            out += "precision    per layer under --flash \(p.flashBudget): \(counts); weights \(p.chosenWeightBytes) bytes (int8: \(p.int8WeightBytes)); "
            out += p.method == "output"
                ? String(format: "output error vs int8 %.4g (mean |error|, %d calibration samples)", p.error, p.samples)
                : String(format: "relative weight error %.4g (no calibration samples)", p.error)
            if let a = p.accuracy, let b = p.int8Accuracy {
                out += String(format: "; accuracy %.2f%% vs int8 %.2f%%", a * 100, b * 100)
            }
            out += "\n"
        }
        if let e = quantizationError {
            out += String(format: "int8 vs float on %d calibration samples: max |error| %.4g, mean |error| %.4g, top-1 agreement %.1f%%\n",
                          e.samples, e.maxAbsError, e.meanAbsError, e.top1Agreement * 100)
        }
        out += "\n" + memoryProfile()
        return out
    }

    /// Live bytes per layer as a terminal bar chart: layer by layer (░) and the chosen schedule (█).
    public func memoryProfile(width: Int = 40) -> String {
        let top = max(layers.map { max($0.liveBytes, $0.layerBasedLiveBytes) }.max() ?? 1, 1)
        func bar(_ v: Int, _ c: Character) -> String { String(repeating: c, count: Int((Double(v) / Double(top) * Double(width)).rounded())) }
        var out = "memory profile (live bytes per layer; ░ layer by layer, █ \(schedule.mode == "patch" ? "patch-based (largest tile)" : "chosen schedule"))\n"
        let nameWidth = min(layers.map(\.name.count).max() ?? 0, 28)
        for (i, l) in layers.enumerated() {
            let name = String(l.name.prefix(nameWidth)).padding(toLength: nameWidth, withPad: " ", startingAt: 0)
            let index = String(i).leftPadded(3)
            out += "\(index) \(name) ░\(bar(l.layerBasedLiveBytes, "░")) \(l.layerBasedLiveBytes)\n"
            if schedule.mode == "patch" {
                out += "    \(String(repeating: " ", count: nameWidth)) █\(bar(l.liveBytes, "█")) \(l.liveBytes)\(l.stage == "patch" ? " (tile)" : "")\n"
            }
        }
        return out
    }

    static func table(_ header: [String], _ rows: [[String]], rightAligned: Set<Int>) -> String {
        let widths = header.indices.map { c in max(header[c].count, rows.map { $0[c].count }.max() ?? 0) }
        func format(_ r: [String]) -> String {
            r.indices.map { c in
                let pad = String(repeating: " ", count: widths[c] - r[c].count)
                return rightAligned.contains(c) ? pad + r[c] : r[c] + pad
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ([format(header)] + rows.map(format)).joined(separator: "\n") + "\n"
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { String(repeating: " ", count: max(0, n - count)) + self }
}
