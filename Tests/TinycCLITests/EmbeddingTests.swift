import Foundation
import Testing
import TinycReference
@testable import TinycCLI

/// A separate "user firmware" project (Examples/embedding: its own main.c and Makefile, plus the
/// startup code and linker script it took from Boards/) builds the digits model through the
/// output's tinyc.mk (and tinyc.cmake when cmake is installed) for netduinoplus2 and runs under QEMU.
@Suite(.serialized)
struct BoardTestsEmbedding {
    static let board = Board.netduinoplus2

    /// The project in a fresh directory with the model compiled into out/digits.
    static func project() throws -> (dir: URL, compiled: CompiledModel) {
        let dir = Paths.temporaryDirectory("user-firmware")
        let fm = FileManager.default
        let example = Paths.root.appendingPathComponent("Examples/embedding")
        for file in try fm.contentsOfDirectory(atPath: example.path) where file != "README.md" {
            try fm.copyItem(at: example.appendingPathComponent(file), to: dir.appendingPathComponent(file))
        }
        for file in ["common/startup.c", "common/semihosting.c", "common/sections.ld", "\(board.rawValue)/linker.ld"] {
            let from = Paths.root.appendingPathComponent("Boards/\(file)")
            try fm.copyItem(at: from, to: dir.appendingPathComponent(from.lastPathComponent))
        }
        var o = CompileOptions()
        o.board = board
        o.target = board.spec!.core
        o.calibration = Paths.digits.appendingPathComponent("calib.npy")
        let compiled = try Compiler.compile(Paths.digitsModel, options: o)
        try OutputWriter.write(compiled, modelFile: Paths.digitsModel, to: dir.appendingPathComponent("out/digits"))
        return (dir, compiled)
    }

    /// The line main.c prints for its fixed input, from the reference interpreter.
    static func expectedLine(_ compiled: CompiledModel) throws -> String {
        let input = (0..<64).map { Int8(truncatingIfNeeded: $0 * 37 + 11) }
        let output = try ReferenceInterpreter(compiled.graph).run(.s8(input)).int8 ?? []
        return "user-output: " + output.map(String.init).joined(separator: " ")
    }

    static func runUnderQEMU(_ elf: URL) throws -> String {
        let r = try Shell.run([Paths.root.appendingPathComponent("Scripts/run-qemu.sh").path, board.rawValue, elf.path, "30"])
        #expect(r.status == 0, "\(r.output)")
        return r.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func fragmentsListTheSourcesAndIncludes() throws {
        let (dir, _) = try Self.project()
        let out = dir.appendingPathComponent("out/digits")
        let mk = try String(contentsOf: out.appendingPathComponent("tinyc.mk"), encoding: .utf8)
        let cmake = try String(contentsOf: out.appendingPathComponent("tinyc.cmake"), encoding: .utf8)
        let runtime = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("runtime/src").path).filter { $0.hasSuffix(".c") }
        #expect(!runtime.isEmpty)
        for file in runtime + ["digits.c", "digits_weights.c"] {
            #expect(mk.contains("/\(file)"), "tinyc.mk lacks \(file)")
            #expect(cmake.contains("/\(file)\""), "tinyc.cmake lacks \(file)")
        }
        #expect(mk.contains("TINYC_CPU_FLAGS := $(TINYC_DIGITS_CPU_FLAGS)"))
        #expect(mk.contains("TINYC_DIGITS_CPU_FLAGS := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16"))
        #expect(cmake.contains("add_library(tinyc_digits STATIC"))
    }

    @Test(.enabled(if: haveTools(EndToEndTests.qemuTools), "needs make, arm-none-eabi-gcc and qemu-system-arm"))
    func userFirmwareBuildsWithTheMakeFragment() throws {
        let (dir, compiled) = try Self.project()
        let make = try Shell.run(["make", "-C", dir.path, "TINYC_OUT=\(dir.appendingPathComponent("out/digits").path)"])
        #expect(make.status == 0, "\(make.output.suffix(3000))")
        #expect(try Self.runUnderQEMU(dir.appendingPathComponent("build/firmware.elf")) == (try Self.expectedLine(compiled)))
    }

    /// Test threads run with signals blocked, which children inherit; cmake waits for its own
    /// children through SIGCHLD and would hang, so it starts with an empty mask (perl-base is
    /// essential in Debian).
    static let unblocked = ["perl", "-MPOSIX", "-e", "sigprocmask(SIG_SETMASK, POSIX::SigSet->new); exec @ARGV or die"]

    @Test(.enabled(if: haveTools(EndToEndTests.qemuTools + ["cmake", "perl"]), "needs cmake, perl, make, arm-none-eabi-gcc and qemu-system-arm"))
    func userFirmwareBuildsWithTheCMakeSnippet() throws {
        let (dir, compiled) = try Self.project()
        let build = dir.appendingPathComponent("build-cmake")
        let configure = try Shell.run(Self.unblocked + ["cmake", "-S", dir.path, "-B", build.path, "-DCMAKE_TOOLCHAIN_FILE=\(dir.appendingPathComponent("arm-none-eabi.cmake").path)",
                                       "-DTINYC_OUT=\(dir.appendingPathComponent("out/digits").path)"])
        #expect(configure.status == 0, "\(configure.output.suffix(3000))")
        let make = try Shell.run(Self.unblocked + ["cmake", "--build", build.path])
        #expect(make.status == 0, "\(make.output.suffix(3000))")
        #expect(try Self.runUnderQEMU(build.appendingPathComponent("firmware.elf")) == (try Self.expectedLine(compiled)))
    }
}
