import ArgumentParser
import Foundation
import TinycCodegenC
import TinycPasses
import TinycSchedule

struct CompileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Compile a model to C: weights in flash, one static arena, the runtime, a Makefile and a report.",
        discussion: """
            Writes to the output directory: <model>.h/.c (API and layers), <model>_weights.h/.c, runtime/ (the C \
            kernels), Makefile, tinyc.mk and tinyc.cmake (for your own firmware's build), model.json (the int8 graph), report.json, report.txt and memory_profile.svg. Float models are \
            quantized to int8 with the samples given by --calib.
            """)

    @Argument(help: "The model: a .tflite file (docs/tflite.md) or a net.json file (docs/net-json.md).")
    var model: String

    @Option(help: "CPU core: cortex-m0, cortex-m0plus, cortex-m3, cortex-m4, cortex-m7, cortex-m33 or cortex-m55 (default: the board's, or cortex-m4).")
    var target: String?

    @Option(help: ArgumentHelp(
        "Board (docs/boards.md): sets the target and the SRAM and flash budgets; --sram/--flash may only tighten them.",
        discussion: "mps2-an385, mps2-an386, mps2-an500, mps2-an505, mps3-an547, netduinoplus2 or microbit. tinyc run/build/flash then default to it."))
    var board: String?

    @Option(help: "Put the weights in this linker section, e.g. .qspi on mps3-an547 (default: .rodata, in flash).")
    var weightsSection: String?

    @Option(help: "Put the activation arena in this linker section, e.g. .dtcm on mps3-an547, .psram on the MPS2 boards (default: .bss).")
    var arenaSection: String?

    @Option(help: "Peak SRAM budget for activations + scratch, e.g. 32k, 32KiB, 1m, 20000.")
    var sram: String?

    @Option(help: ArgumentHelp(
        "Patch-based inference: auto (the fewest MACs that fit --sram), off (layer by layer), or SPLIT:NHxNW.",
        discussion: "SPLIT:NHxNW runs the first SPLIT layers tile by tile on an NH x NW grid of the SPLIT-th layer's output, e.g. 12:3x3."))
    var patch = "auto"

    @Option(help: "Flash budget for the weights, e.g. 1m.")
    var flash: String?

    @Option(help: "Calibration samples for float models: .npy float32 [N, ...input shape].")
    var calib: String?

    @Option(help: ArgumentHelp(
        "Ternarize a float model's weights after training: absmean or median (docs/ternary.md).",
        discussion: "Post-training 1.58-bit weights; expect a large accuracy loss without ternary training (measure it with tinyc eval --ternarize)."))
    var ternarize: String?

    @Option(help: "Packing of ternary weights: auto (2-bit, base 3 where --flash needs it), 2bit or base3.")
    var ternaryPacking = "auto"

    @Option(help: ArgumentHelp(
        "Weight precision: auto (int8; per layer int8/int4/ternary when --flash needs it), int8, int4 or ternary.",
        discussion: "auto measures each layer's sensitivity on the --calib inputs and picks the least error that fits --flash (docs/mixed-precision.md)."))
    var weightPrecision = "auto"

    @Option(help: "Fix some layers' weight precision: NAME=int8|int4|ternary, comma-separated (e.g. conv3=int4,fc=ternary).")
    var layerPrecision: String?

    @Option(help: "Precision search: largest output error to add (mean |error| of the dequantized outputs vs int8, on --calib).")
    var maxError: Double?

    @Option(help: "Precision search: largest accuracy drop in points vs int8 on --eval-data/--eval-labels.")
    var maxAccuracyDrop: Double?

    @Option(help: "Labelled inputs (.npy float32 [N, ...input shape]) for --max-accuracy-drop.")
    var evalData: String?

    @Option(help: "Labels (.npy integers [N]) for --eval-data.")
    var evalLabels: String?

    @Option(name: .shortAndLong, help: "Output directory.")
    var output = "out"

    @Flag(help: "Print the IR after every pass.")
    var printIR = false

    func run() throws {
        try reportingErrors { () throws(CLIError) in
            var options = CompileOptions()
            options.board = try board.map { b throws(CLIError) in try Board.parse(b) }
            options.target = try target.map { t throws(CLIError) in try Target.parse(t) } ?? options.board?.spec?.core ?? .cortexM4
            options.weightsSection = weightsSection
            options.arenaSection = arenaSection
            options.sram = try sram.map { s throws(CLIError) in try parseSize(s, "--sram") }
            options.flash = try flash.map { s throws(CLIError) in try parseSize(s, "--flash") }
            options.calibration = calib.map { URL(fileURLWithPath: $0) }
            guard let mode = PatchMode(patch) else {
                throw CLIError("--patch: cannot read '\(patch)' (expected auto, off or SPLIT:NHxNW such as 12:3x3)", exitCode: 2)
            }
            options.patch = mode
            options.ternarize = try parseTernarize(ternarize)
            guard let packing = TernaryPackingMode(rawValue: ternaryPacking) else {
                throw CLIError("--ternary-packing: '\(ternaryPacking)' is not one of auto, 2bit, base3", exitCode: 2)
            }
            options.ternaryPacking = packing
            options.weightPrecision = try parseWeightPrecision(weightPrecision)
            options.layerPrecision = try PrecisionChoice.parseLayers(layerPrecision)
            options.maxError = maxError
            options.maxAccuracyDrop = maxAccuracyDrop
            let url = URL(fileURLWithPath: model)
            options.evaluation = try LabelledSet.load(data: evalData, labels: evalLabels, for: try Compiler.load(url))
            let compiled = try Compiler.compile(url, options: options)
            if printIR { say(compiled.graph.description) }
            try OutputWriter.write(compiled, modelFile: url, to: URL(fileURLWithPath: output))
            say(compiled.report.text())
            let shown = output.hasSuffix("/") ? output : output + "/"
            say("wrote \(shown) (\(CName.identifier(compiled.graph.name)).h, .c, report.json, Makefile, runtime/)")
        }
    }
}

func parseSize(_ text: String, _ flag: String) throws(CLIError) -> Int {
    guard let v = ByteSize.parse(text) else {
        throw CLIError("\(flag): cannot read '\(text)' as a size (examples: 32k, 32KiB, 1m, 20000)", exitCode: 2)
    }
    return v
}

/// `--weight-precision auto|int8|int4|ternary`.
func parseWeightPrecision(_ text: String) throws(CLIError) -> WeightPrecisionMode {
    guard let mode = WeightPrecisionMode(rawValue: text) else {
        throw CLIError("--weight-precision: '\(text)' is not one of \(WeightPrecisionMode.allCases.map(\.rawValue).joined(separator: ", "))", exitCode: 2)
    }
    return mode
}

/// `--ternarize absmean|median` (nil when not given).
func parseTernarize(_ text: String?) throws(CLIError) -> TernaryScale? {
    guard let text else { return nil }
    guard let scale = TernaryScale(rawValue: text) else {
        throw CLIError("--ternarize: '\(text)' is not one of \(TernaryScale.allCases.map(\.rawValue).joined(separator: ", "))", exitCode: 2)
    }
    return scale
}
