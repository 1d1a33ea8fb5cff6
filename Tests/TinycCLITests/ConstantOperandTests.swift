import Foundation
import Testing
import TinycReference
@testable import TinycCLI

/// An `add` with a constant operand (a learned bias map) and a `concat` with a constant: the
/// quantizer quantizes the constants like activations, the C reads them from flash, and the
/// host-built C matches the reference interpreter.
struct ConstantOperandTests {
    static let model = """
    {"format": "tinyc-net", "version": 1, "name": "constops", "inputs": ["x"], "outputs": ["y"],
     "tensors": [
       {"name": "x", "shape": [1, 2, 2, 2], "dtype": "float32"},
       {"name": "k", "shape": [1, 2, 2, 2], "dtype": "float32", "data": {"base64": "\(base64([0.5, -1, 2, 0.25, -0.75, 1.5, 0, -2]))"}},
       {"name": "s", "shape": [1, 2, 2, 2], "dtype": "float32"},
       {"name": "y", "shape": [1, 2, 2, 4], "dtype": "float32"}],
     "nodes": [
       {"name": "add", "op": "add", "inputs": ["x", "k"], "outputs": ["s"], "attrs": {"activation": "relu"}},
       {"name": "cat", "op": "concat", "inputs": ["s", "k"], "outputs": ["y"], "attrs": {"axis": -1}}]}
    """

    static func base64(_ v: [Float]) -> String {
        Data(v.flatMap { f in withUnsafeBytes(of: f.bitPattern.littleEndian) { Array($0) } }).base64EncodedString()
    }

    @Test(.enabled(if: haveTools(["make", "cc"]), "needs make and cc"))
    func constantOperandsCompileAndMatchTheReference() throws {
        let dir = Paths.temporaryDirectory("constops")
        let modelURL = dir.appendingPathComponent("constops.json")
        try Self.model.write(to: modelURL, atomically: true, encoding: .utf8)
        var calib: [UInt8] = Npy.header(dtype: "<f4", shape: [16, 8])
        for i in 0..<(16 * 8) {
            let v = Float(i % 13) / 4 - 1.5
            withUnsafeBytes(of: v.bitPattern.littleEndian) { calib += $0 }
        }
        try Data(calib).write(to: dir.appendingPathComponent("calib.npy"))
        var o = CompileOptions()
        o.calibration = dir.appendingPathComponent("calib.npy")
        let compiled = try Compiler.compile(modelURL, options: o)
        let out = dir.appendingPathComponent("out")
        try OutputWriter.write(compiled, modelFile: modelURL, to: out)
        let inputs: [[Int8]] = [[-128, -60, 0, 5, 17, 90, 127, -1], [1, 2, 3, 4, 5, 6, 7, 8]]
        let result = try FirmwareRunner(directory: out, graph: compiled.graph, board: .host, root: try ToolPaths.root()).run(inputs)
        let reference = try ReferenceInterpreter(compiled.graph)
        for (i, input) in inputs.enumerated() {
            #expect(result.outputs[i] == (try reference.run(.s8(input)).int8 ?? []))
        }
    }
}
