import ArgumentParser
import Foundation
import TinycIR
import TinycSchedule

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a model's graph and its per-layer memory profile, without writing anything.")

    @Argument(help: "The model: a .tflite or net.json file.")
    var model: String

    @Option(help: "Calibration samples (.npy) to profile a float model as int8; without it the float graph is shown.")
    var calib: String?

    func run() throws {
        try reportingErrors { () throws(CLIError) in
            let url = URL(fileURLWithPath: model)
            let graph: Graph
            let title: String
            let source = try Compiler.load(url)
            if calib != nil || Compiler.isQuantized(source) {
                var options = CompileOptions()
                options.calibration = calib.map { URL(fileURLWithPath: $0) }
                graph = try Compiler.compile(url, options: options).graph
                title = "int8 graph after tinyc's passes"
            } else {
                graph = source
                title = "float graph as imported (pass --calib to see the int8 profile)"
            }
            let decision = PatchDecision.layerByLayer(graph, alignment: CompileOptions().alignment, reason: "layer by layer")
            say("\(title):\n\(graph.description)\n")
            say(Report(graph: graph, decision: decision, target: .cortexM4, quantizationError: nil).text())
        }
    }
}

extension Compiler {
    static func isQuantized(_ g: Graph) -> Bool { g.type(g.inputs[0]).dtype == .s8 }
}
