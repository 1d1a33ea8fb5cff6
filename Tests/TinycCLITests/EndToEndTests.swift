import Foundation
import Testing
import TinycReference
@testable import TinycCLI

/// The digits example compiled, built as firmware and run: on mps2-an386 under QEMU (Cortex-M4F) and
/// natively under ASan/UBSan, every output byte identical to the Swift reference interpreter.
@Suite(.serialized)
struct EndToEndTests {
    static let qemuTools = ["make", "arm-none-eabi-gcc", "qemu-system-arm"]
    /// Set TINYC_QEMU=all to run every test image everywhere; the default keeps CI quick.
    static let all = ProcessInfo.processInfo.environment["TINYC_QEMU"] == "all"

    struct Digits {
        let compiled: CompiledModel
        let directory: URL
        let inputs: [[Int8]]
        let labels: [Int]
    }

    static func compileDigits() throws -> Digits {
        var o = CompileOptions()
        o.sram = 32 * 1024
        o.calibration = Paths.digits.appendingPathComponent("calib.npy")
        let compiled = try Compiler.compile(Paths.digitsModel, options: o)
        let dir = Paths.temporaryDirectory("e2e")
        try OutputWriter.write(compiled, modelFile: Paths.digitsModel, to: dir)
        let inputs = try InputLoader.samples(Paths.digits.appendingPathComponent("test_x.npy").path, for: compiled.graph)
        let labels = try InputLoader.labels(Paths.digits.appendingPathComponent("test_y.npy").path)
        return Digits(compiled: compiled, directory: dir, inputs: inputs, labels: labels)
    }

    func expectIdenticalToReference(_ d: Digits, _ inputs: [[Int8]], _ outputs: [[Int8]]) throws {
        let interpreter = try ReferenceInterpreter(d.compiled.graph)
        #expect(outputs.count == inputs.count)
        var mismatches: [String] = []
        for (i, input) in inputs.enumerated() {
            let expected = try interpreter.run(.s8(input)).int8 ?? []
            if expected != outputs[i] { mismatches.append("input \(i): firmware \(outputs[i]) reference \(expected)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) outputs differ; first: \(mismatches.prefix(3))")
    }

    @Test(.enabled(if: haveTools(qemuTools), "needs make, arm-none-eabi-gcc and qemu-system-arm: run Scripts/setup.sh"))
    func digitsOnMps2An386IsBitExactAndAccurate() throws {
        let d = try Self.compileDigits()
        let count = Self.all ? d.inputs.count : 120
        let inputs = Array(d.inputs.prefix(count))
        let runner = FirmwareRunner(directory: d.directory, graph: d.compiled.graph, board: .mps2An386, root: try ToolPaths.root())
        let result = try runner.run(inputs)
        try expectIdenticalToReference(d, inputs, result.outputs)
        #expect(result.instructions.count == inputs.count)
        #expect(result.flashBytes > 0)

        // int8 accuracy on the firmware within 1 point of the float model on the same images.
        let float = try ReferenceInterpreter(d.compiled.sourceGraph)
        let x = try Npy.samples(try Npy.read(Paths.digits.appendingPathComponent("test_x.npy")), elements: 64, file: "test_x.npy")
        var floatCorrect = 0, int8Correct = 0
        for i in 0..<count {
            if argmax(try float.run(.f32(x[i].map { Float($0) })).floats ?? []) == d.labels[i] { floatCorrect += 1 }
            if argmax(result.outputs[i]) == d.labels[i] { int8Correct += 1 }
        }
        #expect(Double(floatCorrect - int8Correct) / Double(count) <= 0.01, "float \(floatCorrect)/\(count), int8 \(int8Correct)/\(count)")
    }

    @Test(.enabled(if: haveTools(qemuTools), "needs make, arm-none-eabi-gcc and qemu-system-arm: run Scripts/setup.sh"))
    func instructionCountsRepeatExactly() throws {
        let d = try Self.compileDigits()
        let runner = FirmwareRunner(directory: d.directory, graph: d.compiled.graph, board: .mps2An386, root: try ToolPaths.root())
        let first = try runner.run([d.inputs[0]]).instructions
        let second = try runner.run([d.inputs[0]]).instructions
        #expect(first.count == 1)
        #expect(first == second)
        #expect(first[0] > 31904, "at least one instruction per MAC")
    }

    @Test(.enabled(if: haveTools(["make", "cc"]), "needs make and cc"))
    func digitsOnTheHostIsCleanUnderSanitizers() throws {
        let d = try Self.compileDigits()
        var runner = FirmwareRunner(directory: d.directory, graph: d.compiled.graph, board: .host, root: try ToolPaths.root())
        runner.makeVariables = ["SANITIZE=1"]
        let inputs = Self.all ? d.inputs : Array(d.inputs.prefix(60))
        let result = try runner.run(inputs)
        try expectIdenticalToReference(d, inputs, result.outputs)
        #expect(!result.log.contains("runtime error"), "UBSan reported: \(result.log.prefix(500))")
    }
}

func haveTools(_ tools: [String]) -> Bool { Paths.haveTools(tools) }
