import Foundation
import Testing
import TinycReference
@testable import TinycCLI

/// The digits example against TFLite Micro. `tinyc convert Examples/digits/digits.json --calib ...`
/// wrote the int8 graph tinyc compiles, Scripts/tflite/netjson_to_tflite.py made it a .tflite
/// (Tests/Fixtures/tflite/models/digits_int8.tflite) and tflm_goldens.py ran it in TFLM on the first
/// 20 test images. Both tinyc's own quantization of digits.json and the imported .tflite give TFLM's
/// bytes (the QEMU side is BoardTestsOnQEMU).
struct DigitsTFLMTests {
    static let tflite = Paths.root.appendingPathComponent("Tests/Fixtures/tflite/models/digits_int8.tflite")

    func outputs(_ compiled: CompiledModel, _ inputs: [[Int8]]) throws -> [[Int8]] {
        let interpreter = try ReferenceInterpreter(compiled.graph)
        return try inputs.map { try interpreter.run(.s8($0)).int8 ?? [] }
    }

    @Test func quantizedDigitsIsBitExactWithTFLM() throws {
        let goldens = try TFLiteGoldens(model: "digits_int8")
        var o = CompileOptions()
        o.calibration = Paths.digits.appendingPathComponent("calib.npy")
        let compiled = try Compiler.compile(Paths.digitsModel, options: o)
        let samples = try InputLoader.samples(Paths.digits.appendingPathComponent("test_x.npy").path, for: compiled.graph)
        #expect(goldens.int8Inputs == Array(samples.prefix(goldens.inputs.count)))
        let diff = goldens.differences(try outputs(compiled, goldens.int8Inputs))
        #expect(diff.isEmpty, "digits.json quantized by tinyc: \(diff.prefix(3)); if the quantizer changed on purpose, regenerate digits_int8 (Scripts/tflite/README.md)")
    }

    @Test func exportedTFLiteImportsToTheSameOutputs() throws {
        let goldens = try TFLiteGoldens(model: "digits_int8")
        let compiled = try Compiler.compile(Self.tflite, options: CompileOptions())
        // TFLite nodes are named after their outputs, which kept digits.json's tensor names
        #expect(compiled.graph.nodes.map(\.name) == ["relu1.out", "relu6_2.out", "pw2.out", "add2.out", "pool2.out", "conv3.out", "gap.out", "fc.out", "probs"])
        let diff = goldens.differences(try outputs(compiled, goldens.int8Inputs))
        #expect(diff.isEmpty, "digits_int8.tflite: \(diff.prefix(3))")
    }
}

/// `tinyc convert --calib` on the command line: the int8 net.json it writes compiles to the same C as
/// the float model with the same calibration; a calibration file of the wrong size is a clear error.
struct ConvertCalibrationTests {
    @Test(.enabled(if: CommandLineTests.built, "the tinyc executable is not built (swift build)"))
    func convertWritesTheCompiledInt8Graph() throws {
        let cli = CommandLineTests()
        let dir = Paths.temporaryDirectory("cli-convert-calib")
        let json = dir.appendingPathComponent("digits_int8.json")
        let calib = Paths.digits.appendingPathComponent("calib.npy").path
        let r = try cli.tinyc(["convert", Paths.digitsModel.path, "--calib", calib, "-o", json.path])
        #expect(r.status == 0, "\(r.output)")
        var o = CompileOptions()
        o.calibration = URL(fileURLWithPath: calib)
        let fromFloat = try Compiler.compile(Paths.digitsModel, options: o)
        let fromInt8 = try Compiler.compile(json, options: CompileOptions())
        #expect(fromInt8.graph == fromFloat.graph)

        let bad = try cli.tinyc(["convert", Paths.digitsModel.path, "--calib", Paths.digits.appendingPathComponent("test_y.npy").path,
                                 "-o", dir.appendingPathComponent("bad.json").path])
        #expect(bad.status != 0)
        #expect(bad.output.contains("tinyc: error:"), "\(bad.output)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("bad.json").path))
    }
}
