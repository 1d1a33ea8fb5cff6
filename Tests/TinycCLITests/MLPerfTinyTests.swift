import Foundation
import Testing
import TinycCodegenC
import TinycReference
@testable import TinycCLI

/// The four MLPerf Tiny int8 models from ../shared, imported from .tflite as they are, against
/// TFLite Micro's own outputs (Tests/Fixtures/tflite/goldens, the first input being the baselines'
/// fixed input): the Swift reference interpreter, the C under ASan/UBSan on the host and the
/// firmware on mps2-an386 under QEMU must all give TFLM's bytes. Peak SRAM must not exceed the
/// arena TFLM needs for the same model (../shared/baselines/tflm-cortex-m4.json).
@Suite(.serialized)
struct MLPerfTinyTests {
    static let models = ["ad01_int8", "kws_ref_model", "pretrainedResnet_quant", "vww_96_int8"]

    struct Compiled {
        let compiled: CompiledModel
        let directory: URL
        let goldens: TFLiteGoldens
    }

    static func compile(_ name: String, target: Target = .cortexM4) throws -> Compiled {
        let url = Paths.mlperfTiny.appendingPathComponent("\(name).tflite")
        var options = CompileOptions()
        options.target = target
        let compiled = try Compiler.compile(url, options: options)
        let dir = Paths.temporaryDirectory("mlperf-\(name)-\(target.rawValue)")
        try OutputWriter.write(compiled, modelFile: url, to: dir)
        return Compiled(compiled: compiled, directory: dir, goldens: try TFLiteGoldens(model: name))
    }

    @Test(arguments: models)
    func referenceInterpreterIsBitExactWithTFLM(_ name: String) throws {
        let m = try Self.compile(name)
        #expect(m.goldens.inputs.count >= 10)
        let interpreter = try ReferenceInterpreter(m.compiled.graph)
        let got = try m.goldens.int8Inputs.map { try interpreter.run(.s8($0)).int8 ?? [] }
        let diff = m.goldens.differences(got)
        #expect(diff.isEmpty, "\(diff.count) differ: \(diff.prefix(3))")
    }

    @Test(arguments: models)
    func baselineFixedInputIsTheFirstGolden(_ name: String) throws {
        let g = try TFLiteGoldens(model: name)
        let fixed = try Data(contentsOf: Paths.shared.appendingPathComponent("baselines/fixed-input/\(name).input.bin"))
        let output = try Data(contentsOf: Paths.shared.appendingPathComponent("baselines/fixed-input/\(name).tflm-output.bin"))
        #expect(g.int8Inputs.first == fixed.map { Int8(bitPattern: $0) })
        #expect(g.int8Outputs.first == output.map { Int8(bitPattern: $0) })
    }

    @Test(.enabled(if: haveTools(["make", "cc"]), "needs make and cc"), arguments: models)
    func hostBuildUnderSanitizersIsBitExactWithTFLM(_ name: String) throws {
        let m = try Self.compile(name)
        var runner = FirmwareRunner(directory: m.directory, graph: m.compiled.graph, board: .host, root: try ToolPaths.root())
        runner.makeVariables = ["SANITIZE=1"]
        let result = try runner.run(m.goldens.int8Inputs)
        let diff = m.goldens.differences(result.outputs)
        #expect(diff.isEmpty, "\(diff.count) differ: \(diff.prefix(3))")
        #expect(!result.log.contains("runtime error"), "UBSan reported: \(result.log.prefix(500))")
    }

    @Test(.enabled(if: haveTools(EndToEndTests.qemuTools), "needs make, arm-none-eabi-gcc and qemu-system-arm: run Scripts/setup.sh"),
          arguments: models)
    func firmwareOnMps2An386IsBitExactWithTFLM(_ name: String) throws {
        let m = try Self.compile(name)
        let inputs = m.goldens.int8Inputs
        let runner = FirmwareRunner(directory: m.directory, graph: m.compiled.graph, board: .mps2An386, root: try ToolPaths.root())
        let result = try runner.run(inputs)
        let diff = m.goldens.differences(result.outputs)
        #expect(diff.isEmpty, "\(diff.count) differ: \(diff.prefix(3))")
        #expect(result.instructions.count == inputs.count)
    }

    /// Cortex-M3 has no DSP extension: the code calls only `_ref` kernels, and on the M3 board
    /// (mps2-an385) gives the same bytes as TFLM (two inputs per model keep it quick).
    @Test(.enabled(if: haveTools(EndToEndTests.qemuTools), "needs make, arm-none-eabi-gcc and qemu-system-arm: run Scripts/setup.sh"),
          arguments: models)
    func firmwareOnMps2An385IsBitExactWithTFLM(_ name: String) throws {
        let m = try Self.compile(name, target: .cortexM3)
        let source = try String(contentsOf: m.directory.appendingPathComponent("\(CName.identifier(m.compiled.graph.name)).c"), encoding: .utf8)
        #expect(!source.contains("_dsp("), "cortex-m3 code calls a _dsp kernel")
        #expect(source.contains("_ref("))
        let inputs = Array(m.goldens.int8Inputs.prefix(2))
        let runner = FirmwareRunner(directory: m.directory, graph: m.compiled.graph, board: .mps2An385, root: try ToolPaths.root())
        let result = try runner.run(inputs)
        #expect(result.outputs == Array(m.goldens.int8Outputs.prefix(2)))
        #expect(result.instructions.count == inputs.count)
    }

    @Test(arguments: models)
    func peakSRAMIsWithinTFLMArena(_ name: String) throws {
        let compiled = try Compiler.compile(Paths.mlperfTiny.appendingPathComponent("\(name).tflite"), options: CompileOptions())
        let baselines = try JSONSerialization.jsonObject(with: Data(contentsOf: Paths.shared.appendingPathComponent("baselines/tflm-cortex-m4.json"))) as? [String: Any]
        let cmsis = (baselines?[name] as? [String: Any])?["cmsis_nn"] as? [String: Any]
        let arena = try #require(cmsis?["arena_used_bytes"] as? Int)
        #expect(compiled.report.peakSRAMBytes <= arena, "tinyc \(compiled.report.peakSRAMBytes) B, TFLM arena \(arena) B")
    }
}
