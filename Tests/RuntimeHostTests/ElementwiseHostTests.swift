import Testing
import TinycIR

enum AddCases {
    /// add(a, b) with the second operand from a 1x1 depthwise (its own random scale and zero point),
    /// so the two inputs and the output all differ; both operand orders; scale ratios up to 10x;
    /// and add(x, x) with shared quantization.
    static func all() throws -> [HostCase] {
        let shapes = [[1, 7, 9, 5], [1, 1, 1, 1], [1, 1, 1, 33], [1, 5, 5, 13], [1, 3, 5, 7], [1, 9, 7, 3]]
        var cases: [HostCase] = []
        for shape in shapes {
            for act in Activation.all {
                let j = cases.count
                let swapped = j % 2 == 1
                // Ratio of the second input's scale to the first: random, or forced to 10 or 1/10.
                let ratio: Float? = cycle([nil, 10, nil, 0.1], j)
                let dims = shape.dropFirst().map(String.init).joined(separator: "x")
                let name = "add \(dims) act=\(act.name) \(swapped ? "dw+x" : "x+dw") ratio=\(ratio.map { "\($0)" } ?? "random")"
                var b = CaseBuilder(name: name, seed: 0xAD_0000 + UInt64(j))
                let x = b.input(shape)
                let sx = b.q(x)
                let outQ = ratio.map { Q(scale: sx.scale * $0, zeroPoint: b.rnd.zeroPoint()) }
                let y = try b.depthwise(x, kernel: HW(1, 1), DepthwiseConv2D(), bias: true, perChannel: true, outQ: outQ)
                try b.add(swapped ? y : x, swapped ? x : y, act)
                cases.append(HostCase(name: name, graph: b.graph, inputs: b.rnd.inputs(shape.reduce(1, *))))
            }
        }
        // A constant operand (read from flash), either side: a true one-node graph with three
        // different quantizations.
        for (k, shape) in [[1, 5, 7, 3], [1, 1, 1, 13], [1, 9, 7, 5]].enumerated() {
            for constantFirst in [false, true] {
                let act = cycle(Activation.all, k * 2 + (constantFirst ? 1 : 0))
                let dims = shape.dropFirst().map(String.init).joined(separator: "x")
                let name = "add \(dims) act=\(act.name) \(constantFirst ? "const+x" : "x+const")"
                var b = CaseBuilder(name: name, seed: 0xAD_2000 + UInt64(cases.count))
                let x = b.input(shape)
                let c = b.constant(shape, b.randomQ())
                try b.add(constantFirst ? c : x, constantFirst ? x : c, act)
                cases.append(HostCase(name: name, graph: b.graph, inputs: b.rnd.inputs(shape.reduce(1, *))))
            }
        }
        for act in Activation.all {
            let name = "add 7x9x5 x+x shared quantization act=\(act.name)"
            var b = CaseBuilder(name: name, seed: 0xAD_1000 + UInt64(cases.count))
            let x = b.input([1, 7, 9, 5])
            try b.add(x, x, act)
            cases.append(HostCase(name: name, graph: b.graph, inputs: b.rnd.inputs(7 * 9 * 5)))
        }
        return cases
    }
}

enum ActivationCases {
    /// Standalone relu / relu6 (input and output share quantization), with zero points where the
    /// clamps bite, one where relu clamps everything up to 127, and a scale where 6 is out of range;
    /// then relu and relu6 between different quantizations (TFLM: relu requantizes, relu6 clamps
    /// the raw values to the input's 0 and 6).
    static func all() throws -> [HostCase] {
        let shapes = [[1, 7, 9, 5], [1, 1, 1, 1], [1, 33], [1, 5, 5, 13]]
        var cases: [HostCase] = []
        for shape in shapes {
            for act in [Activation.relu, .relu6] {
                let j = cases.count
                var b = CaseBuilder(name: "", seed: 0xAC_0000 + UInt64(j))
                let q = Q(scale: b.rnd.scale(0.02, 0.08), zeroPoint: Int32(b.rnd.int(-128...40)))
                let dims = shape.dropFirst().map(String.init).joined(separator: "x")
                let name = "\(act.name) \(dims) scale=\(q.scale) zp=\(q.zeroPoint)"
                b.graph.name = name
                let x = b.input(shape, q)
                try b.node(.activation(act), [x], q)
                cases.append(HostCase(name: name, graph: b.graph, inputs: b.rnd.inputs(shape.reduce(1, *))))
            }
        }
        for (act, q) in [(Activation.relu, Q(scale: 0.05, zeroPoint: 127)), (.relu6, Q(scale: 0.01, zeroPoint: -100)),
                         (.relu6, Q(scale: 0.5, zeroPoint: 0)), (.relu, Q(scale: 0.05, zeroPoint: -128))] {
            let name = "\(act.name) 5x5x3 scale=\(q.scale) zp=\(q.zeroPoint) edge"
            var b = CaseBuilder(name: name, seed: 0xAC_1000 + UInt64(cases.count))
            let x = b.input([1, 5, 5, 3], q)
            try b.node(.activation(act), [x], q)
            cases.append(HostCase(name: name, graph: b.graph, inputs: b.rnd.inputs(75)))
        }
        // Output scale / input scale from 0.2 to 5, or equal scales with another zero point.
        for (k, ratio) in [Float(0.2), 0.5, 1, 1.3, 2.5, 5].enumerated() {
            for act in [Activation.relu, .relu6] {
                let shape = cycle([[1, 7, 9, 5], [1, 33], [1, 5, 5, 13]], k)
                var b = CaseBuilder(name: "", seed: 0xAC_2000 + UInt64(cases.count))
                let qIn = Q(scale: b.rnd.scale(0.02, 0.08), zeroPoint: Int32(b.rnd.int(-128...40)))
                let qOut = Q(scale: qIn.scale * ratio, zeroPoint: Int32(b.rnd.int(-128...40)))
                let dims = shape.dropFirst().map(String.init).joined(separator: "x")
                let name = "\(act.name) \(dims) \(qIn.scale),\(qIn.zeroPoint) -> \(qOut.scale),\(qOut.zeroPoint)"
                b.graph.name = name
                let x = b.input(shape, qIn)
                try b.node(.activation(act), [x], qOut)
                cases.append(HostCase(name: name, graph: b.graph, inputs: b.rnd.inputs(shape.reduce(1, *))))
            }
        }
        return cases
    }
}

@Suite("elementwise", .enabled(if: hostCompilerAvailable, "needs a host C compiler (cc, gcc or clang)"))
struct ElementwiseHostTests {
    @Test func addMatchesReferenceBitExact() throws {
        HostHarness.expectBitExact(try AddCases.all(), label: "add")
    }

    @Test func addDSPKernelsMatchReferenceBitExact() throws {
        HostHarness.expectBitExact(try AddCases.all(), label: "add-dsp", kernels: .dsp)
    }

    @Test func standaloneActivationMatchesReferenceBitExact() throws {
        HostHarness.expectBitExact(try ActivationCases.all(), label: "activation")
    }
}
