import TinycIR

/// Builds a `Graph` from a verified `TFLiteFile`. The flatbuffer verifier guarantees the file's
/// structure; everything it cannot know (tensor indices in range, buffer sizes matching shapes,
/// supported types and options) is checked here, with the operator or tensor in the message.
struct TFLiteImporter {
    let file: TFLiteFile
    var graph: Graph
    /// The operators in file order (TFLite stores them in execution order) with their builtin and
    /// their index in the file (for messages), without those that only compute reshape shapes.
    private let operators: [(op: TFLiteFile.Operator, builtin: TFLiteBuiltin, index: Int)]
    /// TFLite tensor index -> graph tensor, filled on first use.
    private var ids: [Int: TensorID] = [:]
    private var names = Set<String>()
    private var nodeNames = Set<String>()

    /// Resolves every operator's code and fails with the complete list of those tinyc cannot run.
    init(file: TFLiteFile, name: String) throws(FrontendMessage) {
        self.file = file
        graph = Graph(name: name)
        var resolved: [(TFLiteFile.Operator, TFLiteBuiltin, Int)] = []
        var unsupported: [String] = []
        var all: [TFLiteFile.Operator] = []
        for i in 0..<file.operatorCount {
            guard let op = file.operator(i) else { throw FrontendMessage("operator #\(i) cannot be read") }
            all.append(op)
        }
        let shapeOnly = Self.shapeComputations(all, file)
        for (i, op) in all.enumerated() where !shapeOnly.contains(i) {
            guard let code = file.opcode(op.opcodeIndex) else {
                throw FrontendMessage("operator #\(i): opcode index \(op.opcodeIndex) is out of range (the model has \(file.opcodeCount) opcodes)")
            }
            guard let builtin = TFLiteBuiltin(rawValue: code.builtinCode) else {
                let what = code.builtinCode == TFLiteBuiltin.customCode ? "CUSTOM '\(code.customCode)'" : TFLiteBuiltin.name(of: code.builtinCode)
                unsupported.append("#\(i) \(what)\(Self.outputLabel(op, file))")
                continue
            }
            resolved.append((op, builtin, i))
        }
        guard unsupported.isEmpty else {
            let supported = TFLiteBuiltin.allCases.map(\.name).sorted().joined(separator: ", ")
            throw FrontendMessage("""
                \(unsupported.count) unsupported operator\(unsupported.count == 1 ? "" : "s"):
                  \(unsupported.joined(separator: "\n  "))
                tinyc supports \(supported)
                """)
        }
        operators = resolved
    }

    /// Operators that only compute a RESHAPE's shape input, e.g. the SHAPE -> STRIDED_SLICE -> PACK
    /// the converter writes for a Keras Flatten with a dynamic batch: every output is an INT32/INT64
    /// tensor read only as input 1 of a RESHAPE or by another such operator, and none is a model
    /// output. tinyc reshapes to the RESHAPE output's static shape (below), so these operators have
    /// no effect and are dropped, whatever their kind.
    private static func shapeComputations(_ ops: [TFLiteFile.Operator], _ file: TFLiteFile) -> Set<Int> {
        let isReshape = ops.map { file.opcode($0.opcodeIndex)?.builtinCode == TFLiteBuiltin.reshape.rawValue }
        var readers: [Int: [(op: Int, slot: Int)]] = [:]
        for (i, op) in ops.enumerated() {
            for (slot, t) in op.inputs.enumerated() where t >= 0 { readers[t, default: []].append((i, slot)) }
        }
        let outputs = Set(file.inputs + file.outputs)
        let integer: Set<Int8> = [2, 4]  // INT32, INT64
        var dropped = Set<Int>()
        var changed = true
        while changed {  // consumers come after producers, so walking backwards converges in one sweep or two
            changed = false
            for i in ops.indices.reversed() where !dropped.contains(i) && !isReshape[i] && !ops[i].outputs.isEmpty {
                let onlyShapes = ops[i].outputs.allSatisfy { t in
                    guard t >= 0, !outputs.contains(t), let type = file.tensor(t)?.type, integer.contains(type),
                          let uses = readers[t], !uses.isEmpty else { return false }
                    return uses.allSatisfy { (isReshape[$0.op] && $0.slot == 1) || dropped.contains($0.op) }
                }
                if onlyShapes {
                    dropped.insert(i)
                    changed = true
                }
            }
        }
        return dropped
    }

    /// " (output 'name')" for messages, or "" when the output cannot be named.
    private static func outputLabel(_ op: TFLiteFile.Operator, _ file: TFLiteFile) -> String {
        guard let first = op.outputs.first, let t = file.tensor(first), !t.name.isEmpty else { return "" }
        return " (output '\(t.name)')"
    }

    mutating func importGraph() throws(FrontendMessage) -> Graph {
        let edges = edgeConversions()
        for (i, entry) in operators.enumerated() where !edges.operators.contains(i) {
            let label = "operator #\(entry.index) \(entry.builtin.name)\(Self.outputLabel(entry.op, file))"
            do throws(FrontendMessage) {
                try addNode(entry.op, entry.builtin)
            } catch {
                throw FrontendMessage("\(label): \(error.text)")
            }
        }
        for t in file.inputs { graph.inputs.append(try tensor(edges.inputs[t] ?? t, role: "model input")) }
        for t in file.outputs { graph.outputs.append(try tensor(edges.outputs[t] ?? t, role: "model output")) }
        guard !graph.inputs.isEmpty, !graph.outputs.isEmpty else {
            throw FrontendMessage("the main subgraph declares \(graph.inputs.count) inputs and \(graph.outputs.count) outputs; tinyc needs at least one of each")
        }
        for id in graph.inputs where graph.isConstant(id) {
            throw FrontendMessage("model input '\(graph[id].name)' is a constant tensor")
        }
        graph.compactTensors()  // drops int8 weights replaced by dequantized ones (hybrid models)
        return graph
    }

    // MARK: Float I/O at the edges

    /// QUANTIZE ops turning a float model input into int8 and DEQUANTIZE ops turning an int8
    /// tensor into a float model output: their operator indices, and the int8 tensor that takes
    /// each float input's / output's place.
    private func edgeConversions() -> (operators: Set<Int>, inputs: [Int: Int], outputs: [Int: Int]) {
        var readers: [Int: Int] = [:]
        for (op, _, _) in operators { for t in op.inputs where t >= 0 { readers[t, default: 0] += 1 } }
        func type(_ t: Int) -> Int8? { file.tensor(t)?.type }
        let float: Int8 = 0, int8: Int8 = 9
        var skipped = Set<Int>(), inputs: [Int: Int] = [:], outputs: [Int: Int] = [:]
        let modelInputs = Set(file.inputs), modelOutputs = Set(file.outputs)
        for (i, (op, builtin, _)) in operators.enumerated() where op.inputs.count == 1 && op.outputs.count == 1 {
            let x = op.inputs[0], y = op.outputs[0]
            switch builtin {
            case .quantize where modelInputs.contains(x) && readers[x] == 1 && type(x) == float && type(y) == int8:
                skipped.insert(i)
                inputs[x] = y
            case .dequantize where modelOutputs.contains(y) && readers[y] == nil && type(x) == int8 && type(y) == float:
                skipped.insert(i)
                outputs[y] = x
            default:
                break
            }
        }
        return (skipped, inputs, outputs)
    }

    // MARK: Tensors

    /// The graph tensor for TFLite tensor `index`, created with its type, quantization and data
    /// on first use.
    mutating func tensor(_ index: Int, role: String) throws(FrontendMessage) -> TensorID {
        if let id = ids[index] { return id }
        guard let t = file.tensor(index) else {
            throw FrontendMessage("\(role) refers to tensor #\(index), but the model has \(file.tensorCount) tensors")
        }
        let label = "tensor #\(index) '\(t.name)'"
        let dtype: DType
        switch TFLiteTensorType.dtype(t.type) {
        case .supported(let d): dtype = d
        case .unsupported(let name): throw FrontendMessage("\(label) has element type \(name); tinyc supports FLOAT32, INT8, INT4 (weights) and INT32 (bias)")
        }
        guard !t.isSparse else { throw FrontendMessage("\(label) is sparse; sparse tensors are not supported") }
        guard !t.isVariable else { throw FrontendMessage("\(label) is a variable (stateful) tensor; not supported") }
        guard !t.hasCustomQuantization else { throw FrontendMessage("\(label) uses custom quantization; not supported") }
        let shape = try checkedShape(t.shape, label)
        let quantization = dtype == .f32 ? Quantization.none : try Self.quantization(t, shape: shape, label)
        if dtype != .f32, quantization == .none {
            throw FrontendMessage("\(label) is \(dtype.rawValue) without quantization parameters; tinyc imports float32 or full-integer models")
        }
        let type = TensorType(shape: shape, dtype: dtype, quantization: quantization)
        var data: ConstantData?
        if t.buffer != 0 {
            guard let bytes = file.buffer(t.buffer) else {
                throw FrontendMessage("\(label) refers to buffer #\(t.buffer), which is out of range or lies outside the file (\(file.bufferCount) buffers)")
            }
            if !bytes.isEmpty, dtype == .s4 {
                // TFLite packs int4 constants densely, low nibble first (kTfLiteInt4)
                guard bytes.count == Int4Packing.bytes(count: type.count) else {
                    throw FrontendMessage("\(label) is int4\(shape) (\(Int4Packing.bytes(count: type.count)) bytes packed) but its buffer holds \(bytes.count) bytes")
                }
                data = ConstantData(int8: Int4Packing.unpack(bytes, count: type.count))
            } else if !bytes.isEmpty {
                guard bytes.count == type.byteCount else {
                    throw FrontendMessage("\(label) is \(dtype.rawValue)\(shape) (\(type.byteCount) bytes) but its buffer holds \(bytes.count) bytes")
                }
                data = ConstantData(bytes: bytes)
            }
        }
        var name = t.name.isEmpty ? "tensor\(index)" : t.name
        if names.contains(name) { name += "#\(index)" }
        names.insert(name)
        let id = graph.addTensor(name, type, data: data)
        ids[index] = id
        return id
    }

    /// Dimensions must be positive and the element count must stay far from overflow.
    private func checkedShape(_ shape: [Int], _ label: String) throws(FrontendMessage) -> [Int] {
        guard shape.count <= 6 else { throw FrontendMessage("\(label) has rank \(shape.count); tinyc supports up to 6") }
        var count = 1
        for d in shape {
            guard d > 0 else { throw FrontendMessage("\(label) has shape \(shape): every dimension must be positive (dynamic shapes are not supported)") }
            count = count.multipliedReportingOverflow(by: d).partialValue
            guard count <= 1 << 28, d <= 1 << 28 else { throw FrontendMessage("\(label) has shape \(shape): too large for a microcontroller") }
        }
        return shape
    }

    private static func quantization(_ t: TFLiteFile.Tensor, shape: [Int], _ label: String) throws(FrontendMessage) -> Quantization {
        guard !t.scales.isEmpty else { return .none }
        guard t.zeroPoints.count == t.scales.count else {
            throw FrontendMessage("\(label) has \(t.scales.count) scales but \(t.zeroPoints.count) zero points")
        }
        for s in t.scales where !(s.isFinite && s > 0) {
            throw FrontendMessage("\(label) has scale \(s); scales must be positive and finite")
        }
        for z in t.zeroPoints where z < Int64(Int32.min) || z > Int64(Int32.max) {
            throw FrontendMessage("\(label) has zero point \(z), outside int32")
        }
        let zeroPoints = t.zeroPoints.map { Int32($0) }
        if t.scales.count == 1 { return .perTensor(scale: t.scales[0], zeroPoint: zeroPoints[0]) }
        let axis = t.quantizedDimension
        guard shape.indices.contains(axis), shape[axis] == t.scales.count else {
            throw FrontendMessage("\(label) has \(t.scales.count) per-channel scales along dimension \(axis) of shape \(shape)")
        }
        return .perChannel(scales: t.scales, zeroPoints: zeroPoints, axis: axis)
    }

    /// The values of a constant INT32/INT64 tensor (axes, paddings).
    func constantInts(_ index: Int, role: String) throws(FrontendMessage) -> [Int] {
        guard let t = file.tensor(index) else { throw FrontendMessage("\(role) refers to tensor #\(index), which does not exist") }
        guard t.buffer != 0, let bytes = file.buffer(t.buffer), !bytes.isEmpty else {
            throw FrontendMessage("\(role) '\(t.name)' must be a constant tensor")
        }
        let width: Int
        switch t.type {
        case 2: width = 4
        case 4: width = 8
        default: throw FrontendMessage("\(role) '\(t.name)' must be INT32 or INT64")
        }
        let count = t.shape.reduce(1, *)
        guard bytes.count == count * width else { throw FrontendMessage("\(role) '\(t.name)' has \(bytes.count) bytes for \(count) values") }
        return stride(from: 0, to: bytes.count, by: width).map { i in
            var v: UInt64 = 0
            for b in (0..<width).reversed() { v = v << 8 | UInt64(bytes[i + b]) }
            return width == 4 ? Int(Int32(bitPattern: UInt32(truncatingIfNeeded: v))) : Int(Int64(bitPattern: v))
        }
    }

    /// Hybrid (dynamic-range quantized) models keep float activations with int8 constant weights.
    /// tinyc imports them as float models, each such weight dequantized to `scale × (q − zero point)`
    /// per channel, and quantizes the whole model itself (`--calib`).
    mutating func dequantizingHybridWeights(_ xs: [TensorID]) -> [TensorID] {
        guard let x = xs.first, graph.type(x).dtype == .f32 else { return xs }
        return xs.map { id in
            let type = graph.type(id)
            guard type.dtype == .s8, let data = graph.constants[id] else { return id }
            var axis = 0
            if case .perChannel(_, _, let a) = type.quantization { axis = a }
            let channels = type.quantization.scales.count > 1 ? type.shape[axis] : 1
            let inner = type.shape.count > axis ? type.shape[(axis + 1)...].reduce(1, *) : 1
            let values = data.int8.enumerated().map { i, q -> Float in
                let c = (i / inner) % channels
                return type.quantization.scale(channel: c) * Float(Int32(q) - type.quantization.zeroPoints[c])
            }
            return graph.addTensor(graph[id].name + "/dequantized", TensorType(shape: type.shape, dtype: .f32), data: ConstantData(floats: values))
        }
    }

    /// Adds a node, named after its output tensor (nodes have no names in TFLite). The converter
    /// joins the names of fused TensorFlow ops with ';' ("model/relu;model/bn;model/conv2d/Conv2D");
    /// the first is the one a reader recognises, and keeps the C comments and identifiers readable.
    mutating func addNode(_ op: Op, inputs: [TensorID], output: TensorID) {
        let full = graph[output].name
        var name = full.split(separator: ";").first.map(String.init) ?? full
        if nodeNames.contains(name) { name += "#\(graph.nodes.count)" }
        nodeNames.insert(name)
        graph.nodes.append(Node(op: op, inputs: inputs, outputs: [output], name: name))
    }
}
