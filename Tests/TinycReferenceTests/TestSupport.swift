import TinycIR
@testable import TinycReference

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny seeded generator, so every test is deterministic.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [lo, hi).
    mutating func uniform(_ lo: Float, _ hi: Float) -> Float {
        lo + (hi - lo) * Float(Double(next() >> 11) / Double(1 << 53))
    }

    /// Uniform int8.
    mutating func int8() -> Int8 { Int8(truncatingIfNeeded: next()) }

    mutating func floats(_ n: Int, _ lo: Float, _ hi: Float) -> [Float] { (0..<n).map { _ in uniform(lo, hi) } }
}

/// Builds small graphs node by node; output shapes come from `ShapeInference`.
struct TestGraph {
    var graph = Graph(name: "test")

    /// The graph input (the graph has exactly one).
    mutating func input(_ shape: [Int], _ dtype: DType = .f32, _ q: Quantization = .none) -> TensorID {
        let id = graph.addTensor("input", TensorType(shape: shape, dtype: dtype, quantization: q))
        graph.inputs = [id]
        return id
    }

    mutating func constant(_ shape: [Int], floats: [Float]) -> TensorID {
        graph.addTensor("c\(graph.tensors.count)", TensorType(shape: shape, dtype: .f32), data: ConstantData(floats: floats))
    }

    mutating func constant(_ shape: [Int], int8: [Int8], _ q: Quantization) -> TensorID {
        graph.addTensor("c\(graph.tensors.count)", TensorType(shape: shape, dtype: .s8, quantization: q), data: ConstantData(int8: int8))
    }

    mutating func constant(_ shape: [Int], int32: [Int32]) -> TensorID {
        graph.addTensor("c\(graph.tensors.count)", TensorType(shape: shape, dtype: .s32), data: ConstantData(int32: int32))
    }

    /// Appends a node; its output gets `dtype`/`q` and the inferred shape (or `shape`, for reshape).
    @discardableResult
    mutating func node(_ op: Op, _ inputs: [TensorID], _ dtype: DType = .f32, _ q: Quantization = .none, shape: [Int]? = nil) throws -> TensorID {
        let out = graph.addTensor("t\(graph.tensors.count)", TensorType(shape: shape ?? [1], dtype: dtype, quantization: q))
        graph.nodes.append(Node(op: op, inputs: inputs, outputs: [out], name: "n\(graph.nodes.count)"))
        if shape == nil {
            graph[out].type.shape = try ShapeInference.outputShape(of: graph.nodes.count - 1, in: graph)
        }
        graph.outputs = [out]
        return out
    }

    func interpreter() throws -> ReferenceInterpreter { try ReferenceInterpreter(graph) }
}

/// Runs a one-input float graph.
func runFloat(_ g: TestGraph, _ input: [Float]) throws -> [Float] {
    try g.interpreter().run(.f32(input)).floats ?? []
}

/// Runs a one-input int8 graph.
func runInt8(_ g: TestGraph, _ input: [Int8]) throws -> [Int8] {
    try g.interpreter().run(.s8(input)).int8 ?? []
}

/// True when every pair differs by at most `tolerance`.
func allClose(_ a: [Float], _ b: [Float], _ tolerance: Float = 1e-5) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
}

func pt(_ scale: Float, _ zeroPoint: Int32) -> Quantization { .perTensor(scale: scale, zeroPoint: zeroPoint) }
func pc(_ scales: [Float], axis: Int = 0) -> Quantization { .perChannel(scales: scales, zeroPoints: scales.map { _ in 0 }, axis: axis) }
