import Foundation
import Testing
import TinycIR
import TinycReference
import TinycSchedule
@testable import TinycCLI

/// Patch-based inference end to end (issue 4): `--sram` chooses the plan, the generated C runs
/// tile by tile and must still give TFLite Micro's bytes, on the host under ASan/UBSan and on
/// mps2-an386 under QEMU.
@Suite(.serialized)
struct PatchScheduleTests {
    static let vww = Paths.mlperfTiny.appendingPathComponent("vww_96_int8.tflite")
    static let mobilenet = Paths.root.appendingPathComponent("Tests/Fixtures/tflite/models/mobilenetv2_035_144.tflite")

    static func compile(_ url: URL, _ configure: (inout CompileOptions) -> Void) throws -> (CompiledModel, URL) {
        var options = CompileOptions()
        configure(&options)
        let compiled = try Compiler.compile(url, options: options)
        let dir = Paths.temporaryDirectory("patch-\(url.deletingPathExtension().lastPathComponent)")
        try OutputWriter.write(compiled, modelFile: url, to: dir)
        return (compiled, dir)
    }

    @Test func vwwAt32KiBChoosesAPatchPlanUnderTheBudget() throws {
        let (compiled, dir) = try Self.compile(Self.vww) { $0.sram = 32 * 1024 }
        defer { try? FileManager.default.removeItem(at: dir) }
        let report = compiled.report
        #expect(report.schedule.mode == "patch")
        #expect(report.peakSRAMBytes <= 32 * 1024)
        #expect(report.schedule.layerBasedPeakBytes > 32 * 1024)
        #expect(report.executedMACs > report.macs)
        // the report and the SVG say what was chosen and why
        #expect(report.text().contains("patch stage: layers 0-"))
        let svg = try String(contentsOf: dir.appendingPathComponent("memory_profile.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<?xml") && svg.contains("--sram") && svg.hasSuffix("</svg>\n"))
        // the Swift tile-by-tile run equals TFLM
        let goldens = try TFLiteGoldens(model: "vww_96_int8")
        let interpreter = try ReferenceInterpreter(compiled.graph)
        let patch = try #require(compiled.schedule.patch)
        let got = try goldens.int8Inputs.map { try interpreter.runPatched(.s8($0), patch: patch).int8 ?? [] }
        #expect(goldens.differences(got).isEmpty)
    }

    @Test(.enabled(if: haveTools(["make", "cc"]), "needs make and cc"))
    func vwwAt32KiBOnTheHostUnderSanitizersIsBitExactWithTFLM() throws {
        let (compiled, dir) = try Self.compile(Self.vww) { $0.sram = 32 * 1024 }
        defer { try? FileManager.default.removeItem(at: dir) }
        let goldens = try TFLiteGoldens(model: "vww_96_int8")
        var runner = FirmwareRunner(directory: dir, graph: compiled.graph, board: .host, root: try ToolPaths.root())
        runner.makeVariables = ["SANITIZE=1"]
        let result = try runner.run(goldens.int8Inputs)
        #expect(goldens.differences(result.outputs).isEmpty)
        #expect(!result.log.contains("runtime error"), "UBSan reported: \(result.log.prefix(500))")
    }

    @Test(.enabled(if: haveTools(EndToEndTests.qemuTools), "needs make, arm-none-eabi-gcc and qemu-system-arm: run Scripts/setup.sh"))
    func vwwAt32KiBOnMps2An386IsBitExactWithTFLM() throws {
        let (compiled, dir) = try Self.compile(Self.vww) { $0.sram = 32 * 1024 }
        defer { try? FileManager.default.removeItem(at: dir) }
        let goldens = try TFLiteGoldens(model: "vww_96_int8")
        let runner = FirmwareRunner(directory: dir, graph: compiled.graph, board: .mps2An386, root: try ToolPaths.root())
        let result = try runner.run(goldens.int8Inputs)
        #expect(goldens.differences(result.outputs).isEmpty)
    }

    /// The smallest `--sram` any plan reaches compiles, one byte less fails, and the error names
    /// that minimum and the plan reaching it.
    @Test func tooSmallABudgetNamesTheSmallestPeakAndItsPlan() throws {
        let graph = try Compiler.compile(Self.vww, options: CompileOptions()).graph
        let kernels: KernelLibrary = CompileOptions().target.hasDSP ? .dsp : .reference // what compile() plans with
        let minimum = PatchSearch.minimumPeak(graph, PatchSearch.enumerate(graph, alignment: 4, kernels: kernels),
                                              alignment: 4, kernels: kernels)
        let peak = try #require(minimum.peak)
        #expect(peak < 20 * 1024)
        let (atMinimum, dir) = try Self.compile(Self.vww) { $0.sram = peak }
        try? FileManager.default.removeItem(at: dir)
        #expect(atMinimum.report.peakSRAMBytes <= peak)
        var options = CompileOptions()
        options.sram = peak - 1
        let error = #expect(throws: CLIError.self) { try Compiler.compile(Self.vww, options: options) }
        let message = error?.description ?? ""
        #expect(message.contains("smallest peak any plan reaches is \(peak) bytes"), "\(message)")
        #expect(message.contains("--patch \(minimum.split!):"), "\(message)")
        #expect(message.contains("layer by layer needs"), "\(message)")
    }

    /// With `--sram` at the layer-by-layer peak, layer-by-layer execution is chosen for every model:
    /// the search never returns a patch plan that is worse (it has the fewest MACs and fits).
    @Test(arguments: MLPerfTinyTests.models.map { Paths.mlperfTiny.appendingPathComponent("\($0).tflite") } + [mobilenet])
    func budgetAtTheLayerPeakKeepsLayerByLayer(_ url: URL) throws {
        let layer = try Compiler.compile(url, options: CompileOptions())
        var options = CompileOptions()
        options.sram = layer.report.peakSRAMBytes
        let chosen = try Compiler.compile(url, options: options)
        #expect(chosen.report.schedule.mode == "layer-by-layer")
        #expect(chosen.report.peakSRAMBytes == layer.report.peakSRAMBytes)
        #expect(chosen.report.executedMACs == layer.report.macs)
        // and one byte less either finds a patch plan that fits, or fails: never a plan above the budget
        options.sram = layer.report.peakSRAMBytes - 1
        if let smaller = try? Compiler.compile(url, options: options) {
            #expect(smaller.report.peakSRAMBytes < layer.report.peakSRAMBytes)
        }
    }

    /// Forced plans across splits and grids (square, rectangular, not dividing the stage size)
    /// compile to C that is bit-exact with TFLM on the host.
    @Test(.enabled(if: haveTools(["make", "cc"]), "needs make and cc"),
          arguments: [("vww_96_int8", "4:3x5"), ("vww_96_int8", "13:5x2"), ("pretrainedResnet_quant", "4:3x3"),
                      ("pretrainedResnet_quant", "12:2x5"), ("kws_ref_model", "5:4x3")])
    func forcedPlansOnTheHostAreBitExactWithTFLM(_ name: String, _ plan: String) throws {
        let url = Paths.mlperfTiny.appendingPathComponent("\(name).tflite")
        let (compiled, dir) = try Self.compile(url) { $0.patch = PatchMode(plan)! }
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(compiled.report.schedule.mode == "patch")
        let goldens = try TFLiteGoldens(model: name)
        let runner = FirmwareRunner(directory: dir, graph: compiled.graph, board: .host, root: try ToolPaths.root())
        let result = try runner.run(goldens.int8Inputs)
        #expect(goldens.differences(result.outputs).isEmpty, "\(name) --patch \(plan)")
    }

    /// Keras MobileNetV2 (alpha 0.35, 144x144, fixed-seed weights; Scripts/patch/make_mobilenetv2.py):
    /// at --sram 64k, at least 4x less peak SRAM than layer by layer for at most 20% more MACs, and
    /// TFLM's bytes on the host (all golden inputs) and on mps2-an386 (two of them).
    @Test func mobileNetV2At64KiBNeedsFourTimesLessSRAMForAtMostTwentyPercentMoreMACs() throws {
        let (compiled, dir) = try Self.compile(Self.mobilenet) { $0.sram = 64 * 1024 }
        defer { try? FileManager.default.removeItem(at: dir) }
        let report = compiled.report
        #expect(report.schedule.mode == "patch")
        #expect(report.peakSRAMBytes * 4 <= report.schedule.layerBasedPeakBytes,
                "peak \(report.peakSRAMBytes) vs layer by layer \(report.schedule.layerBasedPeakBytes)")
        #expect(Double(report.executedMACs) <= 1.2 * Double(report.macs), "\(report.executedMACs) vs \(report.macs) MACs")
        let goldens = try TFLiteGoldens(model: "mobilenetv2_035_144")
        if haveTools(["make", "cc"]) {
            let runner = FirmwareRunner(directory: dir, graph: compiled.graph, board: .host, root: try ToolPaths.root())
            #expect(goldens.differences(try runner.run(goldens.int8Inputs).outputs).isEmpty)
        }
        if haveTools(EndToEndTests.qemuTools) {
            let runner = FirmwareRunner(directory: dir, graph: compiled.graph, board: .mps2An386, root: try ToolPaths.root())
            let result = try runner.run(Array(goldens.int8Inputs.prefix(2)))
            #expect(goldens.differences(result.outputs + Array(goldens.int8Outputs.dropFirst(2))).isEmpty)
        }
    }

    @Test func badPatchArgumentsAreClearErrors() throws {
        #expect(PatchMode("3x3") == nil)
        #expect(PatchMode("a:3x3") == nil)
        #expect(PatchMode("4:3x3") == .forced(split: 4, grid: HW(3, 3)))
        for (plan, message) in [("40:2x2", "is not a legal split"), ("4:0x2", "grid must be between"), ("4:99x2", "grid must be between")] {
            var options = CompileOptions()
            options.patch = try #require(PatchMode(plan))
            let error = #expect(throws: CLIError.self) { try Compiler.compile(Self.vww, options: options) }
            #expect(error?.description.contains(message) == true, "\(String(describing: error))")
        }
    }
}
