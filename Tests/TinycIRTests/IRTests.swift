import Testing
import TinycIR

/// Shape rules, TFLite padding, multipliers, and the verifier's messages.
struct IRTests {
    @Test(arguments: [
        // input, kernel, stride, expected (top, bottom) and output
        (80, 3, 2, 0, 1, 40), (8, 3, 1, 1, 1, 8), (7, 3, 2, 1, 1, 4), (9, 5, 2, 2, 2, 5), (6, 2, 2, 0, 0, 3), (5, 4, 1, 1, 2, 5),
    ])
    func samePaddingPutsTheOddPixelAfter(_ n: Int, _ k: Int, _ s: Int, _ before: Int, _ after: Int, _ out: Int) {
        let p = WindowGeometry.pads(input: HW(n, n), kernel: HW(k, k), stride: HW(s, s), dilation: .one, padding: .same)
        #expect(p.top == before && p.bottom == after && p.left == before && p.right == after)
        #expect(WindowGeometry.output(input: HW(n, n), kernel: HW(k, k), stride: HW(s, s), dilation: .one, padding: .same) == HW(out, out))
    }

    @Test func validPaddingAndDilation() {
        #expect(WindowGeometry.output(input: HW(9, 7), kernel: HW(3, 3), stride: HW(2, 1), dilation: HW(2, 1), padding: .valid) == HW(3, 5))
        #expect(WindowGeometry.output(input: HW(2, 2), kernel: HW(3, 3), stride: .one, dilation: .one, padding: .valid) == nil)
    }

    @Test func quantizeMultiplierMatchesTFLite() {
        #expect(QuantMath.quantizeMultiplier(1.0) == .init(mult: 1_073_741_824, shift: 1))
        #expect(QuantMath.quantizeMultiplier(0.00157) == .init(mult: 1_726_233_256, shift: -9))
        #expect(QuantMath.quantizeMultiplier(0.006841254380922728) == .init(mult: 1_880_509_685, shift: -7))
        #expect(QuantMath.quantizeMultiplier(1e-12) == .init(mult: 0, shift: 0))
        let m = QuantMath.Multiplier(mult: 1_726_233_989, shift: -9)  // ALGORITHMS.md §3.4 worked example
        #expect(QuantMath.multiplyByQuantizedMultiplier(12345, m) == 19)
        #expect(QuantMath.multiplyByQuantizedMultiplier(318, m) == 1)  // double rounding
    }

    @Test func activationRanges() {
        #expect(QuantMath.activationRange(.relu6, scale: 6.0 / 255, zeroPoint: -128) == (-128, 127))
        #expect(QuantMath.activationRange(.relu, scale: 0.1, zeroPoint: 3) == (3, 127))
        #expect(QuantMath.activationRange(.relu6, scale: 0.1, zeroPoint: -10) == (-10, 50))
    }

    func chain() -> Graph {
        var g = Graph(name: "t")
        let x = g.addTensor("x", TensorType(shape: [1, 4, 4, 2], dtype: .f32))
        let w = g.addTensor("w", TensorType(shape: [3, 3, 3, 2], dtype: .f32), data: ConstantData(floats: .init(repeating: 0.1, count: 54)))
        let y = g.addTensor("y", TensorType(shape: [1, 2, 2, 3], dtype: .f32))
        g.nodes = [Node(op: .conv2d(Conv2D(stride: HW(2, 2), padding: .same, activation: .relu)), inputs: [x, w], outputs: [y], name: "conv")]
        g.inputs = [x]
        g.outputs = [y]
        return g
    }

    @Test func verifierAcceptsAndPrints() throws {
        let g = chain()
        try Verifier.verify(g)
        #expect(g.description == """
            graph @t(%0: f32[1,4,4,2]) -> (%2) {
              %2 = conv2d %0, %1 {stride=2x2 dilation=1x1 pad=same act=relu} : f32[1,2,2,3]
            }
            """)
    }

    @Test func verifierNamesTheNodeOnShapeErrors() {
        var g = chain()
        g.tensors[2].type.shape = [1, 4, 4, 3]
        #expect(throws: GraphError(.node(index: 0, name: "conv", op: "conv2d"), "output 'y' is declared [1, 4, 4, 3], the op computes [1, 2, 2, 3]")) {
            try Verifier.verify(g)
        }
        var h = chain()
        h.tensors[1].type.shape = [3, 3, 3, 5]
        h.constants[TensorID(1)] = ConstantData(floats: .init(repeating: 0, count: 135))
        #expect(throws: GraphError.self) { try Verifier.verify(h) }
    }

    @Test func verifierRejectsOutOfOrderNodes() {
        var g = chain()
        let z = g.addTensor("z", TensorType(shape: [1, 2, 2, 3], dtype: .f32))
        g.nodes.insert(Node(op: .activation(.relu), inputs: [g.outputs[0]], outputs: [z], name: "relu"), at: 0)
        #expect(throws: GraphError.self) { try Verifier.verify(g) }
    }

    @Test func costFigures() {
        let g = chain()
        #expect(g.macs(of: 0) == 2 * 2 * 3 * 3 * 3 * 2)
        #expect(g.weightBytes(of: 0) == 54 * 4)
    }
}
