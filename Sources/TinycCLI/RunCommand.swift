import ArgumentParser
import Foundation
import TinycFrontends
import TinycIR
import TinycReference

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Build firmware for a compiled model and run it on an emulated board (QEMU).",
        discussion: """
            Cross-compiles the output directory of `tinyc compile` with the board's runner, runs it under \
            qemu-system-arm and prints the output tensor, the top class and the exact number of instructions \
            the inference executed (QEMU TCG plugin, identical on every run). --board host runs the same C natively.
            """)

    @Argument(help: "Output directory of `tinyc compile`.")
    var directory: String

    @Option(help: "Board: mps2-an385, mps2-an386, mps2-an500, mps2-an505, mps3-an547, netduinoplus2, microbit (under QEMU) or host. Default: the board it was compiled for (--board), else its target's board.")
    var board: String?

    @Option(help: "Input: .npy (float, quantized with the model's input scale; or int8), or raw int8 bytes; may hold several samples. Default: a fixed pseudo-random input.")
    var input: String?

    @Option(help: "Class labels (.npy) for --input's samples: prints the firmware's accuracy.")
    var labels: String?

    @Flag(help: "Also run the Swift reference interpreter and fail unless every output byte is identical.")
    var check = false

    @Flag(help: "Print instructions per layer and per MAC (QEMU boards; builds the firmware with -DTC_PROFILE).")
    var profile = false

    @Flag(help: "Print one JSON object for scripts.")
    var json = false

    @Option(help: "QEMU wall-clock limit in seconds.")
    var timeout = 120

    func run() throws {
        try reportingErrors { () throws(CLIError) in
            let dir = URL(fileURLWithPath: directory)
            let graph: Graph
            do throws(FrontendError) { graph = try NetJSONReader.read(contentsOf: dir.appendingPathComponent("model.json")) } catch {
                throw CLIError("\(directory) is not a tinyc output directory (run `tinyc compile ... -o \(directory)`): \(error.description)")
            }
            let samples = try InputLoader.samples(input, for: graph)
            let board = try board.map { b throws(CLIError) in try Board.parse(b) } ?? Self.defaultBoard(dir)
            var runner = FirmwareRunner(directory: dir, graph: graph, board: board, root: try ToolPaths.root())
            runner.timeout = timeout
            runner.profile = profile
            if profile && runner.board == .host {
                throw CLIError("--profile counts instructions under QEMU; it needs a Cortex-M board, not host")
            }
            let result = try runner.run(samples)
            let layers = try profile ? layerProfile(dir, result) : nil
            if check { try compareWithReference(graph, samples, result.outputs) }
            let truth = try labels.map { l throws(CLIError) in try InputLoader.labels(l) }
            if let truth, truth.count != samples.count {
                throw CLIError("\(labels!): \(truth.count) labels for \(samples.count) inputs")
            }
            let top = result.outputs.map { argmax($0) }
            let accuracy = truth.map { t in Double(zip(top, t).filter { $0 == $1 }.count) / Double(t.count) }
            if json {
                say(jsonReport(graph, board, result, top, accuracy, layers))
            } else {
                say(textReport(graph, board, result, top, accuracy) + (layers.map { "\nper layer (inference 0):\n" + $0.text() } ?? ""))
            }
        }
    }

    func compareWithReference(_ graph: Graph, _ samples: [[Int8]], _ outputs: [[Int8]]) throws(CLIError) {
        let interpreter: ReferenceInterpreter
        do { interpreter = try ReferenceInterpreter(graph) } catch { throw CLIError(error.description) }
        var diffs: [String] = []
        var mismatched = 0
        for (i, sample) in samples.enumerated() {
            let expected: [Int8]
            do { expected = try interpreter.run(.s8(sample)).int8 ?? [] } catch { throw CLIError(error.description) }
            let bad = expected.indices.filter { expected[$0] != outputs[i][$0] }
            if !bad.isEmpty { mismatched += 1 }
            for j in bad.prefix(max(0, 10 - diffs.count)) {
                diffs.append("input \(i), output[\(j)]: firmware \(outputs[i][j]), reference \(expected[j])")
            }
        }
        guard mismatched == 0 else {
            throw CLIError("--check: \(mismatched) of \(samples.count) outputs differ from the reference interpreter; first differences:\n  "
                + diffs.joined(separator: "\n  "), exitCode: 3)
        }
    }

    /// The board the directory was compiled for (`board` in report.json), else its target's board
    /// (mps2-an386 if it cannot tell).
    static func defaultBoard(_ dir: URL) -> Board {
        let report = try? JSONDecoder().decode(Report.self, from: Data(contentsOf: dir.appendingPathComponent("report.json")))
        if let board = report?.board.flatMap(Board.init(rawValue:)) { return board }
        return report.flatMap { Target(rawValue: $0.target) }?.board ?? .mps2An386
    }

    func textReport(_ graph: Graph, _ board: Board, _ r: FirmwareRunner.Result, _ top: [Int], _ accuracy: Double?) -> String {
        let q = graph.type(graph.outputs[0]).quantization.perTensorParameters ?? (1, 0)
        var s = "board \(board.rawValue): \(r.outputs.count) inference(s)\n"
        let first = r.outputs[0]
        s += "output[0] int8: \(first.map(String.init).joined(separator: " "))\n"
        s += "output[0] real: \(ReferenceInterpreter.dequantize(first, scale: q.scale, zeroPoint: q.zeroPoint).map { String(format: "%.4g", $0) }.joined(separator: " "))\n"
        s += "top class: \(top[0])\n"
        if let n = r.instructions.first {
            let range = r.instructions.min() == r.instructions.max() ? "" : " (min \(r.instructions.min()!), max \(r.instructions.max()!) over \(r.instructions.count) inputs)"
            s += "instructions per inference: \(n)\(range)\n"
        }
        if r.flashBytes > 0 { s += "firmware flash (text + data): \(r.flashBytes) bytes\n" }
        if check { s += "check: all \(r.outputs.count) outputs identical to the reference interpreter\n" }
        if let accuracy { s += String(format: "accuracy: %.2f%% (%d inputs)\n", accuracy * 100, r.outputs.count) }
        return s
    }

    /// The first inference's markers, paired with the layers of the directory's report.json.
    func layerProfile(_ dir: URL, _ r: FirmwareRunner.Result) throws(CLIError) -> LayerProfile {
        let url = dir.appendingPathComponent("report.json")
        let report: Report
        do { report = try JSONDecoder().decode(Report.self, from: Data(contentsOf: url)) } catch {
            throw CLIError("--profile needs \(url.path) from `tinyc compile`: \(error.localizedDescription)")
        }
        guard let marks = r.marks.first, let total = r.instructions.first else {
            throw CLIError("--profile: the instruction counter printed no layer markers", exitCode: 4)
        }
        return try LayerProfile(report: report, marks: marks, total: total)
    }

    func jsonReport(_ graph: Graph, _ board: Board, _ r: FirmwareRunner.Result, _ top: [Int], _ accuracy: Double?, _ layers: LayerProfile?) -> String {
        var o: [String: Any] = [
            "board": board.rawValue, "model": graph.name, "inputs": r.outputs.count,
            "output": r.outputs[0].map { Int($0) }, "outputs": r.outputs.map { $0.map { Int($0) } },
            "top_class": top[0], "top_classes": top, "flash_bytes": r.flashBytes, "checked": check,
        ]
        if let n = r.instructions.first {
            o["instructions"] = n
            o["instructions_per_inference"] = r.instructions
        }
        if let accuracy { o["accuracy"] = accuracy }
        if let layers { o["profile"] = layers.jsonObject }
        let data = (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
