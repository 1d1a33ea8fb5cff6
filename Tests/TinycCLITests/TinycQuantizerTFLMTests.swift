import Foundation
import Testing
import TinycReference
@testable import TinycCLI

/// TFLite Micro as the oracle for tinyc's own quantizer on real networks. The float MLPerf Tiny kws
/// and ResNet models, quantized by tinyc (`tinyc convert --calib`), were exported to .tflite
/// (Scripts/tflite/make_tinyc_quantized_models.py) and run in TFLM on quantized real inputs and on
/// random ones. Compiling the float model with the same calibration must give TFLM's bytes: the
/// calibration, folding and fusion decide the same graph, and tinyc's int8 arithmetic (including
/// ResNet's fused conv + residual add) equals TFLM's.
struct TinycQuantizerTFLMTests {
    static let models = [("tinyc_q_kws", "kws_ref_model_float32"), ("tinyc_q_resnet", "pretrainedResnet")]

    @Test(arguments: models)
    func floatModelQuantizedByTinycIsBitExactWithTFLM(_ fixture: String, _ model: String) throws {
        var o = CompileOptions()
        o.calibration = TFLiteGoldens.directory.appendingPathComponent("\(model).inputs.npy")
        let compiled = try Compiler.compile(Paths.mlperfTiny.appendingPathComponent("\(model).tflite"), options: o)
        let goldens = try TFLiteGoldens(model: fixture)
        let interpreter = try ReferenceInterpreter(compiled.graph)
        let outputs = try goldens.int8Inputs.map { try interpreter.run(.s8($0)).int8 ?? [] }
        let diff = goldens.differences(outputs)
        #expect(diff.isEmpty, """
            \(model) quantized by tinyc differs from TFLM on \(diff.count) outputs (first: \(diff.prefix(3))); if the \
            quantizer changed on purpose, re-run Scripts/tflite/make_tinyc_quantized_models.py and tflm_goldens.py
            """)
    }
}
