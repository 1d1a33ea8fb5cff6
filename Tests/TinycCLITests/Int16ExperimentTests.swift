import ArgumentParser
import Foundation
import Testing
import TinycIR
import TinycReference
@testable import TinycCLI

/// `tinyc experiment int16` (docs/int16-activations.md) on digits: the fake-quant simulation models
/// the real int8 interpreter, int16 activations order as they must, and bad input is a clear error.
struct Int16ExperimentTests {
    static let calib = Paths.digits.appendingPathComponent("calib.npy").path
    static let testX = Paths.digits.appendingPathComponent("test_x.npy").path
    static let testY = Paths.digits.appendingPathComponent("test_y.npy").path

    func experiment(_ args: [String]) throws -> Int16Experiment {
        try Int16Command.parse(args).experiment()
    }

    /// The error message `args` fail with (nil when they do not fail with a CLIError).
    func failure(_ args: [String]) throws -> String? {
        do { _ = try experiment(args) } catch let e as CLIError { return e.description }
        return nil
    }

    /// One run over the 360 test images (about 3 s in a debug build) checks all the measurements.
    @Test func digitsSimulationAgreesWithInt8AndInt16Helps() throws {
        let e = try experiment([Paths.digitsModel.path, "--calib", Self.calib, "--data", Self.testX, "--labels", Self.testY])
        // All activations at 8 bits must behave like the real int8 interpreter; what it leaves out
        // (fixed-point requantization, int8 softmax) may flip a near-tie, but rarely.
        #expect(e.check.samples == 360)
        #expect(e.check.agreement >= 0.95, "simulated int8 agrees with the int8 interpreter on \(e.check.agree)/360")
        #expect(e.check.meanAbs < 0.01)
        let all8 = try #require(e.all8.stats.sqnr), all16 = try #require(e.rows[1].stats.sqnr)
        #expect(all16 > all8)
        // fc.out feeds only the softmax, so its 16-bit grid removes its own rounding and nothing
        // else: the output lies between all 8 and all 16, at the output and at the logits.
        let fc = try #require(e.rows.first { $0.tensor?.name == "fc.out" })
        let fcSQNR = try #require(fc.stats.sqnr)
        #expect(all8 < fcSQNR && fcSQNR < all16)
        let l8 = try #require(e.all8.logits.sqnr), l16 = try #require(e.rows[1].logits.sqnr), lfc = try #require(fc.logits.sqnr)
        #expect(l8 < lfc && lfc < l16)
        // One row per activation tensor (the input and the 9 nodes left after folding), with its bytes.
        #expect(e.rows.count == 3 + 10)
        #expect(fc.tensor?.int8Bytes == 10)
        // SRAM: a 16-bit tensor can only raise the arena's lower bound, and all 16 raises it most.
        let bound8 = e.report.lowerBoundBytes
        #expect(e.rows.dropFirst(3).allSatisfy { ($0.lowerBound16 ?? 0) >= bound8 })
        #expect((e.rows[1].lowerBound16 ?? 0) > bound8)
        #expect(e.rows.dropFirst(3).allSatisfy { ($0.lowerBound16 ?? 0) <= e.rows[1].lowerBound16! })
        let text = e.text()
        #expect(text.contains("fc.out at 16"))
        #expect(text.contains("check, simulated all 8 vs the real int8 interpreter: top-1 agreement"))
        let json = try #require(JSONSerialization.jsonObject(with: Data(e.json().utf8)) as? [String: Any])
        #expect((json["configurations"] as? [Any])?.count == 13)
    }

    @Test func isASubcommandOfExperiment() throws {
        let command = try TinycCommand.parseAsRoot(["experiment", "int16", Paths.digitsModel.path, "--calib", Self.calib])
        #expect(command is Int16Command)
    }

    @Test func badArgumentsAreClearErrors() throws {
        let model = Paths.digitsModel.path
        #expect(throws: (any Error).self) { try Int16Command.parse([model]) }  // --calib is required
        let int8Model = Paths.root.appendingPathComponent("Tests/Fixtures/tflite/models/digits_int8.tflite").path
        #expect(try failure([int8Model, "--calib", Self.calib])?.contains("already quantized") == true)
        #expect(try failure([model, "--calib", "/nonexistent/calib.npy"])?.contains("cannot read '/nonexistent/calib.npy'") == true)
        #expect(try failure([model, "--calib", Self.testY])?.contains("cannot be split into samples of 64 values") == true)
        // 360 labels for the 100 calibration inputs (no --data)
        #expect(try failure([model, "--calib", Self.calib, "--labels", Self.testY])?
            .contains("has 360 labels but the evaluation inputs") == true)
        #expect(try failure(["/tmp/model.onnx", "--calib", Self.calib])?.contains("unknown model format") == true)
    }
}
