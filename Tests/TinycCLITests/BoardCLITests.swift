import Foundation
import Testing

/// `tinyc compile --board`, `tinyc build` and `tinyc flash` as a user runs them; flashing runs a
/// stand-in `st-flash` placed first on PATH, which records the arguments it was given.
struct BoardTestsCLI {
    static let built = FileManager.default.isExecutableFile(atPath: Paths.tinycBinary.path)
    static let canBuild = built && Paths.haveTools(["make", "arm-none-eabi-gcc", "arm-none-eabi-objcopy"])

    func tinyc(_ args: [String], path: String? = nil) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = Paths.tinycBinary
        p.arguments = args
        if let path { p.environment = ProcessInfo.processInfo.environment.merging(["PATH": path]) { $1 } }
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func compileDigits(_ extra: [String]) throws -> (dir: URL, status: Int32, output: String) {
        let dir = Paths.temporaryDirectory("cli-board")
        let r = try tinyc(["compile", Paths.digitsModel.path, "--calib", Paths.digits.appendingPathComponent("calib.npy").path,
                           "-o", dir.path] + extra)
        return (dir, r.status, r.output)
    }

    @Test(.enabled(if: built, "the tinyc executable is not built (swift build)"))
    func boardBudgetsAndErrorsOnTheCommandLine() throws {
        let tooBig = try compileDigits(["--board", "microbit", "--sram", "64k"])
        #expect(tooBig.status == 2)
        #expect(tooBig.output.contains("--sram 65536 bytes is more than board microbit has for the model"))
        let mismatch = try compileDigits(["--board", "microbit", "--target", "cortex-m4"])
        #expect(mismatch.status == 2)
        let resnet = try tinyc(["compile", Paths.mlperfTiny.appendingPathComponent("pretrainedResnet_quant.tflite").path, "--board", "microbit",
                                "-o", Paths.temporaryDirectory("cli-resnet").path])
        #expect(resnet.status == 1)
        #expect(resnet.output.contains("board microbit limits: SRAM 16384 bytes at 0x20000000"))
        let ok = try compileDigits(["--board", "microbit"])
        #expect(ok.status == 0)
        #expect(ok.output.contains("target cortex-m0"))
    }

    @Test(.enabled(if: canBuild, "needs the tinyc executable, make and arm-none-eabi-gcc/objcopy"))
    func buildThenFlashRunsTheToolFound() throws {
        let compiled = try compileDigits(["--board", "netduinoplus2"])
        #expect(compiled.status == 0)
        let build = try tinyc(["build", compiled.dir.path])
        #expect(build.status == 0, "\(build.output)")
        #expect(build.output.contains("board netduinoplus2 (cortex-m4): image checked against the board's memory map"))
        #expect(build.output.contains("vector table: initial SP 0x20020000 (in SRAM)"))
        let image = compiled.dir.appendingPathComponent("build/netduinoplus2")
        for ext in ["elf", "bin", "hex"] {
            #expect(FileManager.default.fileExists(atPath: image.appendingPathComponent("firmware.\(ext)").path))
        }

        // a stand-in st-flash, first on PATH; the real tools are hidden behind it
        let bin = Paths.temporaryDirectory("fake-tools")
        let log = bin.appendingPathComponent("st-flash.args")
        let script = bin.appendingPathComponent("st-flash")
        try "#!/bin/sh\nprintf '%s\\n' \"$@\" > '\(log.path)'\n".write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        let path = bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "")

        let dry = try tinyc(["flash", compiled.dir.path, "--dry-run"], path: path)
        #expect(dry.status == 0, "\(dry.output)")
        #expect(dry.output.contains("flash: st-flash --reset write \(image.path)/firmware.bin 0x08000000"))
        #expect(!FileManager.default.fileExists(atPath: log.path), "--dry-run ran the tool")

        let flash = try tinyc(["flash", compiled.dir.path], path: path)
        #expect(flash.status == 0, "\(flash.output)")
        let args = try String(contentsOf: log, encoding: .utf8)
        #expect(args == "--reset\nwrite\n\(image.path)/firmware.bin\n0x08000000\n")
    }
}
