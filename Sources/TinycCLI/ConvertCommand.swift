import ArgumentParser
import Foundation
import TinycFrontends

/// `tinyc convert`: a model file -> net.json, the same graph tinyc would compile from it.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a model (.tflite or net.json) to net.json, weights inline.",
        discussion: "Compiling the net.json gives byte-identical C to compiling the original model.")

    @Argument(help: "The model: a .tflite file or a net.json file.")
    var model: String

    @Option(name: .shortAndLong, help: "The net.json file to write.")
    var output: String

    func run() throws {
        try reportingErrors { () throws(CLIError) in
            let graph = try Compiler.load(URL(fileURLWithPath: model))
            do {
                try NetJSONWriter.write(graph).write(toFile: output, atomically: true, encoding: .utf8)
            } catch {
                throw CLIError("cannot write '\(output)': \(error.localizedDescription)", exitCode: 4)
            }
            say("wrote \(output): \(graph.nodes.count) nodes, \(graph.tensors.count) tensors")
        }
    }
}
