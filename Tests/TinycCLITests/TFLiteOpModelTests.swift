import Foundation
import Testing
import TinycIR
import TinycReference
@testable import TinycCLI

/// Every single-op model in Tests/Fixtures/tflite/ops (made by the TFLite converter, see
/// Scripts/tflite/make_op_models.py), compiled from .tflite and run three ways — the Swift reference
/// interpreter, the C on the host under ASan/UBSan, the firmware on mps2-an386 under QEMU — each
/// byte for byte against TFLite Micro's outputs. Models with float input/output (QUANTIZE and
/// DEQUANTIZE at the edges) get their inputs quantized and outputs dequantized exactly as those two
/// TFLM kernels do, and are compared as floats, bit for bit.
@Suite(.serialized)
struct TFLiteOpModelTests {
    static let models: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: Paths.tfliteOps.path)) ?? [])
        .filter { $0.hasSuffix(".tflite") }.map { String($0.dropLast(".tflite".count)) }.sorted()

    /// The host build under ASan/UBSan compiles the whole runtime with sanitizers for each model, the
    /// slowest part of CI. By default it runs one model per op family (the last by name: e.g.
    /// conv2d_5x3_valid, dwconv_5x3_s1_valid_relu, avgpool_3x3_s2_same_9x7), which still reaches every
    /// kernel the op models use; TINYC_QEMU=all runs every model. The kernels' own sanitizer tests
    /// (Runtime-C/tests, RuntimeHostTests) cover their parameter tables either way.
    static let sanitizerModels: [String] = {
        guard !EndToEndTests.all else { return models }
        var lastOfFamily: [Substring: String] = [:]
        for m in models { lastOfFamily[m.split(separator: "_").first ?? Substring(m)] = m }
        return lastOfFamily.values.sorted()
    }()

    @Test func thereAreOpModels() {
        #expect(Self.models.count >= 40, "Tests/Fixtures/tflite/ops holds \(Self.models.count) models")
    }

    struct Case {
        let compiled: CompiledModel
        let directory: URL
        let goldens: TFLiteGoldens
        let inputs: [[Int8]]

        init(_ name: String) throws {
            let url = Paths.tfliteOps.appendingPathComponent("\(name).tflite")
            compiled = try Compiler.compile(url, options: CompileOptions())
            directory = Paths.temporaryDirectory("op-\(name)")
            try OutputWriter.write(compiled, modelFile: url, to: directory)
            goldens = try TFLiteGoldens(model: name)
            let g = compiled.graph
            let q = try #require(g.type(g.inputs[0]).quantization.perTensorParameters)
            inputs = goldens.inputType == "int8"
                ? goldens.int8Inputs
                : goldens.inputs.map { ReferenceInterpreter.quantize($0.map { Float($0) }, scale: q.scale, zeroPoint: q.zeroPoint) }
        }

        /// Outputs as TFLM reports them: int8 values, or (for a DEQUANTIZE output) floats computed as
        /// TFLM's dequantize does, scale (as double) × (q − zero point), rounded to float.
        func asTFLMReports(_ outputs: [[Int8]]) throws -> [[Double]] {
            guard goldens.outputType == "float32" else { return outputs.map { $0.map(Double.init) } }
            let g = compiled.graph
            let q = try #require(g.type(g.outputs[0]).quantization.perTensorParameters)
            return outputs.map { $0.map { Double(Float(Double(q.scale) * Double(Int32($0) - q.zeroPoint))) } }
        }

        func expectMatchesTFLM(_ outputs: [[Int8]], _ what: String) throws {
            let diff = goldens.differences(try asTFLMReports(outputs))
            #expect(diff.isEmpty, "\(what): \(diff.count) outputs differ from TFLM; first: \(diff.prefix(3))")
        }
    }

    @Test(arguments: models)
    func referenceInterpreterIsBitExactWithTFLM(_ name: String) throws {
        let c = try Case(name)
        let interpreter = try ReferenceInterpreter(c.compiled.graph)
        try c.expectMatchesTFLM(try c.inputs.map { try interpreter.run(.s8($0)).int8 ?? [] }, "reference interpreter")
    }

    @Test(.enabled(if: haveTools(["make", "cc"]), "needs make and cc"), arguments: sanitizerModels)
    func hostBuildUnderSanitizersIsBitExactWithTFLM(_ name: String) throws {
        let c = try Case(name)
        var runner = FirmwareRunner(directory: c.directory, graph: c.compiled.graph, board: .host, root: try ToolPaths.root())
        runner.makeVariables = ["SANITIZE=1"]
        let result = try runner.run(c.inputs)
        try c.expectMatchesTFLM(result.outputs, "host C")
        #expect(!result.log.contains("runtime error"), "UBSan reported: \(result.log.prefix(500))")
    }

    @Test(.enabled(if: haveTools(EndToEndTests.qemuTools), "needs make, arm-none-eabi-gcc and qemu-system-arm: run Scripts/setup.sh"),
          arguments: models)
    func firmwareOnMps2An386IsBitExactWithTFLM(_ name: String) throws {
        let c = try Case(name)
        let runner = FirmwareRunner(directory: c.directory, graph: c.compiled.graph, board: .mps2An386, root: try ToolPaths.root())
        try c.expectMatchesTFLM(try runner.run(c.inputs).outputs, "firmware")
    }
}
