import Foundation
import Testing
import TinycCodegenC
import TinycFrontends
import TinycIR
import TinycReference
@testable import TinycCLI

/// .tflite files with INT4 weight tensors (type 17, two weights per byte, low nibble first), made
/// by Scripts/tflite/make_int4_models.py (int8 models from the TFLite converter, weights
/// requantized to int4 and packed; Tests/Fixtures/tflite/models/INT4.md), against TFLite Micro's
/// own interpreter, which runs int4 CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED (the latter only
/// with one weight scale per tensor). Imported and compiled as they are, every weight layer stays
/// int4, and the Swift reference interpreter, the C on the host under ASan/UBSan, the firmware on
/// mps2-an386 (`_dsp` kernels) and on mps2-an385 (`_ref` kernels) under QEMU all give TFLM's bytes.
@Suite(.serialized)
struct TFLiteInt4Tests {
    /// int4_small: conv 3x3 -> depthwise 3x3 -> conv 1x1 -> mean -> fully connected -> softmax,
    /// weights in -7...7; int4_flatten: conv 3x3 s2 -> depthwise x2 -> conv 1x1 -> flatten ->
    /// fully connected (logits), weights in -8...7.
    static let models = ["int4_small", "int4_flatten"]
    static let fixtures = Paths.root.appendingPathComponent("Tests/Fixtures/tflite/models")
    static let badBuffer = Paths.root.appendingPathComponent("Tests/Fixtures/tflite/errors/int4_bad_buffer.tflite")

    struct Case {
        let compiled: CompiledModel
        let directory: URL
        let goldens: TFLiteGoldens

        init(_ name: String, target: Target = .cortexM4) throws {
            let url = TFLiteInt4Tests.fixtures.appendingPathComponent("\(name).tflite")
            var options = CompileOptions()
            options.target = target
            compiled = try Compiler.compile(url, options: options)
            directory = Paths.temporaryDirectory("int4-\(name)-\(target.rawValue)")
            try OutputWriter.write(compiled, modelFile: url, to: directory)
            goldens = try TFLiteGoldens(model: name)
        }

        func expectMatchesTFLM(_ outputs: [[Int8]], _ what: String) {
            let diff = goldens.differences(outputs)
            #expect(diff.isEmpty, "\(what): \(diff.count) outputs differ from TFLM; first: \(diff.prefix(3))")
        }
    }

    @Test(arguments: models)
    func everyWeightLayerIsImportedAsInt4(_ name: String) throws {
        let c = try Case(name)
        let g = c.compiled.graph
        let weighted = c.compiled.report.layers.filter { $0.weightBits != nil }
        #expect(weighted.map(\.op) == ["conv2d", "depthwise_conv2d", "conv2d", "fully_connected"])
        for layer in weighted {
            let node = try #require(g.nodes.first { $0.name == layer.name })
            let w = g.type(node.inputs[1])
            #expect(layer.precision == "int8 x int4", "\(layer.name): \(layer.precision)")
            // 4 bits per weight, plus half a byte when the count is odd (rows are not padded):
            // e.g. 35 weights in 18 bytes, 4.11 bits
            #expect(layer.weightBits == Double(Int4Packing.bytes(count: w.count) * 8) / Double(w.count))
            #expect(w.count % 2 == 1 || layer.weightBits == 4)
            let bias = node.inputs.count > 2 && g.isConstant(node.inputs[2]) ? g.type(node.inputs[2]).byteCount : 0
            #expect(layer.weightBytes == Int4Packing.bytes(count: w.count) + bias, "\(layer.name): \(layer.weightBytes) bytes in flash")
            #expect(layer.kernel?.hasSuffix("_s4_dsp") == true, "\(layer.name): kernel \(layer.kernel ?? "none")")
            let q = try #require(g.constants[node.inputs[1]]).int8
            #expect(q.allSatisfy { (-8...7).contains($0) })
        }
        // rows that start in the middle of a byte: some weight layer has an odd row length
        #expect(weighted.contains { l in
            let node = g.nodes.first { $0.name == l.name }!
            let shape = g.type(node.inputs[1]).shape
            return (shape.dropFirst().reduce(1, *)) % 2 == 1
        })
        if name == "int4_flatten" {
            let all = weighted.flatMap { l in g.constants[g.nodes.first { $0.name == l.name }!.inputs[1]]!.int8 }
            #expect(all.contains(-8) && all.contains(7), "int4_flatten uses the whole int4 range")
        }
        // the written report says the same
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: c.directory.appendingPathComponent("report.json"))) as? [String: Any]
        let layers = try #require(json?["layers"] as? [[String: Any]])
        let int4 = layers.filter { $0["precision"] as? String == "int8 x int4" }
        #expect(int4.map { $0["name"] as? String } == weighted.map(\.name))
        #expect(int4.map { $0["weight_bits"] as? Double } == weighted.map(\.weightBits))
        #expect(c.goldens.inputs.count >= 6)
    }

    @Test(arguments: models)
    func referenceInterpreterIsBitExactWithTFLM(_ name: String) throws {
        let c = try Case(name)
        let interpreter = try ReferenceInterpreter(c.compiled.graph)
        c.expectMatchesTFLM(try c.goldens.int8Inputs.map { try interpreter.run(.s8($0)).int8 ?? [] }, "reference interpreter")
    }

    @Test(.enabled(if: haveTools(["make", "cc"]), "needs make and cc"), arguments: models)
    func hostBuildUnderSanitizersIsBitExactWithTFLM(_ name: String) throws {
        let c = try Case(name)
        var runner = FirmwareRunner(directory: c.directory, graph: c.compiled.graph, board: .host, root: try ToolPaths.root())
        runner.makeVariables = ["SANITIZE=1"]
        let result = try runner.run(c.goldens.int8Inputs)
        c.expectMatchesTFLM(result.outputs, "host C")
        #expect(!result.log.contains("runtime error"), "UBSan reported: \(result.log.prefix(500))")
    }

    @Test(.enabled(if: haveTools(EndToEndTests.qemuTools), "needs make, arm-none-eabi-gcc and qemu-system-arm: run Scripts/setup.sh"),
          arguments: models)
    func firmwareOnMps2An386IsBitExactWithTFLM(_ name: String) throws {
        let c = try Case(name)
        let runner = FirmwareRunner(directory: c.directory, graph: c.compiled.graph, board: .mps2An386, root: try ToolPaths.root())
        let result = try runner.run(c.goldens.int8Inputs)
        c.expectMatchesTFLM(result.outputs, "firmware (cortex-m4)")
        #expect(result.instructions.count == c.goldens.inputs.count)
    }

    /// Cortex-M3: the portable `_s4_ref` kernels, on mps2-an385.
    @Test(.enabled(if: haveTools(EndToEndTests.qemuTools), "needs make, arm-none-eabi-gcc and qemu-system-arm: run Scripts/setup.sh"),
          arguments: models)
    func firmwareOnMps2An385IsBitExactWithTFLM(_ name: String) throws {
        let c = try Case(name, target: .cortexM3)
        let kernels = c.compiled.report.layers.filter { $0.weightBits != nil }.compactMap(\.kernel)
        #expect(kernels.count == 4 && kernels.allSatisfy { $0.hasSuffix("_s4_ref") }, "\(kernels)")
        let runner = FirmwareRunner(directory: c.directory, graph: c.compiled.graph, board: .mps2An385, root: try ToolPaths.root())
        c.expectMatchesTFLM(try runner.run(c.goldens.int8Inputs).outputs, "firmware (cortex-m3)")
    }

    /// int4_small with its first conv's INT4 weight buffer one byte short (67 of 68 packed bytes).
    @Test func int4BufferOfTheWrongLengthIsAClearError() throws {
        let expected = "is int4[5, 3, 3, 3] (68 bytes packed) but its buffer holds 67 bytes"
        do {
            _ = try TFLiteReader.read(contentsOf: Self.badBuffer)
            Issue.record("int4_bad_buffer.tflite imported")
        } catch {
            #expect(error.message.contains(expected), "\(error.message)")
            #expect(error.message.contains("'functional_1/conv2d_1/convolution'"), "\(error.message)")
        }
        let error = #expect(throws: CLIError.self) { try Compiler.compile(Self.badBuffer, options: CompileOptions()) }
        #expect(error?.description.contains(expected) == true, "\(error?.description ?? "")")
        #expect(error?.description.contains("int4_bad_buffer.tflite") == true, "\(error?.description ?? "")")
    }
}
