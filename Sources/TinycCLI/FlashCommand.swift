import ArgumentParser
import Foundation

struct FlashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flash",
        abstract: "Build a compiled model's firmware (as tinyc build) and write it to a real board with the flashing tool found on this machine.",
        discussion: """
            Tools are tried in the board's order of preference (netduinoplus2: st-flash, openocd, pyocd, dfu-util; \
            microbit: pyocd, openocd); the exact command is printed before it runs. The firmware prints over Arm \
            semihosting, so its output needs a debugger attached with semihosting on (docs/boards.md).
            """)

    @OptionGroup var firmware: FirmwareArguments

    @Option(help: "Use this tool instead of the first one found: st-flash, openocd, pyocd or dfu-util.")
    var tool: String?

    @Flag(help: "Build and print the command, but do not run it.")
    var dryRun = false

    func run() throws {
        try reportingErrors { () throws(CLIError) in
            let image = try BuildCommand.build(firmware)
            say(BuildCommand.describe(image))
            let plan = try Self.plan(image, tool: tool, dryRun: dryRun, installed: Shell.exists)
            for line in plan.lines { say(line) }
            guard let command = plan.command, !dryRun else { return }
            let status = Self.runAttached(command)
            guard status == 0 else { throw CLIError("\(command[0]) failed (exit \(status))", exitCode: 4) }
        }
    }

    struct Plan: Equatable {
        /// The command to run (nil on a dry run that found no tool).
        var command: [String]?
        var lines: [String]
    }

    /// Which command flashes `image`: the `--tool` one, else the board's first installed tool. A dry
    /// run without any installed tool lists every tool's command instead of failing.
    static func plan(_ image: FirmwareImage, tool: String?, dryRun: Bool, installed: (String) -> Bool) throws(CLIError) -> Plan {
        let spec = image.board.spec!
        guard !spec.flashTools.isEmpty else {
            throw CLIError("board \(spec.board.rawValue) has no flashing tool: \(spec.loadNote ?? "")", exitCode: 4)
        }
        if let tool {
            guard let chosen = spec.flashTools.first(where: { $0.executable == tool }) else {
                let known = FlashTool.names.contains(tool) ? "does not fit board \(spec.board.rawValue)" : "is not a known tool"
                throw CLIError("--tool \(tool) \(known) (its tools: \(spec.flashTools.map(\.executable).joined(separator: ", ")))", exitCode: 2)
            }
            if !dryRun && !installed(tool) { throw CLIError("--tool \(tool): '\(tool)' is not on PATH", exitCode: 4) }
            return Plan(command: chosen.command(image), lines: ["flash: " + FlashTool.shellLine(chosen.command(image))])
        }
        let names = spec.flashTools.map(\.executable).joined(separator: ", ")
        if let found = spec.flashTools.first(where: { installed($0.executable) }) {
            return Plan(command: found.command(image), lines: ["flash: " + FlashTool.shellLine(found.command(image))])
        }
        guard dryRun else {
            throw CLIError("""
                no flashing tool for board \(spec.board.rawValue) on PATH: looked for \(names) (in that order). \
                Install one (apt install stlink-tools or openocd, or pip install pyocd), or pass --dry-run to print the commands
                """, exitCode: 4)
        }
        return Plan(command: nil, lines: ["no flashing tool installed (looked for \(names)); the command each would run:"]
            + spec.flashTools.map { "  " + FlashTool.shellLine($0.command(image)) })
    }

    /// Runs the tool with the terminal attached, so its progress output reaches the user as it comes.
    static func runAttached(_ args: [String]) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        do { try p.run() } catch { return 127 }
        p.waitUntilExit()
        return p.terminationStatus
    }
}
