import Foundation
import Testing
import TinycFrontends
import TinycIR

/// net.json for the ops the TFLite importer needs: logistic, requantize, broadcasting add, pad with
/// a value, relu between quantizations — read, verified and written back unchanged.
struct NetJSONTFLMOpsTests {
    /// An int8 graph: x → relu (requantizing) → pad (value) → add (+ per-channel constant) →
    /// requantize → logistic.
    static func model(addConstantShape: [Int] = [3], logisticZeroPoint: Int = -128, valueScale: Double = 0.05) -> String {
        func q(_ s: Double, _ z: Int) -> String { "\"quantization\": {\"scale\": [\(s)], \"zero_point\": [\(z)]}" }
        let count = addConstantShape.reduce(1, *)
        let constant = Data((0..<count).map { UInt8($0 * 7) }).base64EncodedString()
        return """
            {"format": "tinyc-net", "version": 1, "name": "ops", "inputs": ["x"], "outputs": ["y"],
             "tensors": [
              {"name": "x", "shape": [1, 2, 2, 3], "dtype": "int8", \(q(0.02, -30))},
              {"name": "r", "shape": [1, 2, 2, 3], "dtype": "int8", \(q(0.05, -100))},
              {"name": "v", "shape": [1], "dtype": "int8", \(q(valueScale, -100)), "data": {"base64": "BQ=="}},
              {"name": "p", "shape": [1, 3, 3, 3], "dtype": "int8", \(q(0.05, -100))},
              {"name": "k", "shape": \(addConstantShape), "dtype": "int8", \(q(0.01, 0)), "data": {"base64": "\(constant)"}},
              {"name": "a", "shape": [1, 3, 3, 3], "dtype": "int8", \(q(0.07, -60))},
              {"name": "q", "shape": [1, 3, 3, 3], "dtype": "int8", \(q(0.1, 4))},
              {"name": "y", "shape": [1, 3, 3, 3], "dtype": "int8", \(q(0.00390625, logisticZeroPoint))}
             ],
             "nodes": [
              {"name": "relu", "op": "relu", "inputs": ["x"], "outputs": ["r"]},
              {"name": "pad", "op": "pad", "inputs": ["r", "v"], "outputs": ["p"], "attrs": {"paddings": [[0, 0], [1, 0], [0, 1], [0, 0]]}},
              {"name": "add", "op": "add", "inputs": ["p", "k"], "outputs": ["a"], "attrs": {"activation": "relu6"}},
              {"name": "rq", "op": "requantize", "inputs": ["a"], "outputs": ["q"]},
              {"name": "sig", "op": "logistic", "inputs": ["q"], "outputs": ["y"]}
             ]}
            """
    }

    func read(_ text: String) throws(FrontendError) -> Graph {
        try NetJSONReader.read(Data(text.utf8), file: "ops.json", defaultName: "ops", baseDirectory: URL(fileURLWithPath: "/"))
    }

    @Test func readsAndRoundTrips() throws {
        let g = try read(Self.model())
        #expect(g.nodes.map(\.op) == [.activation(.relu), .pad(Pads(top: 1, bottom: 0, left: 0, right: 1)), .add(.relu6), .requantize, .logistic])
        #expect(g.nodes[1].inputs.count == 2)
        let text = NetJSONWriter.write(g)
        let again = try read(text)
        #expect(again == g)
        #expect(NetJSONWriter.write(again) == text)
    }

    @Test func rejectsShapesThatDoNotBroadcast() {
        #expect(throws: FrontendError.self) { try read(Self.model(addConstantShape: [2])) }
        do {
            _ = try read(Self.model(addConstantShape: [1, 3, 2, 3]))
            Issue.record("expected a broadcasting error")
        } catch {
            #expect(error.description.contains("node 'add' (add): inputs [1, 3, 3, 3] and [1, 3, 2, 3] do not broadcast"))
        }
    }

    @Test func rejectsLogisticOutputQuantizationAndAMismatchedPadValue() {
        do {
            _ = try read(Self.model(logisticZeroPoint: 0))
            Issue.record("expected a logistic quantization error")
        } catch {
            #expect(error.description.contains("int8 logistic output must have scale 1/256 and zero point -128"))
        }
        do {
            _ = try read(Self.model(valueScale: 0.02))
            Issue.record("expected a pad value quantization error")
        } catch {
            #expect(error.description.contains("pad value 'v' must have the output's quantization"))
        }
    }
}
