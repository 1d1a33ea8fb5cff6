import Foundation

/// A small valid float net.json (conv → relu → mean → fully_connected → softmax) as a mutable
/// dictionary, so each malformed-input test changes exactly one thing.
struct NetJSONFixture {
    var root: [String: Any]

    init() {
        func b64(_ floats: [Float]) -> String {
            Data(floats.flatMap { f in withUnsafeBytes(of: f.bitPattern.littleEndian) { Array($0) } }).base64EncodedString()
        }
        root = [
            "format": "tinyc-net", "version": 1, "name": "tiny",
            "inputs": ["x"], "outputs": ["y"],
            "tensors": [
                ["name": "x", "shape": [1, 4, 4, 1], "dtype": "float32"],
                ["name": "w", "shape": [2, 3, 3, 1], "dtype": "float32", "data": ["base64": b64((0..<18).map { Float($0 % 5) / 10 - 0.2 })]],
                ["name": "b", "shape": [2], "dtype": "float32", "data": ["base64": b64([0.1, -0.1])]],
                ["name": "c", "shape": [1, 4, 4, 2], "dtype": "float32"],
                ["name": "r", "shape": [1, 4, 4, 2], "dtype": "float32"],
                ["name": "m", "shape": [1, 1, 1, 2], "dtype": "float32"],
                ["name": "fw", "shape": [3, 2], "dtype": "float32", "data": ["base64": b64([1, -1, 0.5, 0.5, -1, 1])]],
                ["name": "f", "shape": [1, 3], "dtype": "float32"],
                ["name": "y", "shape": [1, 3], "dtype": "float32"],
            ],
            "nodes": [
                ["name": "conv", "op": "conv2d", "inputs": ["x", "w", "b"], "outputs": ["c"], "attrs": ["padding": "same"]],
                ["name": "relu", "op": "relu", "inputs": ["c"], "outputs": ["r"]],
                ["name": "gap", "op": "mean", "inputs": ["r"], "outputs": ["m"], "attrs": ["axes": [1, 2]]],
                ["name": "fc", "op": "fully_connected", "inputs": ["m", "fw"], "outputs": ["f"]],
                ["name": "softmax", "op": "softmax", "inputs": ["f"], "outputs": ["y"]],
            ],
        ]
    }

    var tensors: [[String: Any]] {
        get { root["tensors"] as! [[String: Any]] }
        set { root["tensors"] = newValue }
    }
    var nodes: [[String: Any]] {
        get { root["nodes"] as! [[String: Any]] }
        set { root["nodes"] = newValue }
    }

    func data() -> Data { try! JSONSerialization.data(withJSONObject: root, options: [.sortedKeys]) }

    /// Writes the model (and optional sidecar bytes) to a fresh temporary directory.
    func write(weights: [UInt8]? = nil, raw: Data? = nil) -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tinyc-fixture-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("tiny.json")
        try! (raw ?? data()).write(to: url)
        if let weights { try! Data(weights).write(to: dir.appendingPathComponent("tiny.weights.bin")) }
        return url
    }
}
