/// A program that writes a firmware image into a real board's flash, and the exact command line
/// `tinyc flash` runs for it. Each board lists the tools that fit it in order of preference
/// (`BoardSpec.flashTools`).
public enum FlashTool: Sendable, Equatable {
    /// stlink-tools: an ST-LINK probe on the board's SWD pins.
    case stFlash
    /// OpenOCD with an interface (the probe) and a target (the chip) script.
    case openOCD(interface: String, target: String)
    /// pyOCD with its target name (stm32f405rg needs `pyocd pack install stm32f405rg` once).
    case pyOCD(target: String)
    /// dfu-util: the STM32's ROM USB DFU bootloader (BOOT0 high at reset), no probe needed.
    case dfuUtil

    /// The executable looked for on PATH.
    public var executable: String {
        switch self {
        case .stFlash: "st-flash"
        case .openOCD: "openocd"
        case .pyOCD: "pyocd"
        case .dfuUtil: "dfu-util"
        }
    }

    /// Names accepted by `tinyc flash --tool`.
    public static let names = ["st-flash", "openocd", "pyocd", "dfu-util"]

    /// The argument vector that flashes `image` (the tool first).
    public func command(_ image: FirmwareImage) -> [String] {
        let base = String(format: "%08x", image.flashOrigin)
        switch self {
        case .stFlash:
            // the raw image at the flash origin; --reset starts it
            return ["st-flash", "--reset", "write", image.bin.path, "0x\(base)"]
        case .openOCD(let interface, let target):
            // braces quote the path for OpenOCD's Tcl; the ELF carries its own addresses
            return ["openocd", "-f", interface, "-f", target, "-c", "program {\(image.elf.path)} verify reset exit"]
        case .pyOCD(let target):
            return ["pyocd", "flash", "--target", target, image.hex.path]
        case .dfuUtil:
            return ["dfu-util", "--alt", "0", "--dfuse-address", "0x\(base):leave", "--download", image.bin.path]
        }
    }

    /// `args` as one line a POSIX shell reads back as the same words.
    public static func shellLine(_ args: [String]) -> String {
        args.map { a in
            let plain = !a.isEmpty && a.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=,+@%".contains($0) }
            return plain ? a : "'" + a.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}
