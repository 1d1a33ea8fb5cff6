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
        public var weightBytes: Int
        public var precision: String
        /// Activation bytes live while this layer runs (its inputs, outputs and everything kept for later).
        public var liveBytes: Int
        /// Arena offset of the layer's output.
        public var outputOffset: Int

        enum CodingKeys: String, CodingKey {
            case name, op, macs, params, precision
            case inputShapes = "input_shapes", outputShape = "output_shape", weightBytes = "weight_bytes"
            case liveBytes = "live_bytes", outputOffset = "output_offset"
        }
    }

    public var model: String
    public var target: String
    public var peakSRAMBytes: Int
    public var arenaBytes: Int
    public var scratchBytes: Int
    public var lowerBoundBytes: Int
    public var weightBytes: Int
    public var params: Int
    public var macs: Int
    public var planner: String
    public var layers: [Layer]
    public var quantizationError: QuantizationError?

    enum CodingKeys: String, CodingKey {
        case model, target, params, macs, planner, layers
        case peakSRAMBytes = "peak_sram_bytes", arenaBytes = "arena_bytes", scratchBytes = "scratch_bytes"
        case lowerBoundBytes = "arena_lower_bound_bytes", weightBytes = "weight_bytes"
        case quantizationError = "quantization_error"
    }

    public init(graph: Graph, plan: MemoryPlan, target: Target, quantizationError: QuantizationError?) {
        model = graph.name
        self.target = target.rawValue
        layers = graph.nodes.indices.map { i in
            let node = graph.nodes[i]
            let activations = graph.type(node.inputs[0]).dtype.rawValue
            return Layer(
                name: node.name, op: node.op.name,
                inputShapes: node.inputs.filter { !graph.isConstant($0) }.map { graph.type($0).shape },
                outputShape: graph.type(node.outputs[0]).shape,
                macs: graph.macs(of: i), params: graph.parameterCount(of: i), weightBytes: graph.weightBytes(of: i),
                precision: node.op.weightInputIndex.map { "\(activations) x \(graph.type(node.inputs[$0]).dtype.rawValue)" } ?? activations,
                liveBytes: i < plan.liveBytesPerStep.count ? plan.liveBytesPerStep[i] : 0,
                outputOffset: plan.offsets[node.outputs[0]] ?? 0)
        }
        arenaBytes = plan.arenaBytes
        scratchBytes = 0  // the reference kernels need no scratch buffers
        peakSRAMBytes = arenaBytes + scratchBytes
        lowerBoundBytes = plan.lowerBound
        weightBytes = layers.reduce(0) { $0 + $1.weightBytes }
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
        var out = "model \(model) — target \(target)\n\n"
        let header = ["#", "layer", "op", "output", "MACs", "weights", "precision", "live", ""]
        var rows: [[String]] = []
        let maxLive = max(layers.map(\.liveBytes).max() ?? 1, 1)
        for (i, l) in layers.enumerated() {
            let bar = String(repeating: "█", count: Int((Double(l.liveBytes) / Double(maxLive) * 20).rounded()))
            rows.append(["\(i)", l.name, l.op, l.outputShape.map(String.init).joined(separator: "x"), "\(l.macs)",
                         "\(l.weightBytes)", l.precision, "\(l.liveBytes)", bar])
        }
        let widths = header.indices.map { c in max(header[c].count, rows.map { $0[c].count }.max() ?? 0) }
        func format(_ r: [String]) -> String {
            r.indices.map { c in
                let pad = String(repeating: " ", count: widths[c] - r[c].count)
                return [0, 4, 5, 7].contains(c) ? pad + r[c] : r[c] + pad
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        out += format(header) + "\n"
        for r in rows { out += format(r) + "\n" }
        out += "\n"
        out += "peak SRAM    \(peakSRAMBytes) bytes (\(ByteSize.format(peakSRAMBytes))) = arena \(arenaBytes) + scratch \(scratchBytes)\n"
        out += "arena plan   \(planner); lower bound \(lowerBoundBytes) bytes (gap \(arenaBytes - lowerBoundBytes))\n"
        out += "weight flash \(weightBytes) bytes (\(ByteSize.format(weightBytes))), \(params) parameters\n"
        out += "compute      \(macs) MACs per inference\n"
        if let e = quantizationError {
            out += String(format: "int8 vs float on %d calibration samples: max |error| %.4g, mean |error| %.4g, top-1 agreement %.1f%%\n",
                          e.samples, e.maxAbsError, e.meanAbsError, e.top1Agreement * 100)
        }
        return out
    }
}
