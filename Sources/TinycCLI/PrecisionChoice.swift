import Foundation
import TinycIR
import TinycPasses
import TinycReference
import TinycSchedule

/// `--weight-precision`: the weights' precision per layer.
public enum WeightPrecisionMode: String, Sendable, CaseIterable {
    /// int8, except when the int8 weights exceed --flash: then the precision search picks int8,
    /// int4 or ternary per layer (docs/mixed-precision.md).
    case auto
    /// Every conv, depthwise and fully connected layer at that precision.
    case int8, int4, ternary
}

/// A labelled set for the accuracy-drop bound of the precision search.
public struct LabelledSet: Sendable {
    public var inputs: [[Float]]
    public var labels: [Int]
    public init(inputs: [[Float]], labels: [Int]) { self.inputs = inputs; self.labels = labels }
}

/// What the precision search chose and measured, for report.json (`precision_search`).
public struct PrecisionReport: Codable, Equatable, Sendable {
    public struct Layer: Codable, Equatable, Sendable {
        public var name: String
        public var weights: Int
        public var precision: String
        /// The error each precision adds when only this layer takes it.
        public var errors: [String: Double]
    }
    public var flashBudget: Int
    public var int8WeightBytes: Int
    public var chosenWeightBytes: Int
    /// "output": mean |Δ| of the dequantized outputs vs the int8 model on calibration inputs;
    /// "weights": summed relative weight error (no inputs).
    public var method: String
    public var samples: Int
    public var error: Double
    public var maxError: Double?
    public var int8Accuracy: Double?
    public var accuracy: Double?
    public var maxAccuracyDrop: Double?
    public var attempts: Int
    public var layers: [Layer]

    enum CodingKeys: String, CodingKey {
        case method, samples, error, attempts, layers, accuracy
        case flashBudget = "flash_budget", int8WeightBytes = "int8_weight_bytes", chosenWeightBytes = "chosen_weight_bytes"
        case maxError = "max_error", int8Accuracy = "int8_accuracy", maxAccuracyDrop = "max_accuracy_drop"
    }
}

/// Applies `--weight-precision`, `--flash`, `--max-error` and `--max-accuracy-drop` to the quantized graph.
enum PrecisionChoice {
    static let maxSamples = 64

    /// Flash bytes of `count` weights at a precision, as the code generator stores them (ternary:
    /// 2-bit codes, or base 3 when `base3`).
    static func bytes(_ count: Int, _ p: WeightPrecision, base3: Bool) -> Int {
        switch p {
        case .int8: count
        case .int4: Int4Packing.bytes(count: count)
        case .ternary: (base3 ? TernaryPacking.base3 : .twoBit).bytes(count: count)
        }
    }

    static func apply(_ quantized: Graph, options: CompileOptions, calibration: [[Float]], model: String) throws(CLIError)
        -> (Graph, PrecisionReport?) {
        let q = quantized.type(quantized.inputs[0]).quantization.perTensorParameters ?? (1, 0)
        let inputs = calibration.prefix(maxSamples).map { ReferenceInterpreter.quantize($0, scale: q.scale, zeroPoint: q.zeroPoint) }
        let graph = try lowered(quantized, options.layerPrecision, inputs: inputs, model: model)
        let candidates = graph.nodes.indices.filter { WeightLowering.canLower(graph, $0) }
        switch options.weightPrecision {
        case .int8:
            return (graph, nil)
        case .int4, .ternary:
            let p: WeightPrecision = options.weightPrecision == .int4 ? .int4 : .ternary
            let all = Dictionary(uniqueKeysWithValues: candidates.map { (graph.nodes[$0].name, p) })
            return (try lowered(graph, all, inputs: inputs, model: model), nil)
        case .auto:
            break
        }
        let kernels = KernelLibrary(dsp: false)
        let current = graph.constants.keys.reduce(0) { $0 + kernels.flashBytes(graph, $1) }
        guard let flash = options.flash, current > flash, !candidates.isEmpty else {
            if options.maxError != nil || options.maxAccuracyDrop != nil, options.flash == nil {
                throw CLIError("\(model): --max-error and --max-accuracy-drop bound the precision search, which runs under --flash", exitCode: 2)
            }
            return (graph, nil)
        }
        if options.maxError != nil, calibration.isEmpty {
            throw CLIError("\(model): --max-error is measured on calibration inputs: give them with --calib FILE.npy", exitCode: 2)
        }
        let accept = try accuracyCheck(graph, options)
        func search(_ budget: Int) -> Result<PrecisionSearch.Result, PrecisionSearch.Failure> {
            var failure = PrecisionSearch.Failure(message: "")
            // ternary as 2-bit codes first (the faster kernels); base 3 only when nothing else fits
            for base3 in [false, true] {
                let s = PrecisionSearch(graph: graph, inputs: Array(inputs), options: .init(
                    flash: budget, maxError: options.maxError,
                    bytes: { c, p in bytes(c, p, base3: base3) },
                    constantBytes: { g, t in KernelLibrary(dsp: false).flashBytes(g, t) }))
                do { return .success(try s.run(accept: accept.check)) } catch { failure = error }
            }
            return .failure(failure)
        }
        switch search(flash) {
        case .success(let r):
            return (r.graph, report(r, options, flash: flash, samples: inputs.count, accuracy: accept))
        case .failure(let error):
            var message = "\(model): the weights need \(current) bytes as int8, more than --flash \(flash) bytes (\(ByteSize.format(flash))), and the precision search (int8, int4, ternary per layer) found no choice: \(error.message)"
            if options.maxAccuracyDrop != nil {
                // the smallest budget that passes, by bisection (int8 always passes)
                var lo = flash, hi = current
                while hi - lo > max(16, current / 256) {
                    let mid = (lo + hi) / 2
                    if case .success = search(mid) { hi = mid } else { lo = mid }
                }
                message += "; the accuracy bound is met from about --flash \(hi) bytes (\(hi - flash) more)"
            }
            throw CLIError(message)
        }
    }

    /// The named layers lowered as asked (`--layer-precision`, or every layer for a uniform
    /// `--weight-precision`), with GPTQ when there are calibration inputs.
    static func lowered(_ graph: Graph, _ layers: [String: WeightPrecision], inputs: [[Int8]], model: String) throws(CLIError) -> Graph {
        guard !layers.isEmpty else { return graph }
        var chosen: [Int: WeightPrecision] = [:]
        for (name, p) in layers.sorted(by: { $0.key < $1.key }) {
            guard let n = graph.nodes.firstIndex(where: { $0.name == name }) else {
                throw CLIError("--layer-precision: no layer named '\(name)' (layers with weights: \(graph.nodes.filter { $0.op.weightInputIndex != nil }.map(\.name).joined(separator: ", ")))", exitCode: 2)
            }
            guard WeightLowering.canLower(graph, n) || p == .int8 else {
                throw CLIError("--layer-precision: layer '\(name)' has no int8 weights to lower (a conv2d, depthwise_conv2d or fully_connected with int8 weights can be int4 or ternary)", exitCode: 2)
            }
            chosen[n] = p
        }
        do {
            let statistics = try LayerStatistics.collect(graph, layers: chosen.filter { $0.value != .int8 }.keys.sorted(), inputs: inputs)
            return try Pipeline.run([.lowerWeights(chosen, statistics: statistics)], on: graph)
        } catch {
            throw CLIError("\(model): \(error.description)")
        }
    }

    /// `--layer-precision NAME=P,...`.
    static func parseLayers(_ text: String?) throws(CLIError) -> [String: WeightPrecision] {
        guard let text, !text.isEmpty else { return [:] }
        var result: [String: WeightPrecision] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let p = WeightPrecision(rawValue: parts[1]) else {
                throw CLIError("--layer-precision: cannot read '\(item)' (expected NAME=int8|int4|ternary, comma-separated)", exitCode: 2)
            }
            result[parts[0]] = p
        }
        return result
    }

    /// The accuracy-drop bound on the labelled set, as the search's `accept`.
    final class AccuracyCheck: @unchecked Sendable {
        let set: LabelledSet?
        let bound: Double?
        var int8Accuracy: Double?
        var lastAccuracy: Double?
        let inputs: [[Int8]]

        init(_ graph: Graph, set: LabelledSet?, bound: Double?) throws(GraphError) {
            self.set = set
            self.bound = bound
            let q = graph.type(graph.inputs[0]).quantization.perTensorParameters ?? (1, 0)
            inputs = set?.inputs.map { ReferenceInterpreter.quantize($0, scale: q.scale, zeroPoint: q.zeroPoint) } ?? []
            if set != nil { int8Accuracy = try accuracy(graph) }
        }

        func accuracy(_ g: Graph) throws(GraphError) -> Double {
            guard let set else { return 0 }
            let interpreter = try ReferenceInterpreter(g)
            var correct = 0
            for (x, y) in zip(inputs, set.labels) where argmax(try interpreter.run(.s8(x)).int8 ?? []) == y { correct += 1 }
            return Double(correct) / Double(max(set.labels.count, 1))
        }

        func check(_ g: Graph) throws(GraphError) -> PrecisionSearch.Verdict {
            guard set != nil, let base = int8Accuracy else { return (true, 0, "") }
            let a = try accuracy(g)
            lastAccuracy = a
            let drop = (base - a) * 100
            let why = String(format: "accuracy %.2f%% is %.2f points below int8's %.2f%%", a * 100, drop, base * 100)
            return (bound.map { drop <= $0 } ?? true, a, why)
        }
    }

    static func accuracyCheck(_ graph: Graph, _ options: CompileOptions) throws(CLIError) -> AccuracyCheck {
        if options.maxAccuracyDrop != nil, options.evaluation == nil {
            throw CLIError("--max-accuracy-drop needs a labelled set: --eval-data X.npy --eval-labels Y.npy", exitCode: 2)
        }
        do {
            return try AccuracyCheck(graph, set: options.evaluation, bound: options.maxAccuracyDrop)
        } catch {
            throw CLIError("measuring accuracy: \(error.description)")
        }
    }

    static func report(_ r: PrecisionSearch.Result, _ options: CompileOptions, flash: Int, samples: Int, accuracy: AccuracyCheck) -> PrecisionReport {
        PrecisionReport(
            flashBudget: flash, int8WeightBytes: r.int8Bytes, chosenWeightBytes: r.chosenBytes, method: r.method, samples: samples,
            error: r.error, maxError: options.maxError, int8Accuracy: accuracy.int8Accuracy, accuracy: accuracy.lastAccuracy,
            maxAccuracyDrop: options.maxAccuracyDrop, attempts: r.attempts,
            layers: r.layers.map { l in
                PrecisionReport.Layer(name: l.name, weights: l.weights, precision: l.chosen.rawValue,
                                      errors: Dictionary(uniqueKeysWithValues: l.error.map { ($0.key.rawValue, $0.value) }))
            })
    }
}

extension LabelledSet {
    /// `--eval-data` and `--eval-labels` (both or neither), with as many values per input as the model's.
    static func load(data: String?, labels: String?, for graph: Graph) throws(CLIError) -> LabelledSet? {
        guard data != nil || labels != nil else { return nil }
        guard let data, let labels else { throw CLIError("--eval-data and --eval-labels go together", exitCode: 2) }
        let x = try Npy.samples(try Npy.read(URL(fileURLWithPath: data)), elements: graph.type(graph.inputs[0]).count, file: data)
        let y = try InputLoader.labels(labels)
        guard x.count == y.count else { throw CLIError("\(data) has \(x.count) samples, \(labels) has \(y.count) labels") }
        return LabelledSet(inputs: x.map { $0.map { Float($0) } }, labels: y)
    }
}
