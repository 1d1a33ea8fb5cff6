import ArgumentParser
import Foundation
import TinycFrontends
import TinycIR

struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build a compiled model's firmware for a board: firmware.elf, .bin and .hex, checked against the board's memory map.",
        discussion: """
            The firmware is tinyc's runner (the one `tinyc run` uses: it runs the model on the embedded inputs and \
            prints each output over Arm semihosting). Writes <dir>/build/<board>/firmware.elf, firmware.bin (the flash \
            contents from the flash origin), firmware.hex (every loaded byte with its address) and, when weights sit \
            in another memory, firmware.<section>.bin; then checks the vector table and the sizes against the board.
            """)

    @OptionGroup var firmware: FirmwareArguments

    func run() throws {
        try reportingErrors { () throws(CLIError) in
            let image = try Self.build(firmware)
            say(Self.describe(image))
        }
    }

    /// Builds and checks the image (shared with `tinyc flash`).
    static func build(_ a: FirmwareArguments) throws(CLIError) -> FirmwareImage {
        let dir = URL(fileURLWithPath: a.directory)
        let graph = try compiledGraph(dir, a.directory)
        let samples = try InputLoader.samples(a.input, for: graph)
        let board = try a.board.map { b throws(CLIError) in try Board.parse(b) } ?? RunCommand.defaultBoard(dir)
        return try FirmwareImage.build(directory: dir, graph: graph, board: board, inputs: samples, root: try ToolPaths.root())
    }

    static func compiledGraph(_ dir: URL, _ name: String) throws(CLIError) -> Graph {
        do throws(FrontendError) { return try NetJSONReader.read(contentsOf: dir.appendingPathComponent("model.json")) } catch {
            throw CLIError("\(name) is not a tinyc output directory (run `tinyc compile ... -o \(name)`): \(error.description)")
        }
    }

    static func describe(_ image: FirmwareImage) -> String {
        let spec = image.board.spec!
        var lines = ["board \(image.board.rawValue) (\(spec.core.rawValue)): image checked against the board's memory map"]
        lines.append(image.check.summary(spec))
        lines.append("wrote \(image.elf.path)")
        for url in [image.bin] + image.extraBins + [image.hex] { lines.append("      \(url.path)") }
        return lines.joined(separator: "\n")
    }
}

/// What `tinyc build` and `tinyc flash` both take: the compiled output, the board and the embedded inputs.
struct FirmwareArguments: ParsableArguments {
    @Argument(help: "Output directory of `tinyc compile`.")
    var directory: String

    @Option(help: "Board (default: the board it was compiled for, else its target's board).")
    var board: String?

    @Option(help: "Inputs to embed: .npy or raw int8 bytes, as for tinyc run. Default: a fixed pseudo-random input.")
    var input: String?
}
