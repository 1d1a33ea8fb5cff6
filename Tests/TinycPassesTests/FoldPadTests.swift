import Testing
import TinycIR
import TinycPasses
import TinycReference
import TinycSchedule

/// The fold-pad pass (ALGORITHMS.md §2.2): `pad → conv/depthwise` becomes one node with explicit
/// padding when that is exact, checked structurally and numerically (the reference interpreter
/// gives the same bytes, or the same floats, before and after), and left alone when it is not.

/// Builds `pad → windowed op` graphs, int8 (per-tensor activations, per-channel weights, int32
/// bias) or float, with seeded random weights.
private struct PadNet {
    var graph = Graph(name: "pad")
    var rng: SplitMix64
    let float: Bool
    var input: TensorID

    static let inQ = Quantization.perTensor(scale: 0.05, zeroPoint: -7)
    static let outQ = Quantization.perTensor(scale: 0.11, zeroPoint: 4)

    init(_ shape: [Int], float: Bool, seed: UInt64 = 1) {
        self.float = float
        rng = SplitMix64(seed: seed)
        input = graph.addTensor("x", TensorType(shape: shape, dtype: float ? .f32 : .s8, quantization: float ? .none : Self.inQ))
        graph.inputs = [input]
        graph.outputs = [input]
    }

    func activation(_ shape: [Int], _ q: Quantization) -> TensorType {
        TensorType(shape: shape, dtype: float ? .f32 : .s8, quantization: float ? .none : q)
    }

    @discardableResult
    mutating func append(_ op: Op, _ inputs: [TensorID], _ q: Quantization = outQ) throws -> TensorID {
        let out = graph.addTensor("t\(graph.tensors.count)", activation([1], q))
        graph.nodes.append(Node(op: op, inputs: inputs, outputs: [out], name: "n\(graph.nodes.count)"))
        graph[out].type.shape = try ShapeInference.outputShape(of: graph.nodes.count - 1, in: graph)
        graph.outputs = [out]
        return out
    }

    /// PAD (no value) or PADV2 (`value`: a raw int8, or a float). The output keeps the input's
    /// quantization unless `q` says otherwise.
    mutating func pad(_ x: TensorID, _ p: Pads, value: Double? = nil, q: Quantization? = nil) throws -> TensorID {
        let q = q ?? graph.type(x).quantization
        var inputs = [x]
        if let value {
            inputs.append(float
                ? graph.addTensor("v", TensorType(shape: [1], dtype: .f32), data: ConstantData(floats: [Float(value)]))
                : graph.addTensor("v", TensorType(shape: [1], dtype: .s8, quantization: q), data: ConstantData(int8: [Int8(value)])))
        }
        return try append(.pad(p), inputs, q)
    }

    /// Weights of `shape` with `channels` output channels along `axis`, and a bias.
    private mutating func weightsAndBias(_ shape: [Int], channels: Int, axis: Int) -> [TensorID] {
        let n = shape.reduce(1, *)
        if float {
            let w = graph.addTensor("w", TensorType(shape: shape, dtype: .f32),
                                    data: ConstantData(floats: (0..<n).map { _ in Float(rng.nextDouble() * 2 - 1) }))
            let b = graph.addTensor("b", TensorType(shape: [channels], dtype: .f32),
                                    data: ConstantData(floats: (0..<channels).map { _ in Float(rng.nextDouble() - 0.5) }))
            return [w, b]
        }
        let scales = (0..<channels).map { _ in Float(0.002 + 0.01 * rng.nextDouble()) }
        let w = graph.addTensor("w", TensorType(shape: shape, dtype: .s8,
                                                quantization: .perChannel(scales: scales, zeroPoints: scales.map { _ in 0 }, axis: axis)),
                                data: ConstantData(int8: (0..<n).map { _ in Int8(truncatingIfNeeded: rng.next()) }))
        let b = graph.addTensor("b", TensorType(shape: [channels], dtype: .s32),
                                data: ConstantData(int32: (0..<channels).map { _ in Int32(rng.next(in: -2000...2000)) }))
        return [w, b]
    }

    mutating func conv(_ x: TensorID, _ cout: Int, k: Int, _ a: Conv2D) throws -> TensorID {
        let c = graph.type(x).shape[3]
        return try append(.conv2d(a), [x] + weightsAndBias([cout, k, k, c], channels: cout, axis: 0))
    }

    mutating func depthwise(_ x: TensorID, k: Int, _ a: DepthwiseConv2D) throws -> TensorID {
        let c = graph.type(x).shape[3] * a.depthMultiplier
        return try append(.depthwiseConv2d(a), [x] + weightsAndBias([1, k, k, c], channels: c, axis: 3))
    }

    mutating func maxPool(_ x: TensorID, _ a: Pool2D) throws -> TensorID { try append(.maxPool2d(a), [x], graph.type(x).quantization) }
    mutating func avgPool(_ x: TensorID, _ a: Pool2D) throws -> TensorID { try append(.avgPool2d(a), [x], graph.type(x).quantization) }
    mutating func add(_ a: TensorID, _ b: TensorID) throws -> TensorID { try append(.add(.none), [a, b]) }
}

/// Runs `before` and `after` on `count` seeded random inputs; true when every output is the same
/// (int8: the same bytes; float: the same values).
private func sameOutputs(_ before: Graph, _ after: Graph, count: Int = 20, seed: UInt64 = 42) throws -> Bool {
    let r0 = try ReferenceInterpreter(before), r1 = try ReferenceInterpreter(after)
    var rng = SplitMix64(seed: seed)
    let type = before.type(before.inputs[0])
    for _ in 0..<count {
        let input: TensorValue = type.dtype == .f32
            ? .f32((0..<type.count).map { _ in Float(rng.nextDouble() * 4 - 2) })
            : .s8((0..<type.count).map { _ in Int8(truncatingIfNeeded: rng.next()) })
        let a = try r0.run(input), b = try r1.run(input)
        if type.dtype == .f32 {
            guard let u = a.floats, let v = b.floats, u == v else { return false }
        } else {
            guard let u = a.int8, let v = b.int8, u == v else { return false }
        }
    }
    return true
}

/// The padding of the single remaining windowed node, if the graph is exactly one such node reading
/// the graph input.
private func foldedPadding(_ g: Graph) -> Padding? {
    guard g.nodes.count == 1, g.nodes[0].inputs[0] == g.inputs[0] else { return nil }
    switch g.nodes[0].op {
    case .conv2d(let a): return a.padding
    case .depthwiseConv2d(let a): return a.padding
    default: return nil
    }
}

// MARK: - Folded

/// Keras' ZeroPadding2D before a VALID depthwise: symmetric (stride 1) and MobileNetV2's
/// bottom/right-only padding before a stride-2 depthwise.
@Test(arguments: [false, true], [(Pads(top: 1, bottom: 1, left: 1, right: 1), 1), (Pads(top: 0, bottom: 1, left: 0, right: 1), 2)])
func padThenValidDepthwiseFolds(float: Bool, _ config: (Pads, Int)) throws {
    let (pads, stride) = config
    var net = PadNet([1, 9, 8, 3], float: float, seed: 3)
    let p = try net.pad(net.input, pads)
    let y = try net.depthwise(p, k: 3, DepthwiseConv2D(stride: HW(stride, stride), padding: .valid, activation: .relu6))
    let before = net.graph
    let after = try Pipeline.run([.foldPad], on: before)
    #expect(foldedPadding(after) == .explicit(pads))
    #expect(!after.nodes.contains { $0.op.name == "pad" })
    #expect(after.type(after.outputs[0]).shape == before.type(y).shape)
    #expect(try sameOutputs(before, after))
}

/// pad (asymmetric) → 3×3 stride-2 SAME conv on 7×6: padded 8×8, SAME on 8 gives 0 before and 1
/// after, so the folded explicit padding is top 1 + 0, bottom 0 + 1, left 0 + 0, right 2 + 1.
@Test(arguments: [false, true])
func padThenSameConvFoldsWithTheSumOfBothPaddings(float: Bool) throws {
    var net = PadNet([1, 7, 6, 2], float: float, seed: 5)
    let p = try net.pad(net.input, Pads(top: 1, bottom: 0, left: 0, right: 2))
    let y = try net.conv(p, 5, k: 3, Conv2D(stride: HW(2, 2), padding: .same))
    #expect(net.graph.type(y).shape == [1, 4, 4, 5])
    let before = net.graph
    let after = try Pipeline.run([.foldPad], on: before)
    #expect(foldedPadding(after) == .explicit(Pads(top: 1, bottom: 1, left: 0, right: 3)))
    #expect(after.type(after.outputs[0]).shape == [1, 4, 4, 5])
    #expect(try sameOutputs(before, after))
}

/// PADV2 whose value is what a skipped tap stands for: the int8 zero point, or float 0.
@Test(arguments: [false, true])
func padV2WithTheNeutralValueFolds(float: Bool) throws {
    var net = PadNet([1, 6, 6, 2], float: float, seed: 9)
    let zero = float ? 0.0 : Double(PadNet.inQ.zeroPoints[0])
    let p = try net.pad(net.input, Pads(top: 2, bottom: 1, left: 1, right: 0), value: zero)
    _ = try net.conv(p, 3, k: 3, Conv2D(dilation: HW(2, 1)))
    let before = net.graph
    let after = try Pipeline.run([.foldPad], on: before)
    #expect(foldedPadding(after) == .explicit(Pads(top: 2, bottom: 1, left: 1, right: 0)))
    #expect(try sameOutputs(before, after))
}

/// Seeded random sweep: pad (0…2 per side, sometimes PADV2 with the neutral value) → conv or
/// depthwise (kernel 1/3/5, stride 1/2, dilation 1/2, VALID/SAME/explicit), int8 and float, after
/// an optional leading conv so the pad does not always read the graph input. Every case folds into
/// one node and keeps the outputs.
@Test func randomPadThenConvFoldsExactly() throws {
    var rng = SplitMix64(seed: 2025)
    var folded = 0
    for trial in 0..<60 {
        let float = trial % 2 == 1
        var net = PadNet([1, rng.next(in: 3...9), rng.next(in: 3...9), rng.next(in: 1...3)], float: float, seed: UInt64(trial))
        var x = net.input
        let lead = rng.next(below: 2) == 0
        if lead { x = try net.conv(x, rng.next(in: 1...3), k: 1, Conv2D()) }
        let pads = Pads(top: rng.next(in: 0...2), bottom: rng.next(in: 0...2), left: rng.next(in: 0...2), right: rng.next(in: 0...2))
        let neutral = float ? 0.0 : Double(net.graph.type(x).quantization.zeroPoints[0])
        let p = try net.pad(x, pads, value: rng.next(below: 3) == 0 ? neutral : nil)
        let k = [1, 3, 5][rng.next(below: 3)], s = rng.next(in: 1...2), d = rng.next(in: 1...2)
        let padding: Padding = [.valid, .same, .explicit(Pads(top: rng.next(in: 0...1), bottom: rng.next(in: 0...1),
                                                               left: rng.next(in: 0...1), right: rng.next(in: 0...1)))][rng.next(below: 3)]
        let ph = net.graph.type(p).shape
        guard WindowGeometry.output(input: HW(ph[1], ph[2]), kernel: HW(k, k), stride: HW(s, s), dilation: HW(d, d), padding: padding) != nil
        else { continue }
        if rng.next(below: 2) == 0 {
            _ = try net.conv(p, rng.next(in: 1...4), k: k, Conv2D(stride: HW(s, s), dilation: HW(d, d), padding: padding))
        } else {
            _ = try net.depthwise(p, k: k, DepthwiseConv2D(stride: HW(s, s), dilation: HW(d, d), padding: padding))
        }
        let before = net.graph
        let after = try Pipeline.run([.foldPad], on: before)
        let context = "trial \(trial)\n\(before.description)\n→\n\(after.description)"
        #expect(after.nodes.count == before.nodes.count - 1, "\(context)")
        #expect(!after.nodes.contains { $0.op.name == "pad" }, "\(context)")
        #expect(after.type(after.outputs[0]).shape == before.type(before.outputs[0]).shape, "\(context)")
        #expect(try sameOutputs(before, after, count: 5, seed: UInt64(trial)), "\(context)")
        folded += 1
    }
    #expect(folded > 40)
}

// MARK: - Not folded

/// The pass leaves `graph` exactly as it was.
private func unchanged(_ graph: Graph, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let after = try Pipeline.run([.foldPad], on: graph)
    #expect(after == graph, "\(after.description)", sourceLocation: sourceLocation)
    #expect(after.nodes.contains { $0.op.name == "pad" }, sourceLocation: sourceLocation)
}

/// Pooling never folds: max pool ignores skipped taps (a padded value could be the maximum) and
/// average pool does not count them (a padded value counts, with value 0 / the zero point). The
/// would-be folded graph (pool with explicit padding) indeed computes something else.
@Test(arguments: [false, true])
func padThenPoolIsNotFolded(float: Bool) throws {
    let pads = Pads(top: 1, bottom: 1, left: 1, right: 1)
    for avg in [false, true] {
        var net = PadNet([1, 6, 6, 2], float: float)
        let p = try net.pad(net.input, pads)
        let pool = Pool2D(kernel: HW(3, 3), stride: HW(2, 2), padding: .valid)
        _ = avg ? try net.avgPool(p, pool) : try net.maxPool(p, pool)
        try unchanged(net.graph)

        var folded = PadNet([1, 6, 6, 2], float: float)
        let explicit = Pool2D(kernel: HW(3, 3), stride: HW(2, 2), padding: .explicit(pads))
        _ = avg ? try folded.avgPool(folded.input, explicit) : try folded.maxPool(folded.input, explicit)
        #expect(try !sameOutputs(net.graph, folded.graph), "avg \(avg)")
    }
}

@Test(arguments: [false, true])
func padWithTwoReadersIsNotFolded(float: Bool) throws {
    var net = PadNet([1, 6, 6, 2], float: float)
    let p = try net.pad(net.input, Pads(top: 1, bottom: 1, left: 1, right: 1))
    let a = try net.depthwise(p, k: 3, DepthwiseConv2D())
    let b = try net.depthwise(p, k: 3, DepthwiseConv2D())
    _ = try net.add(a, b)
    try unchanged(net.graph)
}

/// The padded tensor is a graph output: it must still be computed (the conv reading it is dead).
@Test(arguments: [false, true])
func padThatIsAGraphOutputIsNotFolded(float: Bool) throws {
    var net = PadNet([1, 6, 6, 2], float: float)
    let p = try net.pad(net.input, Pads(top: 1, bottom: 1, left: 1, right: 1))
    _ = try net.depthwise(p, k: 3, DepthwiseConv2D())
    net.graph.outputs = [p]
    try unchanged(net.graph)
}

/// PADV2 with another value than what a skipped tap stands for.
@Test func padV2WithANonNeutralValueIsNotFolded() throws {
    let pads = Pads(top: 1, bottom: 1, left: 1, right: 1)
    var int8 = PadNet([1, 6, 6, 2], float: false)
    let zp = Double(PadNet.inQ.zeroPoints[0])
    let p = try int8.pad(int8.input, pads, value: zp + 1)
    _ = try int8.depthwise(p, k: 3, DepthwiseConv2D())
    try unchanged(int8.graph)
    // Folding it would change the border outputs (same seed: same weights).
    var wrong = PadNet([1, 6, 6, 2], float: false)
    _ = try wrong.depthwise(wrong.input, k: 3, DepthwiseConv2D(padding: .explicit(pads)))
    #expect(try !sameOutputs(int8.graph, wrong.graph))

    var zeroNotZeroPoint = PadNet([1, 6, 6, 2], float: false)
    let q = try zeroNotZeroPoint.pad(zeroNotZeroPoint.input, Pads(top: 1, bottom: 1, left: 1, right: 1), value: 0)
    _ = try zeroNotZeroPoint.conv(q, 2, k: 3, Conv2D())
    try unchanged(zeroNotZeroPoint.graph)

    var float = PadNet([1, 6, 6, 2], float: true)
    let f = try float.pad(float.input, pads, value: 0.5)
    _ = try float.conv(f, 2, k: 3, Conv2D())
    try unchanged(float.graph)
    var wrongFloat = PadNet([1, 6, 6, 2], float: true)
    _ = try wrongFloat.conv(wrongFloat.input, 2, k: 3, Conv2D(padding: .explicit(pads)))
    #expect(try !sameOutputs(float.graph, wrongFloat.graph))
}

/// An int8 PAD whose output has another scale or zero point than its input (TFLM copies the raw
/// bytes): the conv after it reads the bytes with the pad output's parameters, which folding
/// would lose.
@Test func int8PadThatChangesQuantizationIsNotFolded() throws {
    var net = PadNet([1, 6, 6, 2], float: false)
    let p = try net.pad(net.input, Pads(top: 1, bottom: 1, left: 1, right: 1), q: .perTensor(scale: 0.05, zeroPoint: 0))
    _ = try net.depthwise(p, k: 3, DepthwiseConv2D())
    try unchanged(net.graph)
}
