import Foundation
import Testing
import TinycIR
import TinycPasses
import TinycReference
@testable import TinycCLI

/// Per-layer weight precision under a flash budget (docs/mixed-precision.md) on Examples/digits:
/// int8 weights take 1,720 bytes; under --flash the search lowers layers to int4 / ternary with the
/// least measured error, the accuracy bound holds on the labelled set, and the firmware is
/// bit-exact with the reference interpreter. An infeasible bound says how much flash it needs.
@Suite(.serialized)
struct MixedPrecisionTests {
    static func options(flash: Int?, drop: Double? = 1, _ change: (inout CompileOptions) -> Void = { _ in }) throws -> CompileOptions {
        var o = CompileOptions()
        o.calibration = Paths.digits.appendingPathComponent("calib.npy")
        o.flash = flash
        o.maxAccuracyDrop = drop
        o.evaluation = try LabelledSet.load(data: Paths.digits.appendingPathComponent("test_x.npy").path,
                                            labels: Paths.digits.appendingPathComponent("test_y.npy").path,
                                            for: try Compiler.load(Paths.digitsModel))
        change(&o)
        return o
    }

    @Test func int8WeightsThatFitAreLeftAlone() throws {
        let r = try Compiler.compile(Paths.digitsModel, options: try Self.options(flash: 1720)).report
        #expect(r.weightBytes == 1720)
        #expect(r.precisionSearch == nil)
        #expect(r.layers.allSatisfy { !$0.precision.contains("int4") && !$0.precision.contains("ternary") })
    }

    /// 62 % of the int8 weight bytes: fits, loses at most 1 point on the 360 labelled images, and
    /// the generated C on mps2-an386 (QEMU) returns the reference interpreter's bytes on all of them.
    @Test(.enabled(if: Paths.haveTools(EndToEndTests.qemuTools), "needs make, arm-none-eabi-gcc and qemu-system-arm: run Scripts/setup.sh"))
    func aBudgetBelowInt8CompilesWithinTheAccuracyBoundAndRunsBitExact() throws {
        let compiled = try Compiler.compile(Paths.digitsModel, options: try Self.options(flash: 1064))
        let r = compiled.report
        let search = try #require(r.precisionSearch)
        #expect(r.weightBytes <= 1064 && search.chosenWeightBytes == r.weightBytes)
        #expect(search.int8WeightBytes == 1720)
        #expect(r.layers.contains { $0.precision == "int8 x int4" && $0.weightBits == 4 })
        let drop = (search.int8Accuracy! - search.accuracy!) * 100
        #expect(drop <= 1, "accuracy drop \(drop)")
        // every searched layer reports its measured error per precision
        #expect(search.layers.count == 5 && search.layers.allSatisfy { $0.errors.keys.sorted() == ["int4", "int8", "ternary"] })

        let dir = Paths.temporaryDirectory("mixed")
        defer { try? FileManager.default.removeItem(at: dir) }
        try OutputWriter.write(compiled, modelFile: Paths.digitsModel, to: dir)
        let inputs = try InputLoader.samples(Paths.digits.appendingPathComponent("test_x.npy").path, for: compiled.graph)
        let labels = try InputLoader.labels(Paths.digits.appendingPathComponent("test_y.npy").path)
        let runner = FirmwareRunner(directory: dir, graph: compiled.graph, board: .mps2An386, root: try ToolPaths.root())
        let result = try runner.run(inputs)
        let interpreter = try ReferenceInterpreter(compiled.graph)
        #expect(result.outputs == (try inputs.map { try interpreter.run(.s8($0)).int8 ?? [] }))
        let accuracy = Double(zip(result.outputs, labels).filter { argmax($0.0) == $0.1 }.count) / Double(labels.count)
        #expect(abs(accuracy - search.accuracy!) < 1e-9)
    }

    @Test func anInfeasibleAccuracyBoundSaysHowMuchFlashItNeeds() throws {
        let error = #expect(throws: CLIError.self) { try Compiler.compile(Paths.digitsModel, options: try Self.options(flash: 1032)) }
        let text = error?.description ?? ""
        #expect(text.contains("more than --flash 1032 bytes"), "\(text)")
        #expect(text.contains("points below int8's"), "\(text)")
        #expect(text.contains("the accuracy bound is met from about --flash"), "\(text)")
    }

    @Test func aBudgetBelowEveryLayerAtItsLowestPrecisionSaysBy() throws {
        let error = #expect(throws: CLIError.self) { try Compiler.compile(Paths.digitsModel, options: try Self.options(flash: 300, drop: nil)) }
        #expect(error?.description.contains("with every layer at its lowest allowed precision") == true, "\(error?.description ?? "")")
    }

    @Test func boundsWithoutTheirInputsAreUsageErrors() throws {
        var o = CompileOptions()
        o.flash = 1000
        o.maxError = 0.01
        let noCalib = #expect(throws: CLIError.self) { try Compiler.compile(Paths.digitsModel, options: o) }
        #expect(noCalib?.description.contains("--calib") == true)
        let badLayer = #expect(throws: CLIError.self) { try PrecisionChoice.parseLayers("conv3:int4") }
        #expect(badLayer?.exitCode == 2)
        var named = try Self.options(flash: nil, drop: nil)
        named.layerPrecision = ["nope": .int4]
        let unknown = #expect(throws: CLIError.self) { try Compiler.compile(Paths.digitsModel, options: named) }
        #expect(unknown?.description.contains("no layer named 'nope'") == true)
    }

    @Test func uniformAndPerLayerPrecisionsLowerWhatTheySay() throws {
        let all4 = try Compiler.compile(Paths.digitsModel, options: try Self.options(flash: nil, drop: nil) { $0.weightPrecision = .int4 }).report
        #expect(all4.layers.filter { $0.weightBits != nil }.allSatisfy { $0.precision == "int8 x int4" })
        let one = try Compiler.compile(Paths.digitsModel, options: try Self.options(flash: nil, drop: nil) { $0.layerPrecision = ["fc": .ternary] }).report
        #expect(one.layers.first { $0.name == "fc" }?.precision == "int8 x ternary/2bit")
        #expect(one.layers.filter { $0.precision.contains("ternary") }.count == 1)
    }
}
