import ArgumentParser
import Foundation
import TinycIR
import TinycReference

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure float and int8 accuracy of a model on a labelled set with the reference interpreter.")

    @Argument(help: "The model: a .tflite or net.json file.")
    var model: String

    @Option(help: "Calibration samples (.npy) for float models.")
    var calib: String?

    @Option(help: "Inputs: .npy float32 [N, ...input shape].")
    var data: String

    @Option(help: "Labels: .npy integers [N].")
    var labels: String

    @Option(help: "Ternarize the float model's weights first (absmean or median) and measure the int8 model with them against the float one.")
    var ternarize: String?

    @Option(help: "Weight precision of the int8 model: auto (searched under --flash), int8, int4 or ternary (docs/mixed-precision.md).")
    var weightPrecision = "auto"

    @Option(help: "Fix some layers' weight precision: NAME=int8|int4|ternary, comma-separated (e.g. conv3=int4,fc=ternary).")
    var layerPrecision: String?

    @Option(help: "Flash budget for the weights: with --weight-precision auto, the precision search chooses int8/int4/ternary per layer.")
    var flash: String?

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        try reportingErrors { () throws(CLIError) in
            let url = URL(fileURLWithPath: model)
            var options = CompileOptions()
            options.calibration = calib.map { URL(fileURLWithPath: $0) }
            options.ternarize = try parseTernarize(ternarize)
            options.weightPrecision = try parseWeightPrecision(weightPrecision)
            options.layerPrecision = try PrecisionChoice.parseLayers(layerPrecision)
            options.flash = try flash.map { s throws(CLIError) in try parseSize(s, "--flash") }
            let compiled = try Compiler.compile(url, options: options)
            let x = try Npy.samples(try Npy.read(URL(fileURLWithPath: data)), elements: compiled.sourceGraph.type(compiled.sourceGraph.inputs[0]).count, file: data)
            let y = try InputLoader.labels(labels)
            guard x.count == y.count else { throw CLIError("\(data) has \(x.count) samples, \(labels) has \(y.count) labels") }
            let q = compiled.graph.type(compiled.graph.inputs[0]).quantization.perTensorParameters ?? (1, 0)
            let int8Inputs = x.map { ReferenceInterpreter.quantize($0.map { Float($0) }, scale: q.scale, zeroPoint: q.zeroPoint) }
            var floatCorrect = 0, int8Correct = 0
            do throws(GraphError) {
                let interpreter = try ReferenceInterpreter(compiled.graph)
                let isFloat = compiled.sourceGraph.type(compiled.sourceGraph.inputs[0]).dtype == .f32
                let f = isFloat ? try ReferenceInterpreter(compiled.sourceGraph) : nil
                for i in x.indices {
                    if let f, argmax(try f.run(.f32(x[i].map { Float($0) })).floats ?? []) == y[i] { floatCorrect += 1 }
                    if argmax(try interpreter.run(.s8(int8Inputs[i])).int8 ?? []) == y[i] { int8Correct += 1 }
                }
                let n = Double(x.count)
                let floatAcc = f == nil ? nil : Double(floatCorrect) / n
                let int8Acc = Double(int8Correct) / n
                if json {
                    var o: [String: Any] = ["samples": x.count, "int8_accuracy": int8Acc]
                    if let ternarize { o["ternarize"] = ternarize }
                    if let floatAcc { o["float_accuracy"] = floatAcc }
                    say(String(decoding: (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])) ?? Data(), as: UTF8.self))
                } else {
                    if let floatAcc { say(String(format: "float accuracy: %.2f%% (%d/%d)", floatAcc * 100, floatCorrect, x.count)) }
                    let what = ternarize.map { " (weights ternarized after training, \($0) scale)" } ?? ""
                    say(String(format: "int8 accuracy:  %.2f%% (%d/%d)", int8Acc * 100, int8Correct, x.count) + what)
                }
            } catch {
                throw CLIError(error.description)
            }
        }
    }
}
