import ArgumentParser
import Foundation
import TinycIR
import TinycReference
import TinycSchedule

/// `tinyc experiment`: measurements that are not (yet) compiler features.
struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Experiments on the reference interpreter (docs/vdpc.md, docs/int16-activations.md).",
        subcommands: [VDPCCommand.self, Int16Command.self])
}

/// `tinyc experiment vdpc`: QuantMCU's value-driven patch precision (VDPC + VDQS) simulated on the
/// Swift reference interpreter against the uniform 8-bit patch stage (docs/vdpc.md).
struct VDPCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vdpc",
        abstract: "Value-driven patch precision: outlier tiles at 8 bits, the others with searched lower activation bits.",
        discussion: """
            Calibrates outlier thresholds and searches per-feature-map activation bits (entropy-based greedy, \
            S = -lambda*Omega + (1-lambda)*Phi) on --calib, then runs --data tile by tile, requantizing the chosen \
            feature maps of non-outlier tiles, and compares with the all-8-bit patch stage: outlier tiles, BitOPs, \
            output error, top-1 agreement. One result per --lambda.
            """)

    @Argument(help: "The model: a .tflite or net.json file.")
    var model: String

    @Option(help: "Calibration inputs (.npy float or int8, or raw int8). Float models are also quantized with them.")
    var calib: String

    @Option(help: "Evaluation inputs (same formats). Default: the calibration inputs.")
    var data: String?

    @Option(help: "Patch plan SPLIT:NHxNW. Default: the plan --sram chooses.")
    var patch: String?

    @Option(help: "SRAM budget that makes tinyc choose a patch plan, e.g. 32k.")
    var sram: String?

    @Option(help: "Candidate activation bit-widths below 8, e.g. 4,2.")
    var bits = "4,2"

    @Option(help: "Search weights lambda (0...1), comma-separated: one result each.")
    var lambda = "0.1,0.3,0.5"

    @Option(help: "Outlier threshold: this percentile of |q - zero point| over the calibration set.")
    var percentile = 99.9

    @Option(help: "Where the outlier test looks: input (the input tile) or first (the first layer's output tile).")
    var test = "input"

    @Option(help: "Low-bit grid: full (scale*2^(8-b), whole int8 range) or fitted (power-of-two step fitted to the threshold).")
    var grid = "full"

    @Flag(help: "Treat every tile as non-outlier (VDQS without the value-driven classification).")
    var noClassify = false

    @Option(help: "Use at most this many evaluation inputs.")
    var limit: Int?

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        try reportingErrors { () throws(CLIError) in
            let url = URL(fileURLWithPath: model)
            let source = try Compiler.load(url)
            var options = CompileOptions()
            if source.type(source.inputs[0]).dtype == .f32 { options.calibration = URL(fileURLWithPath: calib) }
            options.sram = try sram.map { s throws(CLIError) in try parseSize(s, "--sram") }
            if let patch {
                guard let mode = PatchMode(patch), case .forced = mode else {
                    throw CLIError("--patch: cannot read '\(patch)' (expected SPLIT:NHxNW such as 8:3x3)", exitCode: 2)
                }
                options.patch = mode
            }
            let compiled = try Compiler.compile(source, from: url, options: options)
            guard let plan = compiled.schedule.patch else {
                throw CLIError("\(model): \(compiled.decision.reason); give --patch SPLIT:NHxNW or a smaller --sram to get a patch stage")
            }
            let settings = try parseSettings()
            let calibration = try InputLoader.samples(calib, for: compiled.graph)
            var inputs = try data.map { p throws(CLIError) in try InputLoader.samples(p, for: compiled.graph) } ?? calibration
            if let limit { inputs = Array(inputs.prefix(limit)) }
            do throws(GraphError) {
                let report = try VDPCExperiment.run(graph: compiled.graph, patch: plan, calibration: calibration, inputs: inputs, settings)
                say(json ? report.json() : report.text())
            } catch {
                throw CLIError("\(model): \(error.description)")
            }
        }
    }

    func parseSettings() throws(CLIError) -> VDPCExperiment.Settings {
        guard let test = ValueDrivenPatch.OutlierTest(rawValue: test) else { throw CLIError("--test: '\(test)' is not input or first", exitCode: 2) }
        guard let grid = ValueDrivenCalibration.GridMode(rawValue: grid) else { throw CLIError("--grid: '\(grid)' is not full or fitted", exitCode: 2) }
        let bits = bits.split(separator: ",").compactMap { Int($0) }
        guard !bits.isEmpty, bits.allSatisfy({ (1...7).contains($0) }) else { throw CLIError("--bits: expected bit-widths 1...7 such as 4,2", exitCode: 2) }
        let lambdas = lambda.split(separator: ",").compactMap { Double($0) }
        guard !lambdas.isEmpty, lambdas.allSatisfy({ (0...1).contains($0) }) else { throw CLIError("--lambda: expected values in 0...1 such as 0.1,0.3", exitCode: 2) }
        guard (0...100).contains(percentile) else { throw CLIError("--percentile: expected 0...100", exitCode: 2) }
        return VDPCExperiment.Settings(bits: bits.sorted(by: >), lambdas: lambdas, percentile: percentile, test: test, grid: grid,
                                       classify: !noClassify)
    }
}
