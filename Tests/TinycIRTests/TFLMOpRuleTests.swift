import Testing
@testable import TinycIR

/// The TFLM rules behind logistic, requantize, standalone relu/relu6, broadcasting add and pad:
/// shapes, verifier rules and the integer constants (hand-computed from TFLM's Prepare functions;
/// the resulting kernels were checked against tflite-micro 0.dev20261023182759).
struct TFLMOpRuleTests {
    /// A one-node int8 graph x → op → y; `extra` inputs are appended after x.
    func graph(_ op: Op, x: [Int], _ qx: Quantization, y: [Int], _ qy: Quantization,
               extra: [(shape: [Int], q: Quantization, data: [Int8]?)] = []) -> Graph {
        var g = Graph(name: "t")
        let xi = g.addTensor("x", TensorType(shape: x, dtype: .s8, quantization: qx))
        var inputs = [xi]
        for (i, e) in extra.enumerated() {
            inputs.append(g.addTensor("e\(i)", TensorType(shape: e.shape, dtype: .s8, quantization: e.q), data: e.data.map { ConstantData(int8: $0) }))
        }
        let yi = g.addTensor("y", TensorType(shape: y, dtype: .s8, quantization: qy))
        g.nodes = [Node(op: op, inputs: inputs, outputs: [yi], name: "n")]
        g.inputs = [xi]
        g.outputs = [yi]
        return g
    }

    func q(_ s: Float, _ z: Int32) -> Quantization { .perTensor(scale: s, zeroPoint: z) }

    // MARK: broadcasting

    @Test func broadcastShapesFollowNumpy() {
        #expect(Broadcast.shape([1, 4, 4, 8], [8]) == [1, 4, 4, 8])
        #expect(Broadcast.shape([1, 2, 1, 4], [1, 1, 3, 1]) == [1, 2, 3, 4])
        #expect(Broadcast.shape([3, 4], [1, 2, 3, 4]) == [1, 2, 3, 4])
        #expect(Broadcast.shape([2, 1, 3, 1, 5], [4, 1, 2, 1]) == [2, 4, 3, 2, 5])
        #expect(Broadcast.shape([1, 4, 4, 8], [4]) == nil)
        #expect(Broadcast.shape([2, 3], [3, 3]) == nil)
    }

    @Test func broadcastStridesAndCollapsedLoops() {
        #expect(Broadcast.strides(of: [1, 4, 4, 8], in: [1, 4, 4, 8]) == [0, 32, 8, 1])
        #expect(Broadcast.strides(of: [8], in: [1, 4, 4, 8]) == [0, 0, 0, 1])
        #expect(Broadcast.strides(of: [1, 2, 1, 4], in: [1, 2, 3, 4]) == [0, 4, 0, 1])
        #expect(Broadcast.strides(of: [1, 1, 3, 1], in: [1, 2, 3, 4]) == [0, 0, 1, 0])
        // [1,4,4,8] + [8]: the 4x4 pixels merge into one loop over which the bias repeats.
        let a = Broadcast.collapsed(shape: [1, 4, 4, 8], [0, 32, 8, 1], [0, 0, 0, 1])
        #expect(a.shape == [16, 8] && a.strides1 == [8, 1] && a.strides2 == [0, 1])
        // Equal shapes collapse to one loop; a single element to [1].
        let b = Broadcast.collapsed(shape: [1, 3, 5, 7], [0, 35, 7, 1], [0, 35, 7, 1])
        #expect(b.shape == [105] && b.strides1 == [1] && b.strides2 == [1])
        #expect(Broadcast.collapsed(shape: [1, 1], [0, 0], [0, 0]) == ([1], [0], [0]))
        // Alternating stretched dimensions stay separate loops.
        let c = Broadcast.collapsed(shape: [1, 2, 3, 4], [0, 4, 0, 1], [0, 0, 1, 0])
        #expect(c.shape == [2, 3, 4] && c.strides1 == [4, 0, 1] && c.strides2 == [0, 1, 0])
    }

    @Test func addBroadcastsInShapeInferenceAndRejectsIncompatibleShapes() throws {
        var g = graph(.add(.none), x: [1, 2, 1, 4], q(0.1, 0), y: [1, 2, 3, 4], q(0.1, 0),
                      extra: [([1, 1, 3, 1], q(0.1, 0), [1, 2, 3])])
        try Verifier.verify(g)
        g.tensors[1].type.shape = [1, 1, 3, 2]
        g.constants[TensorID(1)] = ConstantData(int8: [1, 2, 3, 4, 5, 6])
        #expect(throws: GraphError(.node(index: 0, name: "n", op: "add"), "inputs [1, 2, 1, 4] and [1, 1, 3, 2] do not broadcast (each pair of dimensions must be equal or contain a 1)")) {
            try Verifier.verify(g)
        }
    }

    // MARK: verifier rules

    @Test func logisticOutputQuantizationIsFixed() throws {
        try Verifier.verify(graph(.logistic, x: [1, 8], q(0.1, 3), y: [1, 8], q(1.0 / 256, -128)))
        #expect(throws: GraphError(.node(index: 0, name: "n", op: "logistic"), "int8 logistic output must have scale 1/256 and zero point -128")) {
            try Verifier.verify(graph(.logistic, x: [1, 8], q(0.1, 3), y: [1, 8], q(1.0 / 256, 0)))
        }
    }

    @Test func padAndActivationsMayChangeQuantization() throws {
        // TFLM PadPrepare and ReluPrepare/Relu6Prepare do not require shared quantization.
        try Verifier.verify(graph(.pad(Pads(top: 1, bottom: 0, left: 0, right: 1)), x: [1, 2, 2, 3], q(0.1, 5), y: [1, 3, 3, 3], q(0.2, -7)))
        try Verifier.verify(graph(.activation(.relu), x: [1, 8], q(0.02, -30), y: [1, 8], q(0.05, -100)))
        try Verifier.verify(graph(.activation(.relu6), x: [1, 8], q(0.05, -20), y: [1, 8], q(0.1, 7)))
        try Verifier.verify(graph(.requantize, x: [1, 8], q(0.3, -4), y: [1, 8], q(0.7, 9)))
        // Pooling still moves raw values and needs shared quantization.
        #expect(throws: GraphError.self) {
            try Verifier.verify(graph(.maxPool2d(Pool2D(kernel: HW(1, 1))), x: [1, 2, 2, 3], q(0.1, 5), y: [1, 2, 2, 3], q(0.2, 5)))
        }
    }

    @Test func padValueIsAOneElementConstantWithTheOutputQuantization() throws {
        let pads = Pads(top: 1, bottom: 0, left: 0, right: 0)
        try Verifier.verify(graph(.pad(pads), x: [1, 1, 2, 3], q(0.1, 5), y: [1, 2, 2, 3], q(0.2, -7), extra: [([1], q(0.2, -7), [33])]))
        #expect(throws: GraphError(.node(index: 0, name: "n", op: "pad"), "pad value 'e0' must have the output's quantization s8[1,2,2,3] q(0.2,-7)")) {
            try Verifier.verify(graph(.pad(pads), x: [1, 1, 2, 3], q(0.1, 5), y: [1, 2, 2, 3], q(0.2, -7), extra: [([1], q(0.1, 5), [33])]))
        }
        #expect(throws: GraphError(.node(index: 0, name: "n", op: "pad"), "the pad value must have one element, got shape [2]")) {
            try Verifier.verify(graph(.pad(pads), x: [1, 1, 2, 3], q(0.1, 5), y: [1, 2, 2, 3], q(0.2, -7), extra: [([2], q(0.2, -7), [1, 2])]))
        }
        // A computed value: TFLM needs the constant at Prepare time.
        var g = graph(.pad(pads), x: [1, 1, 1, 1], q(0.2, -7), y: [1, 2, 1, 1], q(0.2, -7))
        let r = g.addTensor("r", TensorType(shape: [1], dtype: .s8, quantization: q(0.2, -7)))
        g.nodes[0].inputs.append(r)
        g.nodes.insert(Node(op: .reshape, inputs: [g.inputs[0]], outputs: [r], name: "r"), at: 0)
        #expect(throws: GraphError(.node(index: 1, name: "n", op: "pad"), "the pad value 'r' must be a constant")) {
            try Verifier.verify(g)
        }
    }

    // MARK: integer parameters

    func params(_ g: Graph) throws -> IntegerParams { try IntegerParams.of(0, in: g) }

    @Test func logisticConstantsFollowTFLMPrepare() throws {
        // s_in = 0.1f = 13421773·2^−27, so s_in·2^27 = 13421773 = 0.8000000119·2^24:
        // multiplier 13421773·2^7 = 1717986944, left shift 24, radius floor(15·2^27/2^24) = 120.
        let a = try params(graph(.logistic, x: [1, 4], q(0.1, 0), y: [1, 4], q(1.0 / 256, -128)))
        #expect(a == .logistic(.init(inputZeroPoint: 0, inputRangeRadius: 120, inputMultiplier: 1_717_986_944, inputLeftShift: 24)))
        // s_in = 2 = 2^28 → frexp 0.5·2^29: multiplier 2^30, shift 29, radius floor(15·2^27/2^29) = 3.
        let b = try params(graph(.logistic, x: [1, 4], q(2, 10), y: [1, 4], q(1.0 / 256, -128)))
        #expect(b == .logistic(.init(inputZeroPoint: 10, inputRangeRadius: 3, inputMultiplier: 1 << 30, inputLeftShift: 29)))
        // s_in = 0.03f → 2061584256·2^(22−31), radius floor(15·2^27/2^22) = 480.
        let c = try params(graph(.logistic, x: [1, 4], q(0.03, 5), y: [1, 4], q(1.0 / 256, -128)))
        #expect(c == .logistic(.init(inputZeroPoint: 5, inputRangeRadius: 480, inputMultiplier: 2_061_584_256, inputLeftShift: 22)))
    }

    @Test func requantizeAndReluUseTheDoubleScaleRatio() throws {
        // 0.5 / 0.25 = 2 → (2^30, 2); offsets −z_in and +z_out; requantize clamps to int8 only.
        let r = try params(graph(.requantize, x: [1, 4], q(0.5, 3), y: [1, 4], q(0.25, -10)))
        #expect(r == .requantize(.init(inputOffset: -3, outputOffset: -10, multiplier: .init(mult: 1 << 30, shift: 2), actMin: -128, actMax: 127)))
        // TFLM (2025+) divides the scales in double: 1183425118; float division would give 1183425152.
        let relu = try params(graph(.activation(.relu), x: [1, 4], q(0.0689304918050766, 0), y: [1, 4], q(0.06254181265830994, -128)))
        #expect(relu == .requantize(.init(inputOffset: 0, outputOffset: -128, multiplier: .init(mult: 1_183_425_118, shift: 1), actMin: -128, actMax: 127)))
        // relu clamps below at max(−128, z_out).
        let relu2 = try params(graph(.activation(.relu), x: [1, 4], q(0.02, -30), y: [1, 4], q(0.05, -100)))
        #expect(relu2 == .requantize(.init(inputOffset: 30, outputOffset: -100, multiplier: .init(mult: 1_717_986_854, shift: -1), actMin: -100, actMax: 127)))
    }

    @Test func reluWithSharedQuantizationIsAClampAndRelu6AlwaysIs() throws {
        // Multiplier (2^30, 1) = 1.0 and equal zero points: MBQM is the identity, a plain clamp.
        #expect(try params(graph(.activation(.relu), x: [1, 4], q(0.05, 7), y: [1, 4], q(0.05, 7))) == .clamp(actMin: 7, actMax: 127))
        // Equal scales, different zero points: still a requantization (a shift by z_out − z_in).
        #expect(try params(graph(.activation(.relu), x: [1, 4], q(0.05, 7), y: [1, 4], q(0.05, 9)))
                == .requantize(.init(inputOffset: -7, outputOffset: 9, multiplier: .init(mult: 1 << 30, shift: 1), actMin: 9, actMax: 127)))
        // relu6 clamps raw values to the input's 0 and 6: z_in = −20, round(6/0.05) − 20 = 100.
        #expect(try params(graph(.activation(.relu6), x: [1, 4], q(0.05, -20), y: [1, 4], q(0.1, 7))) == .clamp(actMin: -20, actMax: 100))
        #expect(try params(graph(.activation(.relu6), x: [1, 4], q(0.01, -100), y: [1, 4], q(0.01, -100))) == .clamp(actMin: -100, actMax: 127))
    }

    @Test func padFillsWithTheOutputZeroPointOrTheConstantValue() throws {
        let pads = Pads(top: 1, bottom: 0, left: 0, right: 0)
        #expect(try params(graph(.pad(pads), x: [1, 1, 2, 3], q(0.1, 5), y: [1, 2, 2, 3], q(0.2, -7))) == .pad(value: -7))
        #expect(try params(graph(.pad(pads), x: [1, 1, 2, 3], q(0.1, 5), y: [1, 2, 2, 3], q(0.2, -7), extra: [([1], q(0.2, -7), [33])])) == .pad(value: 33))
    }
}
