import Foundation
import TinycIR
import TinycReference
import TinycSchedule

/// Turns `--input` into int8 samples for a quantized graph: a .npy file (float arrays are quantized
/// with the input's scale and zero point, int8 arrays are used as they are), or raw int8 bytes. Both
/// may hold several samples back to back. Without a file: one fixed pseudo-random input.
enum InputLoader {
    /// Seed of the default input, so every run of every build sees the same bytes.
    static let defaultSeed: UInt64 = 0x7153_0001

    static func samples(_ path: String?, for graph: Graph) throws(CLIError) -> [[Int8]] {
        let input = graph.type(graph.inputs[0])
        let n = input.count
        guard let (scale, zeroPoint) = input.quantization.perTensorParameters, input.dtype == .s8 else {
            throw CLIError("model input '\(graph[graph.inputs[0]].name)' is not int8")
        }
        guard let path else {
            var rng = SplitMix64(seed: defaultSeed)
            return [(0..<n).map { _ in Int8(truncatingIfNeeded: rng.next()) }]
        }
        let url = URL(fileURLWithPath: path)
        if url.pathExtension.lowercased() == "npy" {
            let array = try Npy.read(url)
            let rows = try Npy.samples(array, elements: n, file: path)
            switch array.dtype {
            case "<f4", "<f8":
                return rows.map { ReferenceInterpreter.quantize($0.map { Float($0) }, scale: scale, zeroPoint: zeroPoint) }
            case "|i1", "<i1":
                return rows.map { $0.map { Int8($0) } }
            default:
                throw CLIError("\(path): input arrays must be float32/float64 (quantized with the model's input scale \(scale) and zero point \(zeroPoint)) or int8, got \(array.dtype)")
            }
        }
        guard let data = try? Data(contentsOf: url) else { throw CLIError("cannot read '\(path)'") }
        guard !data.isEmpty, data.count % n == 0 else {
            throw CLIError("\(path): \(data.count) bytes is not a multiple of the model input (\(n) int8 values, shape \(input.shape))")
        }
        let bytes = data.map { Int8(bitPattern: $0) }
        return stride(from: 0, to: bytes.count, by: n).map { Array(bytes[$0..<$0 + n]) }
    }

    /// Integer class labels from a .npy file.
    static func labels(_ path: String) throws(CLIError) -> [Int] {
        try Npy.read(URL(fileURLWithPath: path)).values.map { Int($0) }
    }
}
