import Testing
import TinycIR

enum PadCases {
    static func all() throws -> [HostCase] {
        let rows: [([Int], Pads)] = [
            ([1, 7, 9, 5], Pads(top: 1, bottom: 0, left: 2, right: 1)),
            ([1, 1, 1, 1], Pads(top: 2, bottom: 3, left: 1, right: 4)),
            ([1, 5, 5, 13], Pads(top: 0, bottom: 0, left: 0, right: 0)),
            ([1, 3, 5, 7], Pads(top: 3, bottom: 2, left: 0, right: 1)),
            ([1, 4, 1, 3], Pads(top: 0, bottom: 1, left: 1, right: 0)),
        ]
        // Shared quantization; then (TFLM) an output quantization of its own, whose zero point is
        // the fill; then a PADV2 value, a constant with the output's quantization.
        var cases: [HostCase] = []
        for variant in ["shared", "output zp", "value"] {
            for (i, row) in rows.enumerated() {
                let (shape, pads) = row
                let name = "pad \(shape.dropFirst().map(String.init).joined(separator: "x")) \(pads) \(variant)"
                var b = CaseBuilder(name: name, seed: 0x9A_0000 + UInt64(cases.count))
                let q = b.randomQ()
                let x = b.input(shape, q)
                let out = variant == "shared" ? q : b.randomQ()
                var inputs = [x]
                if variant == "value" {
                    inputs.append(b.graph.addTensor("v", TensorType(shape: [1], dtype: .s8, quantization: out.quantization),
                                                    data: ConstantData(int8: [Int8(truncatingIfNeeded: i * 37 - 60)])))
                }
                try b.node(.pad(pads), inputs, out)
                cases.append(HostCase(name: name, graph: b.graph, inputs: b.rnd.inputs(shape.reduce(1, *))))
            }
        }
        return cases
    }
}

enum ConcatCases {
    /// The graph has one input, so the other operands come from ops that keep its quantization
    /// (relu, pad, a 1x1 conv whose output quantization is set to the shared one).
    static func all() throws -> [HostCase] {
        var cases: [HostCase] = []
        func make(_ name: String, _ shape: [Int], _ build: (inout CaseBuilder, TensorID, Q) throws -> Void) throws {
            var b = CaseBuilder(name: name, seed: 0xCC_0000 + UInt64(cases.count))
            let q = Q(scale: b.rnd.scale(0.02, 0.08), zeroPoint: Int32(b.rnd.int(-100...20)))
            let x = b.input(shape, q)
            try build(&b, x, q)
            cases.append(HostCase(name: name, graph: b.graph, inputs: b.rnd.inputs(shape.reduce(1, *))))
        }
        try make("concat axis=3 2 inputs 5x4x3 (x, relu x)", [1, 5, 4, 3]) { b, x, q in
            let r = try b.node(.activation(.relu), [x], q)
            try b.node(.concat(axis: 3), [x, r], q)
        }
        try make("concat axis=3 3 inputs 5x4x3 (x, conv1x1->5, relu6 x)", [1, 5, 4, 3]) { b, x, q in
            let c = try b.conv2d(x, outChannels: 5, kernel: HW(1, 1), Conv2D(), bias: true, perChannel: true, outQ: q)
            let r = try b.node(.activation(.relu6), [x], q)
            try b.node(.concat(axis: 3), [x, c, r], q)
        }
        try make("concat axis=1 2 inputs 5x4x3 (x, pad top 2)", [1, 5, 4, 3]) { b, x, q in
            let p = try b.node(.pad(Pads(top: 2, bottom: 0, left: 0, right: 0)), [x], q)
            try b.node(.concat(axis: 1), [x, p], q)
        }
        try make("concat axis=1 3 inputs 3x7x5 (pad bottom 1, x, relu6 x)", [1, 3, 7, 5]) { b, x, q in
            let p = try b.node(.pad(Pads(top: 0, bottom: 1, left: 0, right: 0)), [x], q)
            let r = try b.node(.activation(.relu6), [x], q)
            try b.node(.concat(axis: 1), [p, x, r], q)
        }
        try make("concat axis=2 2 inputs 3x5x2 (x, pad left 1 right 1)", [1, 3, 5, 2]) { b, x, q in
            let p = try b.node(.pad(Pads(top: 0, bottom: 0, left: 1, right: 1)), [x], q)
            try b.node(.concat(axis: 2), [x, p], q)
        }
        try make("concat 2-D axis=1 3 inputs [1,12] (x, relu x, x)", [1, 12]) { b, x, q in
            let r = try b.node(.activation(.relu), [x], q)
            try b.node(.concat(axis: 1), [x, r, x], q)
        }
        try make("concat axis=3 2 inputs 5x4x3 (x, constant 5x4x2)", [1, 5, 4, 3]) { b, x, q in
            let k = b.constant([1, 5, 4, 2], q)
            try b.node(.concat(axis: 3), [x, k], q)
        }
        try make("concat axis=1 3 inputs 3x4x2 (constant 1x4x2, x, constant 2x4x2)", [1, 3, 4, 2]) { b, x, q in
            let k1 = b.constant([1, 1, 4, 2], q), k2 = b.constant([1, 2, 4, 2], q)
            try b.node(.concat(axis: 1), [k1, x, k2], q)
        }
        return cases
    }
}

enum ReshapeCases {
    static func all() throws -> [HostCase] {
        let rows: [([Int], [Int])] = [([1, 4, 5, 3], [1, 60]), ([1, 60], [1, 3, 4, 5]), ([1, 7, 9, 5], [1, 9, 7, 5]), ([1, 1, 1, 1], [1, 1])]
        return try rows.enumerated().map { i, row in
            let name = "reshape \(row.0) -> \(row.1)"
            var b = CaseBuilder(name: name, seed: 0x5E_0000 + UInt64(i))
            let q = b.randomQ()
            let x = b.input(row.0, q)
            try b.node(.reshape, [x], q, shape: row.1)
            return HostCase(name: name, graph: b.graph, inputs: b.rnd.inputs(row.0.reduce(1, *)))
        }
    }
}

@Suite("data movement", .enabled(if: hostCompilerAvailable, "needs a host C compiler (cc, gcc or clang)"))
struct DataMovementHostTests {
    @Test func padConcatReshapeMatchReferenceBitExact() throws {
        HostHarness.expectBitExact(try PadCases.all() + ConcatCases.all() + ReshapeCases.all(), label: "data-movement")
    }
}
