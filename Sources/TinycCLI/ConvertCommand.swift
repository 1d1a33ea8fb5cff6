import ArgumentParser
import Foundation
import TinycFrontends
import TinycIR
import TinycPasses

/// `tinyc convert`: a model file -> net.json, the same graph tinyc would compile from it; with
/// `--calib`, the int8 graph tinyc compiles (quantized, folded and fused), so other tools (TFLite
/// Micro through Scripts/tflite/netjson_to_tflite.py) can run exactly what tinyc runs.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a model (.tflite or net.json) to net.json, weights inline.",
        discussion: """
            Compiling the net.json gives byte-identical C to compiling the original model. With --calib \
            the net.json holds the quantized int8 graph that tinyc compiles (after its optimisation passes).
            """)

    @Argument(help: "The model: a .tflite file or a net.json file.")
    var model: String

    @Option(name: .shortAndLong, help: "The net.json file to write.")
    var output: String

    @Option(help: "Calibration inputs (.npy): write the int8 graph tinyc quantizes with them, not the source graph.")
    var calib: String?

    func run() throws {
        try reportingErrors { () throws(CLIError) in
            let url = URL(fileURLWithPath: model)
            var graph = try Compiler.load(url)
            if let calib {
                let samples = try Compiler.calibrationSamples(URL(fileURLWithPath: calib), for: graph)
                do {
                    graph = try Pipeline.run(Pipeline.standard(PipelineOptions(calibration: samples)), on: graph)
                } catch let error as GraphError {
                    throw CLIError("\(model): \(error.description)")
                } catch {
                    throw CLIError("\(model): \(error)")
                }
            }
            do {
                try NetJSONWriter.write(graph).write(toFile: output, atomically: true, encoding: .utf8)
            } catch {
                throw CLIError("cannot write '\(output)': \(error.localizedDescription)", exitCode: 4)
            }
            say("wrote \(output): \(graph.nodes.count) nodes, \(graph.tensors.count) tensors")
        }
    }
}
