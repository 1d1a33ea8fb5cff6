import Foundation
import Testing
@testable import TinycCLI

/// The board table (BoardSpec) against the board folders, `--board` budgets and their errors, the
/// firmware image check on synthetic ELF files, and the flashing commands. No toolchain needed.
struct BoardTests {
    static let boards = Paths.root.appendingPathComponent("Boards")

    /// MEMORY regions, `__tc_stack_reserve` and the named sections of a board's linker.ld.
    struct LinkerScript {
        var memories: [MemoryRegion] = []
        var stackReserve: Int?
        var sections: [PlacementSection] = []

        init(_ text: String) throws {
            func size(_ s: String) -> Int? {
                let suffix = s.last.map { "KM".contains($0) } == true ? s.last! : nil
                let digits = suffix == nil ? s : String(s.dropLast())
                let v = digits.hasPrefix("0x") ? Int(digits.dropFirst(2), radix: 16) : Int(digits)
                return v.map { $0 * (suffix == "K" ? 1024 : suffix == "M" ? 1 << 20 : 1) }
            }
            let region = try Regex(#"^\s*(\w+)\s*\([a-z]+\)\s*:\s*ORIGIN\s*=\s*(0x[0-9A-Fa-f]+)\s*,\s*LENGTH\s*=\s*(\w+)"#)
            let reserve = try Regex(#"^__tc_stack_reserve\s*=\s*(\d+)\s*;"#)
            let section = try Regex(#"^\s*(\.\w+)\s*(\(NOLOAD\))?\s*:.*>\s*(\w+)\s*$"#)
            for line in text.split(separator: "\n").map(String.init) {
                if let m = line.firstMatch(of: region), let name = m.output[1].substring, let o = m.output[2].substring,
                   let l = m.output[3].substring, let origin = UInt64(o.dropFirst(2), radix: 16), let length = size(String(l)) {
                    memories.append(MemoryRegion(String(name), origin, length))
                } else if let m = line.firstMatch(of: reserve), let v = m.output[1].substring {
                    stackReserve = Int(v)
                } else if let m = line.firstMatch(of: section), let name = m.output[1].substring, let r = m.output[3].substring {
                    sections.append(PlacementSection(name: String(name), region: String(r), use: m.output[2].substring == nil ? .weights : .arena))
                }
            }
        }
    }

    /// `VAR := value` of a board.mk.
    static func makeVariable(_ text: String, _ name: String) -> String? {
        text.split(separator: "\n").first { $0.hasPrefix("\(name) :=") }
            .map { $0.dropFirst(name.count + 3).trimmingCharacters(in: .whitespaces) }
    }

    @Test(arguments: Board.emulated)
    func linkerScriptEqualsTheTable(_ board: Board) throws {
        let spec = try #require(board.spec)
        let script = try LinkerScript(String(contentsOf: Self.boards.appendingPathComponent("\(board.rawValue)/linker.ld"), encoding: .utf8))
        #expect(script.memories == spec.memories)
        #expect(script.stackReserve == spec.stackReserve)
        #expect(script.sections == spec.sections)
    }

    @Test(arguments: Board.emulated)
    func boardMakefileEqualsTheTable(_ board: Board) throws {
        let spec = try #require(board.spec)
        let dir = Self.boards.appendingPathComponent(board.rawValue)
        let mk = try String(contentsOf: dir.appendingPathComponent("board.mk"), encoding: .utf8)
        #expect(Self.makeVariable(mk, "CPU_FLAGS") == spec.core.cpuFlags)
        #expect(Self.makeVariable(mk, "QEMU_MACHINE") == spec.qemuMachine)
        #expect(Self.makeVariable(mk, "TC_FEATURES") == (spec.core.hasDSP ? "dsp" : ""))
        let readme = try String(contentsOf: dir.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains(spec.qemuMachine) && readme.contains(spec.core.rawValue.replacingOccurrences(of: "cortex-m", with: "Cortex-M")))
    }

    @Test func everyBoardFolderIsInTheTable() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.boards.path)
            .filter { !["common", "tests", "host"].contains($0) && !$0.hasSuffix(".md") }
        #expect(Set(folders) == Set(Board.emulated.map(\.rawValue)))
        #expect(Set(Target.allCases.map(\.board)).isSubset(of: Set(Board.emulated)))
    }

    // MARK: --board budgets

    func digits(_ board: Board?, configure: (inout CompileOptions) -> Void = { _ in }) throws -> CompiledModel {
        var o = CompileOptions()
        o.calibration = Paths.digits.appendingPathComponent("calib.npy")
        o.board = board
        if let core = board?.spec?.core { o.target = core }
        configure(&o)
        return try Compiler.compile(Paths.digitsModel, options: o)
    }

    @Test func boardSetsTheTargetKernelsAndBudgets() throws {
        let m0 = try digits(.microbit)
        #expect(m0.budget == 16384 - 1024 - 512)
        #expect(m0.report.board == "microbit")
        #expect(m0.report.layers.allSatisfy { $0.kernel.map { !$0.hasSuffix("_dsp") } ?? true })
        let m55 = try digits(.mps3An547)
        #expect(m55.budget == 4 * 1024 * 1024 - 1536 - 512)
        #expect(m55.report.layers.contains { $0.kernel?.hasSuffix("_dsp") == true })
        let psram = try digits(.mps2An386) { $0.arenaSection = ".psram" }
        #expect(psram.budget == 16 * 1024 * 1024, "the arena alone gets the PSRAM")
    }

    @Test func sramAndFlashOnlyTightenTheBoard() throws {
        #expect(try digits(.microbit) { $0.sram = 4096 }.budget == 4096)
        #expect(throws: CLIError("--sram 65536 bytes is more than board microbit has for the model: SRAM 16384 bytes at 0x20000000 - 1536 reserved for the stack and runner = 14848 bytes for the arena", exitCode: 2)) {
            try digits(.microbit) { $0.sram = 65536 }
        }
        #expect(throws: CLIError("--flash 300000 bytes is more than board microbit has for the weights: flash 262144 bytes at 0x0 - 65536 reserved for code = 196608 bytes for the weights", exitCode: 2)) {
            try digits(.microbit) { $0.flash = 300_000 }
        }
    }

    @Test func targetAndSectionsMustFitTheBoard() throws {
        let mismatch = #expect(throws: CLIError.self) { try digits(.microbit) { $0.target = .cortexM4 } }
        #expect(mismatch?.description.contains("does not match board microbit, a cortex-m0") == true)
        let unknown = #expect(throws: CLIError.self) { try digits(.netduinoplus2) { $0.weightsSection = ".qspi" } }
        #expect(unknown?.description.contains("has no such section for the weights (it has: none)") == true)
        let wrongUse = #expect(throws: CLIError.self) { try digits(.mps3An547) { $0.arenaSection = ".qspi" } }
        #expect(wrongUse?.description.contains("(it has: .dtcm (DTCM))") == true)
        let same = #expect(throws: CLIError.self) { try digits(nil) { $0.weightsSection = ".x"; $0.arenaSection = ".x" } }
        #expect(same?.exitCode == 2)
        let bad = #expect(throws: CLIError.self) { try digits(nil) { $0.arenaSection = "a\"b" } }
        #expect(bad?.description.contains("is not a section name") == true)
        // without --board any section name is the user's linker script's business
        #expect(try digits(nil) { $0.weightsSection = ".my_flash" }.weightsSection == ".my_flash")
    }

    /// The micro:bit's 16 KiB: pretrainedResnet cannot fit even patch by patch; the error gives the
    /// numbers and the board's limits.
    @Test func aModelTooLargeForTheBoardFailsWithItsLimits() throws {
        var o = CompileOptions()
        o.board = .microbit
        o.target = .cortexM0
        let e = #expect(throws: CLIError.self) {
            try Compiler.compile(Paths.mlperfTiny.appendingPathComponent("pretrainedResnet_quant.tflite"), options: o)
        }
        let message = e?.description ?? ""
        #expect(message.contains("needs more SRAM than --sram 14848 bytes: layer by layer needs 32768 bytes"))
        #expect(message.contains("the smallest peak any plan reaches is"))
        #expect(message.contains("board microbit limits: SRAM 16384 bytes at 0x20000000 - 1536 reserved for the stack and runner = 14848 bytes for the arena"))
    }

    @Test func weightsTooLargeForTheBoardFailWithItsLimits() throws {
        var o = CompileOptions()
        o.board = .microbit
        o.target = .cortexM0
        o.weightPrecision = .int8  // as is: no int4 layers to make it fit
        let e = #expect(throws: CLIError.self) {
            try Compiler.compile(Paths.mlperfTiny.appendingPathComponent("ad01_int8.tflite"), options: o)
        }
        #expect(e?.description.contains("weights need 270880 bytes of flash, more than --flash 196608 bytes") == true)
        #expect(e?.description.contains("flash 262144 bytes at 0x0 - 65536 reserved for code = 196608 bytes for the weights") == true)
    }

    @Test func runDefaultsToTheCompiledBoard() throws {
        let dir = Paths.temporaryDirectory("board-default")
        try OutputWriter.write(try digits(.microbit), modelFile: Paths.digitsModel, to: dir)
        #expect(RunCommand.defaultBoard(dir) == .microbit)
        try OutputWriter.write(try digits(nil) { $0.target = .cortexM7 }, modelFile: Paths.digitsModel, to: dir)
        #expect(RunCommand.defaultBoard(dir) == .mps2An500)
    }

    // MARK: image check on synthetic ELF files

    /// A 32-bit Arm ELF with one PT_LOAD per (vaddr, paddr, contents, memsz) segment.
    static func elf(entry: UInt32, _ segments: [(vaddr: UInt32, paddr: UInt32, bytes: [UInt8], memSize: Int)]) throws -> ElfImage {
        func le(_ v: UInt32, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }
        var header: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 1, 1, 1] + [UInt8](repeating: 0, count: 9)
        header += le(2, 2) + le(40, 2) + le(1, 4) + le(entry, 4) + le(52, 4) + le(0, 4) + le(0x0500_0400, 4)
        header += le(52, 2) + le(32, 2) + le(UInt32(segments.count), 2) + le(40, 2) + le(0, 2) + le(0, 2)
        var offset = 52 + 32 * segments.count
        var table: [UInt8] = [], data: [UInt8] = []
        for s in segments {
            table += le(1, 4) + le(UInt32(offset), 4) + le(s.vaddr, 4) + le(s.paddr, 4)
            table += le(UInt32(s.bytes.count), 4) + le(UInt32(s.memSize), 4) + le(5, 4) + le(4, 4)
            data += s.bytes
            offset += s.bytes.count
        }
        return try ElfImage(bytes: header + table + data, name: "test.elf")
    }

    static func vectors(_ sp: UInt32, _ reset: UInt32) -> [UInt8] {
        [sp, reset].flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } } + [UInt8](repeating: 0, count: 56)
    }

    @Test func imageCheckAcceptsABootableImage() throws {
        let spec = try #require(Board.netduinoplus2.spec)
        let image = try Self.elf(entry: 0x0800_0101, [
            (0x0800_0000, 0x0800_0000, Self.vectors(0x2002_0000, 0x0800_0101), 64),
            (0x2000_0000, 0x0800_0040, [1, 2, 3, 4], 1000),
        ])
        let check = try ImageCheck.verify(image, spec, name: "test.elf")
        #expect(check.initialSP == 0x2002_0000 && check.resetHandler == 0x0800_0101)
        #expect(check.loaded == ["FLASH": 68])
        #expect(check.used == ["SRAM": 1000])
    }

    @Test(arguments: [
        ("initial stack pointer 0x30000000 is not", 0x3000_0000 as UInt32, 0x0800_0101 as UInt32, 100),
        ("initial stack pointer 0x20001ffe is not an 8-byte aligned", 0x2000_1FFE, 0x0800_0101, 100),
        ("reset handler 0x8000100 is not a Thumb address", 0x2002_0000, 0x0800_0100, 100),
        ("reset handler 0x101 is not a Thumb address (odd) inside FLASH", 0x2002_0000, 0x0000_0101, 100),
        ("leaving less than the 1536-byte stack reserve", 0x2002_0000, 0x0800_0101, 131_000),
    ])
    func imageCheckRejects(_ message: String, _ sp: UInt32, _ reset: UInt32, _ sram: Int) throws {
        let spec = try #require(Board.netduinoplus2.spec)
        let image = try Self.elf(entry: reset & ~1, [
            (0x0800_0000, 0x0800_0000, Self.vectors(sp, reset), 64), (0x2000_0000, 0x0800_0040, [], sram),
        ])
        let e = #expect(throws: CLIError.self) { try ImageCheck.verify(image, spec, name: "test.elf") }
        #expect(e?.description.contains(message) == true, "\(e?.description ?? "")")
    }

    @Test func imageCheckRejectsAnImageForAnotherBoard() throws {
        // linked for mps2-an386 (flash at 0x0): nothing loads at the netduino's flash origin
        let image = try Self.elf(entry: 0x100, [(0x0, 0x0, Self.vectors(0x2040_0000, 0x101), 64)])
        let e = #expect(throws: CLIError.self) { try ImageCheck.verify(image, Board.netduinoplus2.spec!, name: "test.elf") }
        #expect(e?.description.contains("64 bytes load at 0x0, outside its loadable memory (FLASH 0x8000000-0x8100000)") == true)
    }

    // MARK: flashing commands

    static func image(_ board: Board) -> FirmwareImage {
        let dir = URL(fileURLWithPath: "/out/build/\(board.rawValue)")
        return FirmwareImage(board: board, elf: dir.appendingPathComponent("firmware.elf"), bin: dir.appendingPathComponent("firmware.bin"),
                             hex: dir.appendingPathComponent("firmware.hex"), extraBins: [], flashOrigin: board.spec!.flash.origin,
                             check: ImageCheck(initialSP: 0, resetHandler: 0, loaded: [:], used: [:]))
    }

    @Test func dryRunWithoutToolsPrintsEveryCommandInPreferenceOrder() throws {
        let plan = try FlashCommand.plan(Self.image(.netduinoplus2), tool: nil, dryRun: true, installed: { _ in false })
        #expect(plan.command == nil)
        #expect(plan.lines == [
            "no flashing tool installed (looked for st-flash, openocd, pyocd, dfu-util); the command each would run:",
            "  st-flash --reset write /out/build/netduinoplus2/firmware.bin 0x08000000",
            "  openocd -f interface/stlink.cfg -f target/stm32f4x.cfg -c 'program {/out/build/netduinoplus2/firmware.elf} verify reset exit'",
            "  pyocd flash --target stm32f405rg /out/build/netduinoplus2/firmware.hex",
            "  dfu-util --alt 0 --dfuse-address 0x08000000:leave --download /out/build/netduinoplus2/firmware.bin",
        ])
    }

    @Test func theFirstInstalledToolIsChosen() throws {
        let plan = try FlashCommand.plan(Self.image(.microbit), tool: nil, dryRun: false, installed: { $0 == "openocd" })
        #expect(plan.command == ["openocd", "-f", "interface/cmsis-dap.cfg", "-f", "target/nrf51.cfg", "-c",
                                 "program {/out/build/microbit/firmware.elf} verify reset exit"])
        let forced = try FlashCommand.plan(Self.image(.microbit), tool: "pyocd", dryRun: true, installed: { _ in false })
        #expect(forced.lines == ["flash: pyocd flash --target nrf51 /out/build/microbit/firmware.hex"])
    }

    @Test func noToolIsAClearError() throws {
        #expect(throws: CLIError("""
            no flashing tool for board microbit on PATH: looked for pyocd, openocd (in that order). Install one (apt install \
            stlink-tools or openocd, or pip install pyocd), or pass --dry-run to print the commands
            """, exitCode: 4)) {
            try FlashCommand.plan(Self.image(.microbit), tool: nil, dryRun: false, installed: { _ in false })
        }
        let mps = #expect(throws: CLIError.self) { try FlashCommand.plan(Self.image(.mps2An386), tool: nil, dryRun: true, installed: { _ in true }) }
        #expect(mps?.description.contains("board mps2-an386 has no flashing tool: the MPS2+/MPS3 FPGA boards have no flash to program") == true)
        let wrong = #expect(throws: CLIError.self) { try FlashCommand.plan(Self.image(.microbit), tool: "st-flash", dryRun: true, installed: { _ in true }) }
        #expect(wrong?.description == "--tool st-flash does not fit board microbit (its tools: pyocd, openocd)")
    }
}
