import Foundation
@testable import TinycCLI

/// An oracle's outputs for a model, in Tests/Fixtures/tflite/goldens: `<model>.inputs.npy` and
/// `<model>.<oracle>.npy`. "tflm": TFLite Micro's interpreter (pinned `tflite-micro`, written by
/// Scripts/tflite/tflm_goldens.py); "tf-float": TensorFlow's float interpreter for the float models
/// (Scripts/tflite/float_goldens.py).
struct TFLiteGoldens {
    var inputs: [[Double]]
    var outputs: [[Double]]
    /// "int8" or "float32" inputs / outputs as the .tflite declares them.
    var inputType: String
    var outputType: String

    static let directory = Paths.root.appendingPathComponent("Tests/Fixtures/tflite/goldens")

    init(model: String, oracle: String = "tflm") throws {
        let x = try Npy.read(Self.directory.appendingPathComponent("\(model).inputs.npy"))
        let y = try Npy.read(Self.directory.appendingPathComponent("\(model).\(oracle).npy"))
        let n = x.shape.first ?? 0
        inputs = try Npy.samples(x, elements: x.values.count / max(n, 1), file: "\(model).inputs.npy")
        outputs = try Npy.samples(y, elements: y.values.count / max(n, 1), file: "\(model).\(oracle).npy")
        inputType = x.dtype.hasSuffix("i1") ? "int8" : "float32"
        outputType = y.dtype.hasSuffix("i1") ? "int8" : "float32"
    }

    /// One line per output that differs from the oracle's (plus one if the counts differ); empty
    /// when every value is identical.
    func differences(_ got: [[Double]]) -> [String] {
        let values = zip(got, outputs).enumerated().compactMap { i, pair in
            pair.0 == pair.1 ? nil : "input \(i): got \(pair.0.prefix(12)) oracle \(pair.1.prefix(12))"
        }
        return values + (got.count == outputs.count ? [] : ["\(got.count) outputs for \(outputs.count) inputs"])
    }

    func differences(_ got: [[Int8]]) -> [String] { differences(got.map { $0.map(Double.init) }) }

    var int8Inputs: [[Int8]] { inputs.map { $0.map { Int8($0) } } }
    var int8Outputs: [[Int8]] { outputs.map { $0.map { Int8($0) } } }
}

extension Paths {
    static let shared = root.deletingLastPathComponent().appendingPathComponent("shared")
    static let mlperfTiny = shared.appendingPathComponent("models/mlperf-tiny")
    static let tfliteOps = root.appendingPathComponent("Tests/Fixtures/tflite/ops")
}
