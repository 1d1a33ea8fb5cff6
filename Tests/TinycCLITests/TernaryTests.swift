import Foundation
import Testing
import TinycIR
import TinycPasses
import TinycReference
@testable import TinycCLI

/// 1.58-bit models end to end: Examples/digits-ternary (trained with ternary weights) compiled with
/// packed weights and run as firmware; the packing choice under --flash; post-training ternarization.
@Suite(.serialized)
struct TernaryTests {
    static let example = Paths.root.appendingPathComponent("Examples/digits-ternary")
    static let model = example.appendingPathComponent("digits_ternary.json")

    static func options(_ change: (inout CompileOptions) -> Void = { _ in }) -> CompileOptions {
        var o = CompileOptions()
        o.sram = 32 * 1024
        o.calibration = example.appendingPathComponent("calib.npy")
        change(&o)
        return o
    }

    static func accuracy(_ outputs: [[Int8]], _ labels: [Int]) -> Double {
        Double(zip(outputs, labels).filter { argmax($0.0) == $0.1 }.count) / Double(labels.count)
    }

    @Test func everyLayerIsTernaryAndPackedAtTwoOrOnePointSixBits() throws {
        for (mode, bits) in [(TernaryPackingMode.twoBit, 2.0), (.base3, 1.6)] {
            let r = try Compiler.compile(Self.model, options: Self.options { $0.ternaryPacking = mode }).report
            let weighted = r.layers.filter { $0.weightBits != nil }
            #expect(weighted.count == 5)
            #expect(weighted.allSatisfy { $0.precision == "int8 x ternary/\(mode.rawValue)" })
            #expect(r.ternaryWeights == 1520)
            // 2-bit: ceil(n / 4) bytes per tensor (at most one partial byte each; digits has none);
            // base 3: one shared stream of ceil(1520 / 5) bytes
            #expect(Double(r.ternaryWeightBytes * 8) / Double(r.ternaryWeights) <= bits)
            #expect(r.ternaryWeightBytes == (mode == .twoBit ? 380 : 304))
            #expect(weighted.allSatisfy { $0.weightBits! <= bits })
        }
    }

    @Test func autoPackingMovesTheLargestLayersToBase3UnderFlash() throws {
        let all2 = try Compiler.compile(Self.model, options: Self.options()).report
        #expect(all2.layers.allSatisfy { !$0.precision.contains("base3") })
        // conv3's 1152 weights: 288 bytes in 2-bit codes, 231 in base 3
        let r = try Compiler.compile(Self.model, options: Self.options { $0.flash = all2.weightBytes - 50 }).report
        #expect(r.layers.first { $0.name == "conv3" }?.precision == "int8 x ternary/base3")
        #expect(r.layers.filter { $0.precision.contains("base3") }.count == 1)
        #expect(r.weightBytes == all2.weightBytes - 57)
        let tooSmall = Self.options { $0.flash = 400 }
        let error = #expect(throws: CLIError.self) { try Compiler.compile(Self.model, options: tooSmall) }
        #expect(error?.description.contains("already in base 3") == true, "\(error?.description ?? "")")
    }

    /// The compiled C on the host (ASan/UBSan) and on mps2-an386 under QEMU: every output byte equals
    /// the reference interpreter's on all 360 held-out images, so the firmware accuracy equals the
    /// reference's, and it is within 2 points of the float network (Examples/digits, 98.61 %).
    @Test(.enabled(if: haveTools(EndToEndTests.qemuTools), "needs make, arm-none-eabi-gcc and qemu-system-arm: run Scripts/setup.sh"),
          arguments: [(TernaryPackingMode.twoBit, Board.mps2An386), (.base3, .mps2An386), (.twoBit, .host)])
    func digitsTernaryFirmwareIsBitExactWithTheReference(_ packing: TernaryPackingMode, _ board: Board) throws {
        let compiled = try Compiler.compile(Self.model, options: Self.options { $0.ternaryPacking = packing })
        let dir = Paths.temporaryDirectory("ternary")
        defer { try? FileManager.default.removeItem(at: dir) }
        try OutputWriter.write(compiled, modelFile: Self.model, to: dir)
        let inputs = try InputLoader.samples(Self.example.appendingPathComponent("test_x.npy").path, for: compiled.graph)
        let labels = try InputLoader.labels(Self.example.appendingPathComponent("test_y.npy").path)
        var runner = FirmwareRunner(directory: dir, graph: compiled.graph, board: board, root: try ToolPaths.root())
        if board == .host { runner.makeVariables = ["SANITIZE=1"] }
        let result = try runner.run(inputs)
        let interpreter = try ReferenceInterpreter(compiled.graph)
        let expected = try inputs.map { try interpreter.run(.s8($0)).int8 ?? [] }
        #expect(result.outputs == expected)
        #expect(!result.log.contains("runtime error"), "UBSan reported: \(result.log.prefix(500))")
        let accuracy = Self.accuracy(result.outputs, labels)
        #expect(accuracy >= 0.9661, "ternary firmware accuracy \(accuracy) is more than 2 points below the float network's 98.61 %")
    }

    /// Post-training ternarization of the float digits model: every weight tensor becomes ternary
    /// with γ per output channel, and the C still equals the reference interpreter.
    @Test(arguments: TernaryScale.allCases)
    func postTrainingTernarizationMakesEveryWeightTernary(_ scale: TernaryScale) throws {
        var o = CompileOptions()
        o.calibration = Paths.digits.appendingPathComponent("calib.npy")
        o.ternarize = scale
        let compiled = try Compiler.compile(Paths.digitsModel, options: o)
        let weighted = compiled.report.layers.filter { $0.weightBits != nil }
        #expect(!weighted.isEmpty && weighted.allSatisfy { $0.precision.hasSuffix("ternary/2bit") })
        for node in compiled.graph.nodes where node.op.weightInputIndex == 1 {
            let t = compiled.graph.constants[node.inputs[1]]!.int8
            #expect(t.allSatisfy { (-1...1).contains($0) } && t.contains(1) && t.contains(-1))
        }
    }
}
