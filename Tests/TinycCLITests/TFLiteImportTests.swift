import Foundation
import Testing
import TinycCodegenC
import TinycFrontends
import TinycReference
@testable import TinycCLI

/// `tinyc convert` and the importer's errors, through the library and the executable.
struct TFLiteImportTests {
    /// The generated C files with the provenance line (which names the source file) removed.
    static func generatedC(_ compiled: CompiledModel) throws -> [String: String] {
        let emitter = ModelEmitter(graph: compiled.graph, schedule: compiled.schedule, model: compiled.graph.name, provenance: "")
        return Dictionary(uniqueKeysWithValues: try emitter.files().map { ($0.name, $0.contents) })
    }

    static let convertModels = MLPerfTinyTests.models.map { Paths.mlperfTiny.appendingPathComponent("\($0).tflite") }
        + ["fc_per_channel", "float_io_fc_softmax", "concat_conv_pool", "mean_hw", "dwconv_3x3_mult2"]
            .map { Paths.tfliteOps.appendingPathComponent("\($0).tflite") }

    @Test(arguments: convertModels)
    func convertedNetJSONCompilesToIdenticalC(_ url: URL) throws {
        let direct = try Compiler.compile(url, options: CompileOptions())
        let json = Paths.temporaryDirectory("convert").appendingPathComponent("\(url.deletingPathExtension().lastPathComponent).json")
        try NetJSONWriter.write(try Compiler.load(url)).write(to: json, atomically: true, encoding: .utf8)
        let viaJSON = try Compiler.compile(json, options: CompileOptions())
        #expect(viaJSON.graph == direct.graph)
        #expect(try Self.generatedC(viaJSON) == Self.generatedC(direct))
    }

    @Test func everyUnsupportedOperatorIsListedInOneError() throws {
        let url = Paths.root.appendingPathComponent("Tests/Fixtures/tflite/errors/unsupported_ops.tflite")
        do {
            _ = try TFLiteReader.read(contentsOf: url)
            Issue.record("unsupported_ops.tflite imported")
        } catch {
            let m = error.message
            #expect(m.hasPrefix("5 unsupported operators:"), "\(m)")
            for line in ["#1 MUL (output 'functional_1/lambda_1/mul')", "#2 TANH (output 'functional_1/activation_1/Tanh')",
                         "#3 STRIDED_SLICE", "#4 MUL", "#5 SUB"] {
                #expect(m.contains(line), "missing '\(line)' in: \(m)")
            }
            #expect(!m.contains("CONV_2D ("), "supported ops are not listed as unsupported")
        }
    }

    /// A Keras Flatten converted with a dynamic batch computes its shape with SHAPE -> STRIDED_SLICE ->
    /// PACK; those operators only feed the RESHAPE's shape input, so tinyc drops them and the model
    /// imports and runs bit-exact with TFLite Micro (which executes them).
    @Test func shapeOnlyOperatorsOfADynamicFlattenAreDropped() throws {
        let url = Paths.root.appendingPathComponent("Tests/Fixtures/tflite/models/keras_flatten_dynamic_batch.tflite")
        let compiled = try Compiler.compile(url, options: CompileOptions())
        #expect(compiled.graph.nodes.map(\.op.name) == ["conv2d", "depthwise_conv2d", "max_pool2d", "reshape", "fully_connected", "softmax"])
        let goldens = try TFLiteGoldens(model: "keras_flatten_dynamic_batch")
        let interpreter = try ReferenceInterpreter(compiled.graph)
        let outputs = try goldens.int8Inputs.map { try interpreter.run(.s8($0)).int8 ?? [] }
        #expect(goldens.differences(outputs).isEmpty, "\(goldens.differences(outputs).prefix(3))")
    }

    @Test func truncatedAndCorruptFilesAreClearErrors() throws {
        let original = [UInt8](try Data(contentsOf: Paths.mlperfTiny.appendingPathComponent("kws_ref_model.tflite")))
        for length in [0, 3, 7, 8, 100, original.count / 2, original.count - 1] {
            #expect(throws: FrontendError.self, "truncated to \(length)") {
                try TFLiteReader.read(Array(original.prefix(length)), file: "t.tflite", defaultName: "t")
            }
        }
        var wrongIdentifier = original
        wrongIdentifier[4] = UInt8(ascii: "X")
        #expect(throws: FrontendError.self) { try TFLiteReader.read(wrongIdentifier, file: "t.tflite", defaultName: "t") }
    }

    @Test(.enabled(if: CommandLineTests.built, "the tinyc executable is not built (swift build)"))
    func commandLineConvertAndErrors() throws {
        let cli = CommandLineTests()
        let dir = Paths.temporaryDirectory("cli-tflite")
        let json = dir.appendingPathComponent("kws.json").path
        let converted = try cli.tinyc(["convert", Paths.mlperfTiny.appendingPathComponent("kws_ref_model.tflite").path, "-o", json])
        #expect(converted.status == 0, "\(converted.output)")
        #expect(FileManager.default.fileExists(atPath: json))

        let truncated = dir.appendingPathComponent("truncated.tflite")
        let bytes = try Data(contentsOf: Paths.mlperfTiny.appendingPathComponent("kws_ref_model.tflite"))
        try bytes.prefix(5000).write(to: truncated)
        let r = try cli.tinyc(["compile", truncated.path, "-o", dir.appendingPathComponent("out").path])
        #expect(r.status == 1)
        #expect(r.output.contains("tinyc: error: \(truncated.path): "), "\(r.output)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path), "no C is written for a bad model")

        let unsupported = try cli.tinyc(["compile", Paths.root.appendingPathComponent("Tests/Fixtures/tflite/errors/unsupported_ops.tflite").path,
                                         "-o", dir.appendingPathComponent("out2").path])
        #expect(unsupported.status == 1)
        #expect(unsupported.output.contains("5 unsupported operators"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out2").path))
    }
}
