import Foundation
import Testing
import TinycIR
import TinycReference
@testable import TinycCLI

/// The MLPerf Tiny float32 models: imported as float graphs (checked against TensorFlow's float
/// interpreter on realistic inputs), then quantized by tinyc's own post-training quantization with
/// those inputs as calibration samples.
struct TFLiteFloatModelTests {
    static let models = ["ad01_fp32", "kws_ref_model_float32", "pretrainedResnet", "vww_96_float"]

    static func url(_ name: String) -> URL { Paths.mlperfTiny.appendingPathComponent("\(name).tflite") }

    @Test(arguments: models)
    func floatImportAgreesWithTensorFlow(_ name: String) throws {
        let graph = try Compiler.load(Self.url(name))
        #expect(graph.tensors.allSatisfy { $0.type.dtype == .f32 })
        let g = try TFLiteGoldens(model: name, oracle: "tf-float")
        let interpreter = try ReferenceInterpreter(graph)
        var worst = 0.0
        for (x, expected) in zip(g.inputs, g.outputs) {
            let got = try interpreter.run(.f32(x.map { Float($0) })).floats ?? []
            #expect(got.count == expected.count)
            let magnitude = max(1, expected.map(abs).max() ?? 0)
            for (a, b) in zip(got, expected) { worst = max(worst, abs(Double(a) - b) / magnitude) }
        }
        // Float sums in a different order: agreement to float rounding, not bit for bit. The kws model
        // is hybrid (int8 weights, float activations): TensorFlow quantizes its activations on the fly,
        // tinyc imports it as float with dequantized weights, so they agree to that quantization only.
        let tolerance = name == "kws_ref_model_float32" ? 0.1 : 1e-4
        #expect(worst < tolerance, "largest relative difference from TensorFlow: \(worst)")
    }

    @Test(arguments: models)
    func floatModelIsQuantizedWithCalibrationSamples(_ name: String) throws {
        var options = CompileOptions()
        options.calibration = TFLiteGoldens.directory.appendingPathComponent("\(name).inputs.npy")
        let compiled = try Compiler.compile(Self.url(name), options: options)
        let g = compiled.graph
        #expect(g.type(g.inputs[0]).dtype == .s8)
        #expect(g.nodes.allSatisfy { node in node.outputs.allSatisfy { g.type($0).dtype == .s8 } })
        let error = try #require(compiled.report.quantizationError)
        #expect(error.samples >= 10)
        print("\(name): int8 vs float on \(error.samples) samples: max abs error \(error.maxAbsError), top-1 agreement \(error.top1Agreement)")
        #expect(error.top1Agreement >= 0.7, "top-1 agreement \(error.top1Agreement)")
    }

    @Test func floatModelWithoutCalibrationIsAClearError() throws {
        #expect(throws: CLIError.self) { try Compiler.compile(Self.url("kws_ref_model_float32"), options: CompileOptions()) }
        do { _ = try Compiler.compile(Self.url("kws_ref_model_float32"), options: CompileOptions()) } catch {
            #expect(error.description.contains("needs calibration samples"))
        }
    }
}
