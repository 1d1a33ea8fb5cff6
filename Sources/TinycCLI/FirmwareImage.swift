import Foundation
import TinycIR

/// The firmware of `tinyc build` and `tinyc flash`: firmware.elf built by make (the same runner
/// `tinyc run` uses), converted by objcopy to a raw image of the flash (.bin) and Intel HEX (.hex),
/// and checked against the board's memory map from the Swift table (`ImageCheck`).
public struct FirmwareImage {
    public var board: Board
    public var elf: URL
    /// The bytes loaded into FLASH, from its origin (what st-flash and dfu-util write).
    public var bin: URL
    /// Every loaded byte with its address, FLASH and any other region (e.g. .qspi weights).
    public var hex: URL
    /// Raw images of the other loaded regions the firmware uses, e.g. firmware.qspi.bin.
    public var extraBins: [URL]
    public var flashOrigin: UInt64
    public var check: ImageCheck

    /// Builds the firmware for the compiled model in `directory` with `inputs` embedded.
    static func build(directory: URL, graph: Graph, board: Board, inputs: [[Int8]], root: URL) throws(CLIError) -> FirmwareImage {
        guard let spec = board.spec else {
            throw CLIError("--board host builds a native executable (tinyc run --board host); tinyc build needs a Cortex-M board", exitCode: 2)
        }
        let buildDir = try FirmwareRunner(directory: directory, graph: graph, board: board, root: root).build(inputs)
        return try convert(elf: buildDir.appendingPathComponent("firmware.elf"), spec: spec)
    }

    /// Writes the .bin and .hex beside `elf` and checks the image.
    public static func convert(elf: URL, spec: BoardSpec) throws(CLIError) -> FirmwareImage {
        let objcopy = "arm-none-eabi-objcopy"
        let dir = elf.deletingLastPathComponent()
        let bin = dir.appendingPathComponent("firmware.bin"), hex = dir.appendingPathComponent("firmware.hex")
        let others = spec.sections.flatMap { ["-R", $0.name] }
        try run([objcopy, "-O", "binary"] + others + [elf.path, bin.path])
        try run([objcopy, "-O", "ihex", elf.path, hex.path])
        var extra: [URL] = []
        for s in spec.sections where s.use == .weights {
            let url = dir.appendingPathComponent("firmware\(s.name).bin")
            try run([objcopy, "-O", "binary", "-j", s.name, elf.path, url.path])
            let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
            if size > 0 { extra.append(url) } else { try? FileManager.default.removeItem(at: url) }
        }
        let check = try ImageCheck.verify(try ElfImage(contentsOf: elf), spec, name: elf.lastPathComponent)
        return FirmwareImage(board: spec.board, elf: elf, bin: bin, hex: hex, extraBins: extra, flashOrigin: spec.flash.origin, check: check)
    }

    private static func run(_ args: [String]) throws(CLIError) {
        let r = try Shell.run(args)
        guard r.status == 0 else { throw CLIError("\(args[0]) failed:\n\(r.output.suffix(2000))", exitCode: 4) }
    }
}

/// What an image must satisfy to boot on its board, checked from the ELF against `BoardSpec`
/// (not against the linker script that produced it): the vector table at the flash origin holds
/// an initial stack pointer inside SRAM and a Thumb reset handler inside flash; every segment
/// loads into a loadable region and runs inside a region of the board; SRAM leaves the stack reserve.
public struct ImageCheck: Equatable, Sendable {
    public var initialSP: UInt32
    public var resetHandler: UInt32
    /// Bytes the image loads into each region (FLASH, QSPI, ...).
    public var loaded: [String: Int]
    /// Bytes used at run time in each writable region (.data + .bss in SRAM, the arena in DTCM, ...).
    public var used: [String: Int]

    public static func verify(_ elf: ElfImage, _ spec: BoardSpec, name: String) throws(CLIError) -> ImageCheck {
        let board = spec.board.rawValue
        func fail(_ what: String) -> CLIError { CLIError("\(name) for \(board): \(what)", exitCode: 4) }
        func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
        func describe(_ r: MemoryRegion) -> String { "\(r.name) \(hex(r.origin))-\(hex(r.end))" }
        let loadable = [spec.flash] + spec.sections.filter { $0.use == .weights }.compactMap { spec.region($0.region) }
        var loaded: [String: Int] = [:], used: [String: Int] = [:]
        for s in elf.segments {
            if s.fileSize > 0 {
                guard let r = loadable.first(where: { $0.contains(s.paddr, size: s.fileSize) }) else {
                    throw fail("\(s.fileSize) bytes load at \(hex(s.paddr)), outside its loadable memory (\(loadable.map(describe).joined(separator: ", ")))")
                }
                loaded[r.name, default: 0] += s.fileSize
            }
            guard s.memSize > 0 else { continue }
            guard let r = spec.memories.first(where: { $0.contains(s.vaddr, size: s.memSize) }) else {
                throw fail("\(s.memSize) bytes run at \(hex(s.vaddr)), outside its memory (\(spec.memories.map(describe).joined(separator: ", ")))")
            }
            if s.vaddr != s.paddr || s.fileSize == 0 { used[r.name, default: 0] += s.memSize }
        }
        guard let sp = elf.word(atLoadAddress: spec.flash.origin), let reset = elf.word(atLoadAddress: spec.flash.origin + 4) else {
            throw fail("no vector table at the flash origin \(hex(spec.flash.origin))")
        }
        guard UInt64(sp) > spec.sram.origin, UInt64(sp) <= spec.sram.end, sp % 8 == 0 else {
            throw fail("initial stack pointer \(hex(UInt64(sp))) is not an 8-byte aligned address inside \(describe(spec.sram))")
        }
        guard reset & 1 == 1, spec.flash.contains(UInt64(reset & ~1), size: 2) else {
            throw fail("reset handler \(hex(UInt64(reset))) is not a Thumb address (odd) inside \(describe(spec.flash))")
        }
        guard UInt64(reset) == elf.entry | 1 else {
            throw fail("reset vector \(hex(UInt64(reset))) is not the ELF entry point \(hex(elf.entry))")
        }
        let sram = used[spec.sram.name, default: 0]
        guard sram + spec.stackReserve <= spec.sram.length else {
            throw fail(".data + .bss take \(sram) of \(spec.sram.length) bytes of SRAM, leaving less than the \(spec.stackReserve)-byte stack reserve")
        }
        return ImageCheck(initialSP: sp, resetHandler: reset, loaded: loaded, used: used)
    }

    /// One line per region and the vector table, for `tinyc build`.
    public func summary(_ spec: BoardSpec) -> String {
        func hex(_ v: UInt32) -> String { String(format: "0x%08x", v) }
        var lines: [String] = []
        for r in spec.memories {
            let l = loaded[r.name] ?? 0, u = used[r.name] ?? 0
            if l == 0 && u == 0 { continue }
            let bytes = l > 0 ? "\(l) bytes loaded" : "\(u) bytes used"
            let percent = String(format: "%.1f%%", Double(max(l, u)) * 100 / Double(r.length))
            lines.append("  \(r.name): \(bytes) of \(r.length) (\(percent))\(r.name == "SRAM" ? " + \(spec.stackReserve) stack reserve" : "")")
        }
        lines.append("  vector table: initial SP \(hex(initialSP)) (in SRAM), reset handler \(hex(resetHandler)) (Thumb, in FLASH)")
        return lines.joined(separator: "\n")
    }
}
