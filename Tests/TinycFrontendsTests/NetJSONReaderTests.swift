import Foundation
import Testing
import TinycFrontends
import TinycIR

/// The reader accepts the fixture and rejects each kind of malformed input with a message that names
/// what is wrong — never a crash.
struct NetJSONReaderTests {
    func read(_ f: NetJSONFixture, weights: [UInt8]? = nil) throws(FrontendError) -> Graph {
        try NetJSONReader.read(contentsOf: f.write(weights: weights))
    }

    func expectError(_ f: NetJSONFixture, weights: [UInt8]? = nil, raw: Data? = nil, containing parts: [String]) {
        let url = f.write(weights: weights, raw: raw)
        do {
            _ = try NetJSONReader.read(contentsOf: url)
            Issue.record("expected an error containing \(parts)")
        } catch {
            for p in parts {
                #expect(error.description.contains(p), "\(error.description) should contain '\(p)'")
            }
            #expect(error.description.hasPrefix(url.path))
        }
    }

    @Test func readsTheFixture() throws {
        let g = try read(NetJSONFixture())
        #expect(g.nodes.map(\.op.name) == ["conv2d", "relu", "mean", "fully_connected", "softmax"])
        #expect(g.type(g.outputs[0]).shape == [1, 3])
        #expect(g.constants.count == 3)
    }

    @Test func sortsNodesTopologically() throws {
        var f = NetJSONFixture()
        f.nodes = f.nodes.reversed()
        #expect(try read(f).nodes.map(\.name) == ["conv", "relu", "gap", "fc", "softmax"])
    }

    @Test func readsSidecarWeights() throws {
        var f = NetJSONFixture()
        f.root["weights_file"] = "tiny.weights.bin"
        var t = f.tensors
        t[6]["data"] = ["offset": 4, "length": 24]
        f.tensors = t
        let floats: [Float] = [9, 1, -1, 0.5, 0.5, -1, 1]
        let bytes = floats.flatMap { f in withUnsafeBytes(of: f.bitPattern.littleEndian) { Array($0) } }
        let g = try read(f, weights: bytes)
        let expected: [Float] = [1, -1, 0.5, 0.5, -1, 1]
        let got: [Float] = g.constants[TensorID(6)]?.floats ?? []
        #expect(got == expected)
    }

    @Test func rejectsMalformedJSON() {
        expectError(NetJSONFixture(), raw: Data("{\"format\": \"tinyc-net\", ".utf8), containing: ["malformed JSON"])
    }

    @Test func rejectsMissingTensor() {
        var f = NetJSONFixture()
        var n = f.nodes
        n[1]["inputs"] = ["nope"]
        f.nodes = n
        expectError(f, containing: ["node 'relu'", "'nope' is not declared"])
    }

    @Test func rejectsShapeMismatch() {
        var f = NetJSONFixture()
        var t = f.tensors
        t[3]["shape"] = [1, 4, 4, 3]
        f.tensors = t
        expectError(f, containing: ["node 'conv'", "declared [1, 4, 4, 3]", "computes [1, 4, 4, 2]"])
    }

    @Test func rejectsUnsupportedOp() {
        var f = NetJSONFixture()
        var n = f.nodes
        n[1]["op"] = "gelu"
        f.nodes = n
        expectError(f, containing: ["node 'relu'", "unsupported op 'gelu'"])
    }

    @Test func rejectsTruncatedWeightsFile() {
        var f = NetJSONFixture()
        f.root["weights_file"] = "tiny.weights.bin"
        var t = f.tensors
        t[6]["data"] = ["offset": 0, "length": 24]
        f.tensors = t
        expectError(f, weights: [0, 0, 0, 0, 0, 0, 0, 0], containing: ["tensor 'fw'", "lies outside weights_file", "truncated"])
    }

    @Test func rejectsMissingWeightsFile() {
        var f = NetJSONFixture()
        f.root["weights_file"] = "missing.bin"
        var t = f.tensors
        t[6]["data"] = ["offset": 0, "length": 24]
        f.tensors = t
        expectError(f, containing: ["cannot read weights_file"])
    }

    @Test(arguments: [[1, -4, 4, 1], [1, 0, 4, 1]])
    func rejectsNonPositiveDimensions(_ shape: [Int]) {
        var f = NetJSONFixture()
        var t = f.tensors
        t[0]["shape"] = shape
        f.tensors = t
        expectError(f, containing: ["tensor 'x'", "dimensions must be positive"])
    }

    @Test func rejectsUnknownDtype() {
        var f = NetJSONFixture()
        var t = f.tensors
        t[0]["dtype"] = "bfloat16"
        f.tensors = t
        expectError(f, containing: ["tensor 'x'", "unsupported dtype 'bfloat16'"])
    }

    @Test func rejectsWrongDtypeForAnActivation() {
        var f = NetJSONFixture()
        var t = f.tensors
        t[0]["dtype"] = "int32"
        f.tensors = t
        expectError(f, containing: ["node 'conv'"])
    }

    @Test func rejectsCycles() {
        var f = NetJSONFixture()
        var n = f.nodes
        n[0]["inputs"] = ["r", "w", "b"]
        f.nodes = n
        expectError(f, containing: ["cycle", "'conv'", "'relu'"])
    }

    @Test func rejectsUnknownKeysAndAttributes() {
        var f = NetJSONFixture()
        var n = f.nodes
        n[0]["attrs"] = ["padding": "same", "strides": [2, 2]]
        f.nodes = n
        expectError(f, containing: ["node 'conv' attrs", "unknown key 'strides'"])
        var g = NetJSONFixture()
        g.root["extra"] = true
        expectError(g, containing: ["top level", "unknown key 'extra'"])
    }

    @Test func rejectsDataOfTheWrongLength() {
        var f = NetJSONFixture()
        var t = f.tensors
        t[2]["data"] = ["base64": "AAAA"]
        f.tensors = t
        expectError(f, containing: ["tensor 'b'", "has 3 bytes", "needs 8"])
    }

    @Test func rejectsBadBase64AndWrongVersion() {
        var f = NetJSONFixture()
        var t = f.tensors
        t[2]["data"] = ["base64": "!!!"]
        f.tensors = t
        expectError(f, containing: ["tensor 'b'", "not valid base64"])
        var g = NetJSONFixture()
        g.root["version"] = 2
        expectError(g, containing: ["unsupported version 2"])
    }

    @Test func rejectsAKernelLargerThanTheInput() {
        var f = NetJSONFixture()
        var n = f.nodes
        n[0]["attrs"] = ["padding": "valid", "dilation": [3, 3]]
        f.nodes = n
        expectError(f, containing: ["node 'conv'", "does not fit"])
    }

    @Test func rejectsTwoProducersOfOneTensor() {
        var f = NetJSONFixture()
        var n = f.nodes
        n[1]["outputs"] = ["c"]
        f.nodes = n
        expectError(f, containing: ["'c'", "output of both"])
    }

    @Test func roundTripsThroughTheWriter() throws {
        let g = try read(NetJSONFixture())
        let text = NetJSONWriter.write(g)
        let again = try NetJSONReader.read(Data(text.utf8), file: "rt.json", defaultName: "rt", baseDirectory: URL(fileURLWithPath: "/"))
        #expect(again == g)
        #expect(NetJSONWriter.write(again) == text)
    }

    @Test func readsTheDigitsExample() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Examples/digits/digits.json").standardized
        let g = try NetJSONReader.read(contentsOf: url)
        #expect(g.nodes.count == 12)
        #expect(g.type(g.inputs[0]).shape == [1, 8, 8, 1])
    }
}
