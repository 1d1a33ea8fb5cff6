import Foundation
import Testing

/// The `tinyc` executable as a user runs it: exit codes and messages for bad input.
struct CommandLineTests {
    struct Outcome {
        var status: Int32
        var output: String
    }

    func tinyc(_ args: [String]) throws -> Outcome {
        let p = Process()
        p.executableURL = Paths.tinycBinary
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Outcome(status: p.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    static let built = FileManager.default.isExecutableFile(atPath: Paths.tinycBinary.path)

    @Test(.enabled(if: built, "the tinyc executable is not built (swift build)"))
    func missingModelFileIsAClearError() throws {
        let r = try tinyc(["compile", "/nonexistent/net.json", "-o", Paths.temporaryDirectory("cli").path])
        #expect(r.status == 1)
        #expect(r.output.contains("tinyc: error: /nonexistent/net.json: cannot read the file"))
    }

    @Test(.enabled(if: built, "the tinyc executable is not built (swift build)"))
    func badSizeAndUnsupportedTargetAreUsageErrors() throws {
        let model = Paths.digitsModel.path
        let r1 = try tinyc(["compile", model, "--sram", "lots"])
        #expect(r1.status == 2)
        #expect(r1.output.contains("--sram: cannot read 'lots' as a size"))
        let r2 = try tinyc(["compile", model, "--target", "cortex-m99"])
        #expect(r2.status == 2)
        #expect(r2.output.contains("unknown target 'cortex-m99'"))
    }

    @Test(.enabled(if: built, "the tinyc executable is not built (swift build)"))
    func budgetTooSmallExitsNonZeroWithTheNumbers() throws {
        let r = try tinyc(["compile", Paths.digitsModel.path, "--calib", Paths.digits.appendingPathComponent("calib.npy").path,
                           "--sram", "100", "-o", Paths.temporaryDirectory("cli").path])
        #expect(r.status == 1)
        #expect(r.output.contains("needs more SRAM than --sram 100 bytes"))
    }

    @Test(.enabled(if: built, "the tinyc executable is not built (swift build)"))
    func runRejectsADirectoryThatIsNotAnOutput() throws {
        let r = try tinyc(["run", Paths.temporaryDirectory("empty").path])
        #expect(r.status == 1)
        #expect(r.output.contains("is not a tinyc output directory"))
    }

    @Test(.enabled(if: built, "the tinyc executable is not built (swift build)"))
    func inspectPrintsTheGraphAndProfile() throws {
        let r = try tinyc(["inspect", Paths.digitsModel.path])
        #expect(r.status == 0)
        #expect(r.output.contains("batch_norm"))
        #expect(r.output.contains("peak SRAM"))
    }
}
