/// What tinyc knows about each board: its core, its memories, the named sections its linker script
/// places, the QEMU machine and how to flash the real board. This is the one Swift table of board
/// facts; `BoardTests` parses every `Boards/<board>/linker.ld` and checks it equals this table.
public struct BoardSpec: Sendable {
    public var board: Board
    /// The core, which `--board` alone makes the compile target.
    public var core: Target
    /// `qemu-system-arm -M` machine.
    public var qemuMachine: String
    /// Every MEMORY region of the linker script; FLASH and SRAM always exist.
    public var memories: [MemoryRegion]
    /// Named sections for `--weights-section` / `--arena-section`.
    public var sections: [PlacementSection]
    /// Flashing tools in order of preference (empty: the board is loaded another way, `loadNote`).
    public var flashTools: [FlashTool]
    /// The real board this folder corresponds to.
    public var hardware: String
    /// How the board gets its image when no flashing tool applies.
    public var loadNote: String?

    public var flash: MemoryRegion { memories.first { $0.name == "FLASH" }! }
    public var sram: MemoryRegion { memories.first { $0.name == "SRAM" }! }
    public func region(_ name: String) -> MemoryRegion? { memories.first { $0.name == name } }
    public func section(_ name: String) -> PlacementSection? { sections.first { $0.name == name } }

    /// Stack kept free above .bss: `__tc_stack_reserve` in the board's linker.ld, which fails the
    /// link when .data + .bss leave less. Measured high-water marks of the runner, startup and
    /// kernels: up to 700 bytes with the `_ref` kernels, up to 1080 with the `_dsp` ones (docs/boards.md).
    public var stackReserve: Int { core.hasDSP ? 1536 : 1024 }
    /// SRAM for the .data/.bss that is not the arena: the runner's line and output buffers
    /// (about 270 bytes), or a user firmware's own globals.
    public static let runnerReserve = 512
    /// SRAM kept out of the model's budget.
    public var sramReserve: Int { stackReserve + Self.runnerReserve }
    /// Flash kept out of the weights' budget for the code: startup, runner, the runtime kernels a
    /// model links and its per-layer constants (10 KiB for digits on Cortex-M0, 53 KiB for
    /// vww_96_int8 on Cortex-M4). The linker checks the real total at `tinyc build`.
    public static let flashReserve = 64 * 1024

    /// Peak SRAM the model may use: the arena in SRAM, or the whole region of `--arena-section`.
    public func sramBudget(arenaSection: String? = nil) -> Int {
        if let s = arenaSection.flatMap(section), let r = region(s.region) { return r.length }
        return sram.length - sramReserve
    }

    /// Flash the weights may use: FLASH minus the code reserve, or the whole `--weights-section` region.
    public func weightBudget(weightsSection: String? = nil) -> Int {
        if let s = weightsSection.flatMap(section), let r = region(s.region) { return r.length }
        return flash.length - Self.flashReserve
    }
}

/// A MEMORY region of a linker script.
public struct MemoryRegion: Sendable, Equatable {
    public var name: String
    public var origin: UInt64
    public var length: Int
    public var end: UInt64 { origin + UInt64(length) }

    public init(_ name: String, _ origin: UInt64, _ length: Int) {
        self.name = name
        self.origin = origin
        self.length = length
    }

    /// True if `[address, address + size)` lies inside the region.
    public func contains(_ address: UInt64, size: Int = 1) -> Bool {
        address >= origin && address + UInt64(max(size, 0)) <= end
    }
}

/// A named output section in an extra region: the weights (`const` data, loaded with the image)
/// or the arena (NOLOAD: neither loaded nor zeroed; the model writes it before reading).
public struct PlacementSection: Sendable, Equatable {
    public enum Use: String, Sendable { case weights, arena }
    public var name: String
    public var region: String
    public var use: Use
}

private let KiB = 1024, MiB = 1024 * 1024

extension Board {
    /// The board's facts; nil for `host`.
    public var spec: BoardSpec? {
        switch self {
        case .host: nil
        case .mps2An386: .mps2(self, .cortexM4, psram: 0x2100_0000, "Arm MPS2+ FPGA prototyping board with the AN386 (Cortex-M4) image")
        case .mps2An385: .mps2(self, .cortexM3, psram: 0x2100_0000, "Arm MPS2+ FPGA prototyping board with the AN385 (Cortex-M3) image")
        case .mps2An500: .mps2(self, .cortexM7, psram: 0x6000_0000, "Arm MPS2+ FPGA prototyping board with the AN500 (Cortex-M7) image")
        case .mps2An505:
            BoardSpec(board: self, core: .cortexM33, qemuMachine: "mps2-an505",
                      memories: [MemoryRegion("FLASH", 0x1000_0000, 4 * MiB), MemoryRegion("SRAM", 0x3800_0000, 4 * MiB)],
                      sections: [], flashTools: [],
                      hardware: "Arm MPS2+ FPGA prototyping board with the AN505 (Cortex-M33, SSE-200) image",
                      loadNote: BoardSpec.mpsLoadNote)
        case .mps3An547:
            BoardSpec(board: self, core: .cortexM55, qemuMachine: "mps3-an547",
                      memories: [MemoryRegion("FLASH", 0x1000_0000, 512 * KiB), MemoryRegion("SRAM", 0x3100_0000, 4 * MiB),
                                 MemoryRegion("DTCM", 0x3000_0000, 512 * KiB), MemoryRegion("QSPI", 0x3800_0000, 8 * MiB)],
                      sections: [PlacementSection(name: ".qspi", region: "QSPI", use: .weights),
                                 PlacementSection(name: ".dtcm", region: "DTCM", use: .arena)],
                      flashTools: [],
                      hardware: "Arm MPS3 FPGA prototyping board with the AN547 (Cortex-M55, Corstone-300) image",
                      loadNote: BoardSpec.mpsLoadNote)
        case .netduinoplus2:
            BoardSpec(board: self, core: .cortexM4, qemuMachine: "netduinoplus2",
                      memories: [MemoryRegion("FLASH", 0x0800_0000, 1 * MiB), MemoryRegion("SRAM", 0x2000_0000, 128 * KiB)],
                      sections: [], flashTools: [.stFlash, .openOCD(interface: "interface/stlink.cfg", target: "target/stm32f4x.cfg"),
                                                 .pyOCD(target: "stm32f405rg"), .dfuUtil],
                      hardware: "Netduino Plus 2 (STM32F405RG: Cortex-M4F, 1 MiB flash, 128 KiB SRAM + 64 KiB CCM)", loadNote: nil)
        case .microbit:
            BoardSpec(board: self, core: .cortexM0, qemuMachine: "microbit",
                      memories: [MemoryRegion("FLASH", 0x0, 256 * KiB), MemoryRegion("SRAM", 0x2000_0000, 16 * KiB)],
                      sections: [], flashTools: [.pyOCD(target: "nrf51"), .openOCD(interface: "interface/cmsis-dap.cfg", target: "target/nrf51.cfg")],
                      hardware: "BBC micro:bit v1 (nRF51822: Cortex-M0, 256 KiB flash, 16 KiB SRAM)", loadNote: nil)
        }
    }

    /// Boards with a QEMU machine (every board but host).
    public static var emulated: [Board] { allCases.filter { $0.spec != nil } }
}

extension BoardSpec {
    /// The three MPS2 boards share one memory map apart from where PSRAM sits.
    static func mps2(_ board: Board, _ core: Target, psram: UInt64, _ hardware: String) -> BoardSpec {
        BoardSpec(board: board, core: core, qemuMachine: board.rawValue,
                  memories: [MemoryRegion("FLASH", 0x0, 4 * MiB), MemoryRegion("SRAM", 0x2000_0000, 4 * MiB),
                             MemoryRegion("PSRAM", psram, 16 * MiB)],
                  sections: [PlacementSection(name: ".psram", region: "PSRAM", use: .arena)],
                  flashTools: [], hardware: hardware, loadNote: mpsLoadNote)
    }

    static let mpsLoadNote = """
        the MPS2+/MPS3 FPGA boards have no flash to program: their configuration controller loads the image \
        into code memory at power-up from the board's USB mass-storage drive. Copy firmware.bin to the drive's \
        images folder of this application note and name it in that folder's images.txt (docs/boards.md)
        """
}
