import Testing
import TinycIR

enum LogisticCases {
    /// Input scales from 1/256 (the radius exceeds every int8 difference) to 2 (radius 3) and 16
    /// (radius 0: everything saturates), zero points across the range; every case also runs the
    /// full −128…127 sweep when its input has 256 elements.
    static func all() throws -> [HostCase] {
        let scales: [Float] = [1.0 / 256, 0.003, 0.03, 0.0625, 0.1, 0.25, 0.5, 2, 16]
        let shapes = [[1, 256], [1, 7, 9, 5], [1, 1, 1, 1], [1, 5, 5, 13]]
        var cases: [HostCase] = []
        for (k, scale) in scales.enumerated() {
            for variant in 0..<2 {
                let j = cases.count
                let shape = cycle(shapes, k + variant)
                var b = CaseBuilder(name: "", seed: 0x10_0000 + UInt64(j))
                let zp = variant == 0 ? b.rnd.zeroPoint() : cycle([Int32(-128), 127, 0], k)
                let dims = shape.dropFirst().map(String.init).joined(separator: "x")
                let name = "logistic \(dims) scale=\(scale) zp=\(zp)"
                b.graph.name = name
                let x = b.input(shape, Q(scale: scale, zeroPoint: zp))
                try b.node(.logistic, [x], Q(scale: 1.0 / 256, zeroPoint: -128))
                var inputs = b.rnd.inputs(shape.reduce(1, *))
                if shape == [1, 256] { inputs.append((-128...127).map { Int8($0) }) }
                cases.append(HostCase(name: name, graph: b.graph, inputs: inputs))
            }
        }
        return cases
    }
}

enum RequantizeCases {
    /// Output/input scale ratios from 1/300 to 100 (multiplier shifts −9 … 7), equal scales with a
    /// different zero point, and the identity.
    static func all() throws -> [HostCase] {
        let ratios: [Float] = [1.0 / 300, 0.1, 0.37, 0.5, 0.99, 1, 1.01, 2, 3.7, 10, 100]
        let shapes = [[1, 7, 9, 5], [1, 33], [1, 1, 1, 1], [1, 5, 5, 13]]
        var cases: [HostCase] = []
        for (k, ratio) in ratios.enumerated() {
            let j = cases.count
            let shape = cycle(shapes, k)
            var b = CaseBuilder(name: "", seed: 0x2E_0000 + UInt64(j))
            let qIn = b.randomQ()
            let qOut = Q(scale: qIn.scale * ratio, zeroPoint: ratio == 1 && k % 2 == 0 ? qIn.zeroPoint : b.rnd.zeroPoint())
            let dims = shape.dropFirst().map(String.init).joined(separator: "x")
            let name = "requantize \(dims) \(qIn.scale),\(qIn.zeroPoint) -> \(qOut.scale),\(qOut.zeroPoint)"
            b.graph.name = name
            let x = b.input(shape, qIn)
            try b.node(.requantize, [x], qOut)
            cases.append(HostCase(name: name, graph: b.graph, inputs: b.rnd.inputs(shape.reduce(1, *))))
        }
        return cases
    }
}

enum BroadcastAddCases {
    /// Broadcasting adds: a per-channel constant, row/column stretching of both operands, a computed
    /// input smaller than the output, 5-D and 6-D shapes, and add(x, mean(x)) with both operands
    /// computed (a squeeze-and-excite style residual). Activations cycle through none/relu/relu6.
    static func all() throws -> [HostCase] {
        // (computed input shape, constant shape, constant first)
        let rows: [([Int], [Int], Bool)] = [
            ([1, 7, 9, 5], [5], false),
            ([1, 7, 9, 5], [1, 1, 1, 5], true),
            ([1, 7, 1, 5], [1, 1, 9, 1], false),
            ([1, 1, 9, 1], [1, 7, 1, 5], true),
            ([1, 1, 1, 5], [1, 3, 4, 5], false),
            ([1, 1, 1, 1], [1, 3, 4, 5], true),
            ([3, 4], [1, 2, 3, 4], false),
            ([2, 1, 3, 1, 5], [4, 1, 2, 1], true),
            ([1, 2, 1, 3, 1, 2], [2, 1, 3, 1, 2, 1], false),
            ([1, 4, 6, 8], [1, 4, 1, 8], true),
        ]
        var cases: [HostCase] = []
        for (k, row) in rows.enumerated() {
            let (xShape, cShape, constantFirst) = row
            let act = cycle(Activation.all, k)
            let name = "add broadcast \(xShape) \(constantFirst ? "const\(cShape)+x" : "x+const\(cShape)") act=\(act.name)"
            var b = CaseBuilder(name: name, seed: 0xBA_0000 + UInt64(k))
            let x = b.input(xShape)
            let c = b.constant(cShape, b.randomQ())
            try b.add(constantFirst ? c : x, constantFirst ? x : c, act)
            cases.append(HostCase(name: name, graph: b.graph, inputs: b.rnd.inputs(xShape.reduce(1, *))))
        }
        for (k, shape) in [[1, 4, 4, 3], [1, 9, 7, 16]].enumerated() {
            let act = cycle(Activation.all, k + 1)
            let name = "add broadcast x+mean(x) \(shape) act=\(act.name)"
            var b = CaseBuilder(name: name, seed: 0xBA_1000 + UInt64(k))
            let x = b.input(shape)
            let m = try b.node(.mean(Mean()), [x], b.randomQ())
            try b.add(x, m, act)
            cases.append(HostCase(name: name, graph: b.graph, inputs: b.rnd.clusteredInputs(pixels: shape[1] * shape[2], channels: shape[3])))
        }
        return cases
    }
}

@Suite("TFLM int8 ops", .enabled(if: hostCompilerAvailable, "needs a host C compiler (cc, gcc or clang)"))
struct TFLMOpsHostTests {
    @Test func logisticMatchesReferenceBitExact() throws {
        HostHarness.expectBitExact(try LogisticCases.all(), label: "logistic")
    }

    @Test func requantizeMatchesReferenceBitExact() throws {
        HostHarness.expectBitExact(try RequantizeCases.all(), label: "requantize")
    }

    @Test func broadcastAddMatchesReferenceBitExact() throws {
        let cases = try BroadcastAddCases.all()
        #expect(cases.allSatisfy { c in c.graph.nodes.contains { node in
            if case .add = node.op { return Set(node.inputs.map { c.graph.type($0).shape }).count == 2 }
            return false
        } })
        HostHarness.expectBitExact(cases, label: "broadcast-add")
    }
}
