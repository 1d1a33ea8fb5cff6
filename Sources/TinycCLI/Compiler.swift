import Foundation
import TinycCodegenC
import TinycFrontends
import TinycIR
import TinycPasses
import TinycReference
import TinycSchedule

/// Options of `tinyc compile`.
public struct CompileOptions: Sendable {
    public var target: Target = .cortexM4
    /// Peak SRAM budget (arena + scratch) in bytes; nil = no limit.
    public var sram: Int?
    /// Weight flash budget in bytes; nil = no limit.
    public var flash: Int?
    /// .npy calibration samples for float models.
    public var calibration: URL?
    /// Arena offset alignment in bytes.
    public var alignment = 4
    /// Patch-based scheduling: off, auto (meet --sram with the fewest MACs) or a forced plan.
    public var patch: PatchMode = .auto
    /// Post-training ternarization of a float model's conv / depthwise / fully connected weights.
    public var ternarize: TernaryScale?
    /// How ternary weights are packed.
    public var ternaryPacking: TernaryPackingMode = .auto
    /// Weight precision per layer: int8, or searched under --flash (auto), or one for all layers.
    public var weightPrecision: WeightPrecisionMode = .auto
    /// Layers whose weight precision the user fixed (`--layer-precision conv3=int4,fc=ternary`),
    /// applied before `weightPrecision`.
    public var layerPrecision: [String: WeightPrecision] = [:]
    /// Bound on the output error the precision search may add (mean |Δ| vs int8 on --calib).
    public var maxError: Double?
    /// Bound on the accuracy drop (points) the precision search may cause on `evaluation`.
    public var maxAccuracyDrop: Double?
    /// A labelled set for `maxAccuracyDrop`.
    public var evaluation: LabelledSet?
    /// `--board`: sets the SRAM and flash budgets (BoardBudget); `sram`/`flash` may only tighten them.
    public var board: Board?
    /// `--weights-section` / `--arena-section`: named linker sections for the weights and the arena.
    public var weightsSection: String?
    public var arenaSection: String?
    public init() {}
}

/// A compiled model: the graph as imported, the int8 graph the C implements, how it runs (layer by
/// layer or with a patch stage) and its arena plan.
public struct CompiledModel {
    public var sourceGraph: Graph
    public var graph: Graph
    public var decision: PatchDecision
    public var schedule: Schedule { decision.schedule }
    public var plan: MemoryPlan { decision.schedule.memory }
    public var report: Report
    /// What the precision search chose (nil when it did not run).
    public var precision: PrecisionReport?
    /// The --sram budget it was compiled for.
    public var budget: Int?
    public var target: Target
    /// Where the weights and the arena go (`--board`, `--weights-section`, `--arena-section`).
    public var board: Board?
    public var weightsSection: String?
    public var arenaSection: String?
}

/// The whole pipeline behind `tinyc compile`: load → passes → plan → budget check. Writing files is
/// separate (`OutputWriter`) so tests can compile in memory.
public enum Compiler {
    /// Reads a model file by its extension.
    public static func load(_ url: URL) throws(CLIError) -> Graph {
        switch url.pathExtension.lowercased() {
        case "json":
            do { return try NetJSONReader.read(contentsOf: url) } catch { throw CLIError(error.description) }
        case "tflite":
            do { return try TFLiteReader.read(contentsOf: url) } catch { throw CLIError(error.description) }
        default:
            throw CLIError("\(url.path): unknown model format '.\(url.pathExtension)' (expected .tflite or a net.json file ending in .json)\(exportHint(url))")
        }
    }

    /// Where a model of a framework tinyc does not read goes first.
    static func exportHint(_ url: URL) -> String {
        switch url.pathExtension.lowercased() {
        case "pt", "pth", "onnx":
            return "; export a PyTorch model with Scripts/export/torch_to_netjson.py (docs/pytorch-export.md)"
        case "keras", "h5":
            return "; convert a Keras model with Scripts/export/keras_to_tflite.py"
        default:
            return ""
        }
    }

    /// Float calibration samples from an .npy file, each with as many values as the model input.
    public static func calibrationSamples(_ url: URL?, for graph: Graph) throws(CLIError) -> [[Float]] {
        guard let url else { return [] }
        let array = try Npy.read(url)
        let elements = graph.type(graph.inputs[0]).count
        return try Npy.samples(array, elements: elements, file: url.path).map { $0.map { Float($0) } }
    }

    public static func compile(_ url: URL, options: CompileOptions) throws(CLIError) -> CompiledModel {
        try compile(try load(url), from: url, options: options)
    }

    /// Compiles an already loaded `source` graph; `url` names it in messages.
    public static func compile(_ source: Graph, from url: URL, options: CompileOptions) throws(CLIError) -> CompiledModel {
        let options = try BoardBudget.resolve(options)
        let calibration = try calibrationSamples(options.calibration, for: source)
        let quantized: Graph
        do {
            quantized = try Pipeline.run(Pipeline.standard(PipelineOptions(calibration: calibration, ternarize: options.ternarize)), on: source)
        } catch {
            throw CLIError("\(url.path): \(error.description)")
        }
        let (graph, precision) = try PrecisionChoice.apply(quantized, options: options, calibration: calibration, model: url.path)
        let packing = TernaryPackingChoice.choose(graph, mode: options.ternaryPacking, flash: options.flash)
        let kernels = KernelLibrary(dsp: options.target.hasDSP, ternaryPacking: packing)
        let decision: PatchDecision
        do {
            decision = try PatchSearch.choose(graph, budget: options.sram, mode: options.patch, alignment: options.alignment,
                                              kernels: kernels)
        } catch {
            throw CLIError("\(url.path): \(error.message)\(BoardBudget.note(options))")
        }
        let error = calibration.isEmpty ? nil : try QuantizationError.measure(float: source, int8: graph, samples: calibration)
        var report = Report(graph: graph, decision: decision, target: options.target, quantizationError: error)
        report.precisionSearch = precision
        try checkBudgets(report, decision: decision, options: options, model: url.path)
        var compiled = CompiledModel(sourceGraph: source, graph: graph, decision: decision, report: report, precision: precision,
                                     budget: options.sram, target: options.target)
        compiled.board = options.board
        compiled.weightsSection = options.weightsSection
        compiled.arenaSection = options.arenaSection
        compiled.report.board = options.board?.rawValue
        return compiled
    }

    /// Fails with the numbers when the plan exceeds `--sram` or the weights exceed `--flash`.
    static func checkBudgets(_ report: Report, decision: PatchDecision, options: CompileOptions, model: String) throws(CLIError) {
        if let sram = options.sram, report.peakSRAMBytes > sram {
            let peak = report.layers.max { $0.liveBytes < $1.liveBytes }
            let at = peak.map { " at layer '\($0.name)' (\($0.op), \($0.liveBytes) bytes live)" } ?? ""
            throw CLIError("""
                \(model): does not fit --sram \(sram) bytes (\(ByteSize.format(sram))): needs \(report.peakSRAMBytes) bytes \
                (arena \(report.arenaBytes) + scratch \(report.scratchBytes)) with \(decision.chosen) (\(decision.reason)); \
                the peak is\(at); no arena for this plan can be smaller than \(report.lowerBoundBytes) bytes\
                \(options.patch == .auto ? "" : " (use --patch auto to let tinyc search patch plans)")\(BoardBudget.note(options))
                """)
        }
        if let flash = options.flash, report.weightBytes > flash {
            let ternary = report.layers.contains { $0.precision.contains("ternary") }
            let tried = !ternary ? "" : options.ternaryPacking == .auto
                ? "; ternary layers are already in base 3 (1.6 bits per weight), the densest packing"
                : "; --ternary-packing auto (or base3) would store ternary weights at 1.6 bits"
            throw CLIError("\(model): weights need \(report.weightBytes) bytes of flash, more than --flash \(flash) bytes (\(ByteSize.format(flash)))\(tried)\(BoardBudget.note(options))")
        }
    }
}

/// How far the int8 graph's outputs are from the float graph's on the calibration samples.
public struct QuantizationError: Codable, Equatable, Sendable {
    public var samples: Int
    public var maxAbsError: Double
    public var meanAbsError: Double
    /// Fraction of samples where both graphs pick the same top class.
    public var top1Agreement: Double

    enum CodingKeys: String, CodingKey {
        case samples, maxAbsError = "max_abs_error", meanAbsError = "mean_abs_error", top1Agreement = "top1_agreement"
    }

    static func measure(float: Graph, int8: Graph, samples: [[Float]]) throws(CLIError) -> QuantizationError {
        do {
            let f = try ReferenceInterpreter(float)
            let q = try ReferenceInterpreter(int8)
            let inQ = int8.type(int8.inputs[0]).quantization.perTensorParameters ?? (1, 0)
            let outQ = int8.type(int8.outputs[0]).quantization.perTensorParameters ?? (1, 0)
            var maxErr = 0.0, sumErr = 0.0, count = 0, agree = 0
            for s in samples {
                let expected = try f.run(.f32(s)).floats ?? []
                let input = ReferenceInterpreter.quantize(s, scale: inQ.scale, zeroPoint: inQ.zeroPoint)
                let got = ReferenceInterpreter.dequantize(try q.run(.s8(input)).int8 ?? [], scale: outQ.scale, zeroPoint: outQ.zeroPoint)
                for (a, b) in zip(expected, got) {
                    let e = Double(abs(a - b))
                    maxErr = max(maxErr, e)
                    sumErr += e
                    count += 1
                }
                if argmax(expected) == argmax(got) { agree += 1 }
            }
            return QuantizationError(samples: samples.count, maxAbsError: maxErr, meanAbsError: count > 0 ? sumErr / Double(count) : 0,
                                     top1Agreement: Double(agree) / Double(max(samples.count, 1)))
        } catch {
            throw CLIError("measuring quantization error: \(error.description)")
        }
    }
}

/// Index of the largest value (the first one on ties), as TFLite's examples pick the top class.
func argmax<T: Comparable>(_ v: [T]) -> Int {
    var best = 0
    for i in v.indices where v[i] > v[best] { best = i }
    return best
}
