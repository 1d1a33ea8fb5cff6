import TinycIR

/// The Swift reference interpreter: the oracle the generated C is checked against, byte for byte.
///
/// Float graphs run with float32 tensors (reductions accumulate in Double, see `FloatKernels`).
/// Quantized nodes (int8 activations) run TFLite Micro's reference integer kernels bit-exactly,
/// with the integer constants of `IntegerParams`, computed once here exactly as the code generator
/// computes them. Graphs are verified on construction; nothing reachable from a graph or an input
/// traps: problems are `GraphError`s.
///
/// Rationale: one exhaustive `switch` over `Op` (in `evaluate`) picks the float or the int8 kernel
/// per node, so adding an op makes the compiler point here.
public struct ReferenceInterpreter: Sendable {
    public let graph: Graph
    /// Per node: the integer parameters of a quantized node, nil for a float node.
    let integerParams: [IntegerParams?]
    /// Decoded constant tensors.
    let constantValues: [TensorID: TensorValue]

    /// Verifies `graph` and precomputes the integer parameters of its quantized nodes.
    public init(_ graph: Graph) throws(GraphError) {
        try Verifier.verify(graph)
        var constants: [TensorID: TensorValue] = [:]
        let floatGraph = graph.inputs.first.map { graph.type($0).dtype == .f32 } ?? false
        for (id, data) in graph.constants {
            let type = graph.type(id)
            // a float graph computes with the real weights scale · q; a quantized one with q as int8
            constants[id] = type.dtype.isLowBitWeight && floatGraph
                ? .f32(Ternary.dequantized(data, type))
                : try TensorValue(bytes: data.bytes, dtype: type.dtype)
        }
        var params: [IntegerParams?] = []
        for index in graph.nodes.indices {
            try Self.checkSupported(index, in: graph)
            params.append(graph.type(graph.nodes[index].inputs[0]).dtype == .s8 ? try IntegerParams.of(index, in: graph) : nil)
        }
        self.graph = graph
        integerParams = params
        constantValues = constants
    }

    /// Runs the graph on `input` (the graph's single input) and returns its single output.
    public func run(_ input: TensorValue) throws(GraphError) -> TensorValue {
        let values = try evaluateAll(input)
        guard let output = values[graph.outputs[0].index] else {
            throw GraphError(.tensor(name: graph[graph.outputs[0]].name), "graph output was not computed")
        }
        return output
    }

    /// Runs the graph and returns every non-constant tensor: the input and each node's output.
    /// Used for calibration and debugging.
    public func runAll(_ input: TensorValue) throws(GraphError) -> [TensorID: TensorValue] {
        let values = try evaluateAll(input)
        var result: [TensorID: TensorValue] = [:]
        for (i, value) in values.enumerated() where !graph.isConstant(TensorID(i)) {
            if let value { result[TensorID(i)] = value }
        }
        return result
    }

    // MARK: - Quantization helpers

    /// TFLite AffineQuantize: q = clamp(round(x / scale) + zeroPoint, −128, 127), the division in
    /// float32 and the rounding half away from zero. NaN maps to the zero point.
    public static func quantize(_ x: [Float], scale: Float, zeroPoint: Int32) -> [Int8] {
        x.map { v in
            var r = (v / scale).rounded(.toNearestOrAwayFromZero)
            if r.isNaN { r = 0 }
            r = min(max(r, -1e9), 1e9)  // stay far inside Int64 before adding the zero point
            let q = Int64(r) + Int64(zeroPoint)
            return Int8(min(max(q, Int64(Int8.min)), Int64(Int8.max)))
        }
    }

    /// TFLite Dequantize: x = scale · (q − zeroPoint), computed in double and rounded to float.
    public static func dequantize(_ q: [Int8], scale: Float, zeroPoint: Int32) -> [Float] {
        q.map { Float(Double(scale) * Double(Int64($0) - Int64(zeroPoint))) }
    }

    // MARK: - Evaluation

    /// Values of every tensor after running the graph, indexed by `TensorID.index`.
    func evaluateAll(_ input: TensorValue) throws(GraphError) -> [TensorValue?] {
        let inputID = graph.inputs[0]
        let inputType = graph.type(inputID)
        guard input.dtype == inputType.dtype else {
            throw GraphError(.graph, "input '\(graph[inputID].name)' must be \(inputType.dtype.rawValue), got \(input.dtype.rawValue)")
        }
        guard input.count == inputType.count else {
            throw GraphError(.graph, "input '\(graph[inputID].name)' \(inputType.shape) needs \(inputType.count) values, got \(input.count)")
        }
        var values = [TensorValue?](repeating: nil, count: graph.tensors.count)
        for (id, value) in constantValues { values[id.index] = value }
        values[inputID.index] = input
        for index in graph.nodes.indices {
            let operands = try Operands(index: index, graph: graph, values: values)
            values[graph.nodes[index].outputs[0].index] = try evaluate(index, operands)
        }
        return values
    }

    /// Computes the output of node `index`; with `tile`, on one tile of a patch stage (the
    /// operands are tiles, and windowed ops use the tile's sizes and local padding).
    func evaluate(_ index: Int, _ x: Operands, tile: TileWindow? = nil) throws(GraphError) -> TensorValue {
        let node = graph.nodes[index]
        let params = integerParams[index]
        let inShape = graph.type(node.inputs[0]).shape
        let outShape = graph.type(node.outputs[0]).shape
        func mismatch() -> GraphError { .node(index, node, "internal: integer parameters do not match the op") }

        switch node.op {
        case .conv2d(let a):
            let w = graph.type(node.inputs[1]).shape
            var g = window(inShape, outShape, kernel: HW(w[1], w[2]), a.stride, a.dilation, a.padding)
            guard let params else { return .f32(FloatKernels.conv2d(try x.f32(0), try x.f32(1), try x.optionalF32(2), g, a.activation)) }
            guard case .conv(let p) = params else { throw mismatch() }
            g.pads = p.pads
            tile?.apply(to: &g)
            return .s8(Int8Kernels.conv2d(try x.s8(0), try x.s8(1), try x.optionalS32(2), g, p))

        case .depthwiseConv2d(let a):
            let w = graph.type(node.inputs[1]).shape
            var g = window(inShape, outShape, kernel: HW(w[1], w[2]), a.stride, a.dilation, a.padding)
            guard let params else {
                return .f32(FloatKernels.depthwise(try x.f32(0), try x.f32(1), try x.optionalF32(2), g, multiplier: a.depthMultiplier, a.activation))
            }
            guard case .conv(let p) = params else { throw mismatch() }
            g.pads = p.pads
            tile?.apply(to: &g)
            return .s8(Int8Kernels.depthwise(try x.s8(0), try x.s8(1), try x.optionalS32(2), g, multiplier: a.depthMultiplier, p))

        case .fullyConnected(let a):
            let outputs = graph.type(node.inputs[1]).shape[0]
            guard let params else { return .f32(FloatKernels.fullyConnected(try x.f32(0), try x.f32(1), try x.optionalF32(2), outputs: outputs, a.activation)) }
            guard case .conv(let p) = params else { throw mismatch() }
            return .s8(Int8Kernels.fullyConnected(try x.s8(0), try x.s8(1), try x.optionalS32(2), outputs: outputs, p))

        case .add(let act):
            let pairs = tile != nil
                ? (0..<(try x.value(0).count)).map { ($0, $0) }  // tiles of same-shape operands
                : BroadcastIndex.pairs(inShape, graph.type(node.inputs[1]).shape, out: outShape)
            guard let params else { return .f32(FloatKernels.add(try x.f32(0), try x.f32(1), pairs: pairs, act)) }
            guard case .add(let p) = params else { throw mismatch() }
            return .s8(Int8Kernels.add(try x.s8(0), try x.s8(1), pairs: pairs, p))

        case .maxPool2d(let a):
            var g = window(inShape, outShape, kernel: a.kernel, a.stride, .one, a.padding)
            guard let params else { return .f32(FloatKernels.maxPool(try x.f32(0), g, a.activation)) }
            guard case .pool(let pads, let lo, let hi) = params else { throw mismatch() }
            g.pads = pads
            tile?.apply(to: &g)
            return .s8(Int8Kernels.maxPool(try x.s8(0), g, actMin: lo, actMax: hi))

        case .avgPool2d(let a):
            var g = window(inShape, outShape, kernel: a.kernel, a.stride, .one, a.padding)
            guard let params else { return .f32(FloatKernels.avgPool(try x.f32(0), g, a.activation)) }
            guard case .pool(let pads, let lo, let hi) = params else { throw mismatch() }
            g.pads = pads
            tile?.apply(to: &g)
            return .s8(Int8Kernels.avgPool(try x.s8(0), g, actMin: lo, actMax: hi))

        case .mean:
            let pixels = inShape[1] * inShape[2], channels = inShape[3]
            guard let params else { return .f32(FloatKernels.mean(try x.f32(0), pixels: pixels, channels: channels)) }
            guard case .mean(let p) = params else { throw mismatch() }
            return .s8(Int8Kernels.mean(try x.s8(0), pixels: pixels, channels: channels, p))

        case .activation(let act):
            guard let params else { return .f32(FloatKernels.activation(try x.f32(0), act)) }
            switch params {
            case .clamp(let lo, let hi): return .s8(Int8Kernels.clampAll(try x.s8(0), actMin: lo, actMax: hi))
            case .requantize(let p): return .s8(Int8Kernels.requantize(try x.s8(0), p))
            default: throw mismatch()
            }

        case .logistic:
            guard let params else { return .f32(FloatKernels.logistic(try x.f32(0))) }
            guard case .logistic(let p) = params else { throw mismatch() }
            return .s8(Int8Kernels.logistic(try x.s8(0), p))

        case .requantize:
            guard let params else { return try x.value(0) }
            guard case .requantize(let p) = params else { throw mismatch() }
            return .s8(Int8Kernels.requantize(try x.s8(0), p))

        case .reshape:
            return try x.value(0)

        case .softmax(let beta):
            let depth = inShape.last ?? 1
            guard let params else { return .f32(FloatKernels.softmax(try x.f32(0), depth: depth, beta: beta)) }
            guard case .softmax(let p) = params else { throw mismatch() }
            do {
                return .s8(try Int8Softmax.run(try x.s8(0), depth: depth, p))
            } catch {
                throw .node(index, node, error.message)
            }

        case .pad(let pads):
            let (h, w, c) = (inShape[1], inShape[2], inShape[3])
            guard let params else {
                let value = node.inputs.count == 2 ? try x.f32(1).first ?? 0 : 0
                return .f32(DataMovement.pad(try x.f32(0), height: h, width: w, channels: c, pads, value: value))
            }
            guard case .pad(let value) = params else { throw mismatch() }
            let fill = Int8(truncatingIfNeeded: value)
            return .s8(DataMovement.pad(try x.s8(0), height: h, width: w, channels: c, pads, value: fill))

        case .concat(let axis):
            let shapes = node.inputs.map { graph.type($0).shape }
            guard params != nil else {
                return .f32(DataMovement.concat(try node.inputs.indices.map { i throws(GraphError) in try x.f32(i) }, shapes: shapes, axis: axis))
            }
            return .s8(DataMovement.concat(try node.inputs.indices.map { i throws(GraphError) in try x.s8(i) }, shapes: shapes, axis: axis))

        case .batchNorm(let epsilon):
            guard params == nil else { throw mismatch() }
            return .f32(FloatKernels.batchNorm(try x.f32(0), gamma: try x.f32(1), beta: try x.f32(2), mean: try x.f32(3), variance: try x.f32(4), epsilon: epsilon))
        }
    }

    /// The window geometry of a conv/depthwise/pool node with TFLite padding resolved.
    func window(_ inShape: [Int], _ outShape: [Int], kernel: HW, _ stride: HW, _ dilation: HW, _ padding: Padding) -> Window {
        return Window(
            inH: inShape[1], inW: inShape[2], inC: inShape[3],
            outH: outShape[1], outW: outShape[2], outC: outShape[3],
            kH: kernel.h, kW: kernel.w, stride: stride, dilation: dilation,
            pads: WindowGeometry.pads(input: HW(inShape[1], inShape[2]), kernel: kernel, stride: stride, dilation: dilation, padding: padding))
    }
}
