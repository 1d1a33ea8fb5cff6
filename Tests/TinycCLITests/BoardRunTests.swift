import Foundation
import Testing
import TinycReference
@testable import TinycCLI

/// Every board under QEMU, one compile per model per board with `--board` alone: Examples/digits
/// (every output identical to the reference interpreter and to TFLite Micro's) and kws_ref_model (identical to TFLite
/// Micro's outputs; on the 16 KiB micro:bit through a patch plan) give the same bytes on every
/// core, `_ref` or `_dsp` kernels. The image each run uses passes the `tinyc build` check.
@Suite(.serialized)
struct BoardTestsOnQEMU {
    static let enabled = haveTools(EndToEndTests.qemuTools + ["arm-none-eabi-objcopy"])

    struct Run {
        var outputs: [[Int8]]
        var instructions: [Int]
        var image: FirmwareImage
    }

    /// Compiles `model` for `board` into a fresh directory, runs `inputs` on it and checks its image.
    static func run(_ model: URL, board: Board, calibration: URL? = nil, inputs: (CompiledModel) throws -> [[Int8]],
                    configure: (inout CompileOptions) -> Void = { _ in }) throws -> (CompiledModel, Run) {
        var o = CompileOptions()
        o.board = board
        o.target = board.spec!.core
        o.calibration = calibration
        configure(&o)
        let compiled = try Compiler.compile(model, options: o)
        let dir = Paths.temporaryDirectory("board-\(board.rawValue)")
        try OutputWriter.write(compiled, modelFile: model, to: dir)
        let runner = FirmwareRunner(directory: dir, graph: compiled.graph, board: board, root: try ToolPaths.root())
        let result = try runner.run(try inputs(compiled))
        let elf = dir.appendingPathComponent("build/\(board.rawValue)/firmware.elf")
        let image = try FirmwareImage.convert(elf: elf, spec: board.spec!)
        return (compiled, Run(outputs: result.outputs, instructions: result.instructions, image: image))
    }

    /// What `tinyc build` promises: .bin starts with the vector table the check read, .hex exists.
    static func expectFlashable(_ image: FirmwareImage, _ board: Board) throws {
        let spec = board.spec!
        #expect(UInt64(image.check.initialSP) == spec.sram.end, "the stack starts at the top of SRAM")
        #expect(image.check.resetHandler & 1 == 1 && spec.flash.contains(UInt64(image.check.resetHandler & ~1)))
        let bin = [UInt8](try Data(contentsOf: image.bin))
        #expect(bin.count == image.check.loaded["FLASH"])
        let words = [0, 4].map { o in (0..<4).reduce(UInt32(0)) { $0 | UInt32(bin[o + $1]) << (8 * UInt32($1)) } }
        #expect(words == [image.check.initialSP, image.check.resetHandler])
        let hex = try String(contentsOf: image.hex, encoding: .utf8)
        #expect(hex.hasPrefix(":") && hex.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix(":00000001FF"), "Intel HEX with its end record")
    }

    @Test(.enabled(if: enabled, "needs make, arm-none-eabi-gcc/objcopy and qemu-system-arm: run Scripts/setup.sh"), arguments: Board.emulated)
    func digitsRunsIdenticallyOnEveryBoard(_ board: Board) throws {
        let count = EndToEndTests.all ? 360 : 20
        var samples: [[Int8]] = []
        let (compiled, run) = try Self.run(Paths.digitsModel, board: board, calibration: Paths.digits.appendingPathComponent("calib.npy")) { c in
            samples = Array(try InputLoader.samples(Paths.digits.appendingPathComponent("test_x.npy").path, for: c.graph).prefix(count))
            return samples
        }
        let interpreter = try ReferenceInterpreter(compiled.graph)
        let expected = try samples.map { try interpreter.run(.s8($0)).int8 ?? [] }
        #expect(run.outputs == expected)
        #expect(run.instructions.count == count)
        // TFLite Micro ran the same int8 graph (tinyc convert --calib, then netjson_to_tflite.py) on
        // the first 20 test images: the board gives its bytes.
        let tflm = try TFLiteGoldens(model: "digits_int8")
        #expect(tflm.int8Inputs == Array(samples.prefix(tflm.inputs.count)),
                "the goldens are the first test images; regenerate them as Scripts/tflite/README.md says")
        #expect(Array(run.outputs.prefix(tflm.outputs.count)) == tflm.int8Outputs,
                "digits differs from TFLite Micro: if the quantizer changed, regenerate digits_int8 (Scripts/tflite/README.md)")
        try Self.expectFlashable(run.image, board)
    }

    @Test(.enabled(if: enabled, "needs make, arm-none-eabi-gcc/objcopy and qemu-system-arm: run Scripts/setup.sh"), arguments: Board.emulated)
    func kwsIsBitExactWithTFLMOnEveryBoard(_ board: Board) throws {
        let goldens = try TFLiteGoldens(model: "kws_ref_model")
        let count = EndToEndTests.all ? goldens.inputs.count : 3
        let (compiled, run) = try Self.run(Paths.mlperfTiny.appendingPathComponent("kws_ref_model.tflite"), board: board) { _ in
            Array(goldens.int8Inputs.prefix(count))
        }
        #expect(run.outputs == Array(goldens.int8Outputs.prefix(count)))
        if board == .microbit {
            #expect(compiled.report.schedule.mode == "patch", "16 KiB needs a patch plan")
            #expect(compiled.report.peakSRAMBytes <= 16384 - 1536)
        }
        try Self.expectFlashable(run.image, board)
    }

    /// Weights in the QSPI flash and the arena in DTCM on mps3-an547, the arena in PSRAM on mps2-an386:
    /// the symbols land in those memories and the outputs do not change.
    @Test(.enabled(if: enabled, "needs make, arm-none-eabi-gcc/objcopy and qemu-system-arm: run Scripts/setup.sh"),
          arguments: [(Board.mps3An547, ".qspi" as String?, ".dtcm" as String?), (.mps2An386, nil, ".psram")])
    func weightsAndArenaInNamedSections(_ board: Board, _ weights: String?, _ arena: String?) throws {
        var samples: [[Int8]] = []
        let (compiled, run) = try Self.run(Paths.digitsModel, board: board, calibration: Paths.digits.appendingPathComponent("calib.npy"), inputs: { c in
            samples = Array(try InputLoader.samples(Paths.digits.appendingPathComponent("test_x.npy").path, for: c.graph).prefix(20))
            return samples
        }, configure: { $0.weightsSection = weights; $0.arenaSection = arena })
        let interpreter = try ReferenceInterpreter(compiled.graph)
        #expect(run.outputs == (try samples.map { try interpreter.run(.s8($0)).int8 ?? [] }))
        let spec = board.spec!
        if let weights, let region = spec.section(weights)?.region {
            #expect(run.image.check.loaded[region, default: 0] >= compiled.report.weightBytes)
            #expect(run.image.extraBins.map(\.lastPathComponent) == ["firmware\(weights).bin"])
        }
        if let arena, let region = spec.section(arena)?.region {
            #expect(run.image.check.used[region, default: 0] >= compiled.report.arenaBytes)
            #expect(run.image.check.used["SRAM", default: 0] < compiled.report.arenaBytes, "the arena left SRAM")
        }
    }
}
