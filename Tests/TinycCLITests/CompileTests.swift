import Foundation
import Testing
@testable import TinycCLI

/// `tinyc compile` as a library: options, budgets, report and output directory.
struct CompileTests {
    func digitsOptions(sram: Int? = 32 * 1024) -> CompileOptions {
        var o = CompileOptions()
        o.sram = sram
        o.calibration = Paths.digits.appendingPathComponent("calib.npy")
        return o
    }

    @Test(arguments: [
        ("32k", 32768), ("32K", 32768), ("32KiB", 32768), ("32kb", 32768), ("1m", 1 << 20), ("1MiB", 1 << 20),
        ("20000", 20000), ("0x8000", 32768),
    ])
    func parsesSizes(_ text: String, _ bytes: Int) {
        #expect(ByteSize.parse(text) == bytes)
    }

    @Test(arguments: ["", "k", "-1k", "32q", "0", "1.5k", "99999999999999999999m"])
    func rejectsBadSizes(_ text: String) {
        #expect(ByteSize.parse(text) == nil)
    }

    @Test func namesUnknownTargets() {
        #expect(throws: CLIError("unknown target 'cortex-m99' (known: cortex-m4, cortex-m0, cortex-m0plus, cortex-m3, cortex-m7, cortex-m33, cortex-m55)", exitCode: 2)) {
            try Target.parse("cortex-m99")
        }
        #expect(Target.allCases.allSatisfy { (try? Target.parse($0.rawValue)) == $0 })
    }

    @Test func compilesTheDigitsExampleWithinBudget() throws {
        let compiled = try Compiler.compile(Paths.digitsModel, options: digitsOptions())
        let r = compiled.report
        #expect(r.peakSRAMBytes <= 32 * 1024)
        #expect(r.peakSRAMBytes == r.arenaBytes + r.scratchBytes)
        #expect(r.arenaBytes >= r.lowerBoundBytes)
        #expect(r.layers.count == compiled.graph.nodes.count)
        #expect(r.layers.contains { $0.op == "conv2d" && $0.precision == "int8 x int8" })
        #expect(r.macs == 31904)
        #expect(!compiled.graph.nodes.contains { $0.op.name == "batch_norm" || $0.op.name == "relu" })
        let e = try #require(r.quantizationError)
        #expect(e.top1Agreement > 0.95)
    }

    @Test func reportJSONHasTheDocumentedKeys() throws {
        let r = try Compiler.compile(Paths.digitsModel, options: digitsOptions()).report
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.json().utf8)) as? [String: Any])
        for key in ["peak_sram_bytes", "arena_bytes", "scratch_bytes", "weight_bytes", "params", "macs", "layers"] {
            #expect(object[key] != nil, "report.json lacks \(key)")
        }
        let layers = try #require(object["layers"] as? [[String: Any]])
        for key in ["name", "op", "macs", "weight_bytes", "live_bytes", "precision"] {
            #expect(layers.allSatisfy { $0[key] != nil }, "a layer lacks \(key)")
        }
    }

    @Test func failsWithTheNumbersWhenTheBudgetIsTooSmallLayerByLayer() throws {
        var options = digitsOptions(sram: 1000)
        options.patch = .off
        do {
            _ = try Compiler.compile(Paths.digitsModel, options: options)
            Issue.record("expected a budget error")
        } catch {
            let peak = try Compiler.compile(Paths.digitsModel, options: digitsOptions(sram: nil)).report
            #expect(error.description.contains("does not fit --sram 1000 bytes"))
            #expect(error.description.contains("needs \(peak.peakSRAMBytes) bytes"))
            #expect(error.description.contains("at layer '"))
            #expect(error.description.contains("\(peak.lowerBoundBytes) bytes"))
            #expect(error.description.contains("use --patch auto"))
            #expect(error.exitCode == 1)
        }
    }

    @Test func failsWithTheSmallestReachablePeakWhenNoPatchPlanFits() throws {
        do {
            _ = try Compiler.compile(Paths.digitsModel, options: digitsOptions(sram: 100))
            Issue.record("expected a budget error")
        } catch {
            let peak = try Compiler.compile(Paths.digitsModel, options: digitsOptions(sram: nil)).report
            #expect(error.description.contains("needs more SRAM than --sram 100 bytes"))
            #expect(error.description.contains("layer by layer needs \(peak.peakSRAMBytes) bytes"))
            #expect(error.description.contains("the smallest peak any plan reaches is"))
            #expect(error.exitCode == 1)
        }
    }

    @Test func failsWhenWeightsExceedTheFlashBudget() throws {
        var o = digitsOptions()
        o.flash = 1000
        o.weightPrecision = .int8  // int8 only: 1,720 bytes cannot fit
        let error = #expect(throws: CLIError.self) { try Compiler.compile(Paths.digitsModel, options: o) }
        #expect(error?.description.contains("weights need 1720 bytes of flash, more than --flash 1000") == true, "\(error?.description ?? "")")
        // the default (auto) lowers layers to int4 / ternary until they fit
        o.weightPrecision = .auto
        let r = try Compiler.compile(Paths.digitsModel, options: o).report
        #expect(r.weightBytes <= 1000 && r.precisionSearch != nil)
    }

    @Test func floatModelsNeedCalibration() {
        do {
            _ = try Compiler.compile(Paths.digitsModel, options: CompileOptions())
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("--calib"))
        }
    }

    @Test func calibrationMustMatchTheInput() throws {
        let dir = Paths.temporaryDirectory("calib")
        let bad = dir.appendingPathComponent("bad.npy")
        try Data(Npy.header(dtype: "<f4", shape: [3, 5]) + [UInt8](repeating: 0, count: 60)).write(to: bad)
        var o = CompileOptions()
        o.calibration = bad
        #expect(throws: CLIError.self) { try Compiler.compile(Paths.digitsModel, options: o) }
    }

    @Test func outputIsDeterministic() throws {
        let compiled = try Compiler.compile(Paths.digitsModel, options: digitsOptions())
        let a = Paths.temporaryDirectory("det-a"), b = Paths.temporaryDirectory("det-b")
        try OutputWriter.write(compiled, modelFile: Paths.digitsModel, to: a)
        try OutputWriter.write(try Compiler.compile(Paths.digitsModel, options: digitsOptions()), modelFile: Paths.digitsModel, to: b)
        let files = try FileManager.default.contentsOfDirectory(atPath: a.path).filter { !$0.hasPrefix("runtime") }.sorted()
        #expect(files.contains("digits.c") && files.contains("Makefile") && files.contains("report.json") && files.contains("model.json"))
        for f in files {
            let x = try Data(contentsOf: a.appendingPathComponent(f)), y = try Data(contentsOf: b.appendingPathComponent(f))
            #expect(x == y, "\(f) differs between two compiles")
        }
    }
}
