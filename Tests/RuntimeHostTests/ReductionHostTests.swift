import Testing
import TinycIR

enum MeanCases {
    /// Global average pool over odd and large (N = 256, 1023) windows, keep_dims true and false.
    /// Inputs cluster around a random level per channel so the means spread over the output range.
    static func all() throws -> [HostCase] {
        let shapes = [[1, 7, 9, 5], [1, 1, 1, 3], [1, 5, 5, 13], [1, 16, 16, 7], [1, 13, 3, 1], [1, 33, 31, 2], [1, 2, 2, 33]]
        var cases: [HostCase] = []
        for shape in shapes {
            for keepDims in [true, false] {
                let j = cases.count
                let dims = shape.dropFirst().map(String.init).joined(separator: "x")
                let name = "mean \(dims) keep_dims=\(keepDims)"
                var b = CaseBuilder(name: name, seed: 0x3E_0000 + UInt64(j))
                let x = b.input(shape)
                let sx = b.q(x)
                try b.node(.mean(Mean(keepDims: keepDims)), [x],
                           Q(scale: sx.scale * b.rnd.scale(0.7, 1.6), zeroPoint: Int32(b.rnd.int(-30...30))))
                let inputs = b.rnd.clusteredInputs(pixels: shape[1] * shape[2], channels: shape[3])
                cases.append(HostCase(name: name, graph: b.graph, inputs: inputs))
            }
        }
        // Same scale and zero point in and out: current TFLM still takes QuantizedMeanOrSum (older
        // versions divided the raw sum with truncation there).
        let name = "mean 7x9x5 keep_dims=true shared quantization"
        var b = CaseBuilder(name: name, seed: 0x3E_1000)
        let q = b.randomQ()
        let x = b.input([1, 7, 9, 5], q)
        try b.node(.mean(Mean()), [x], q)
        cases.append(HostCase(name: name, graph: b.graph, inputs: b.rnd.inputs(315)))
        return cases
    }
}

enum SoftmaxCases {
    /// beta 1 / 0.5 × input scales 1/256 … 1 × depths 1 … 100, one row ([1, d]) or six ([1, 2, 3, d]).
    static func all() throws -> [HostCase] {
        let depths = [1, 2, 5, 10, 33, 64, 100]
        let scales: [Float] = [1.0 / 256, 0.02, 0.05, 0.1, 0.25, 1.0]
        var cases: [HostCase] = []
        for beta: Float in [1, 0.5] {
            for (k, depth) in depths.enumerated() {
                for variant in 0..<2 {
                    let j = cases.count
                    let scale = cycle(scales, k * 2 + variant + (beta == 1 ? 0 : 3))
                    let shape = variant == 0 ? [1, depth] : [1, 2, 3, depth]
                    let dims = shape.dropFirst().map(String.init).joined(separator: "x")
                    var b = CaseBuilder(name: "", seed: 0x50_0000 + UInt64(j))
                    let zp = b.rnd.zeroPoint()
                    let name = "softmax \(dims) beta=\(beta) scale=\(scale) zp=\(zp)"
                    b.graph.name = name
                    let x = b.input(shape, Q(scale: scale, zeroPoint: zp))
                    try b.node(.softmax(beta: beta), [x], Q(scale: 1.0 / 256, zeroPoint: -128))
                    cases.append(HostCase(name: name, graph: b.graph, inputs: b.rnd.inputs(shape.reduce(1, *))))
                }
            }
        }
        // Constant rows (every difference 0) and rows with one dominant value.
        for (label, fill) in [("constant", Int8(5)), ("one-hot", Int8(-128))] {
            let name = "softmax 17 beta=1.0 scale=0.1 \(label)"
            var b = CaseBuilder(name: name, seed: 0x50_1000 + UInt64(cases.count))
            let x = b.input([1, 17], Q(scale: 0.1, zeroPoint: 0))
            try b.node(.softmax(beta: 1), [x], Q(scale: 1.0 / 256, zeroPoint: -128))
            var input = [Int8](repeating: fill, count: 17)
            if label == "one-hot" { input[7] = 127 }
            cases.append(HostCase(name: name, graph: b.graph, inputs: [input]))
        }
        return cases
    }
}

@Suite("reductions", .enabled(if: hostCompilerAvailable, "needs a host C compiler (cc, gcc or clang)"))
struct ReductionHostTests {
    @Test func meanMatchesReferenceBitExact() throws {
        HostHarness.expectBitExact(try MeanCases.all(), label: "mean")
    }

    @Test func softmaxMatchesReferenceBitExact() throws {
        let cases = try SoftmaxCases.all()
        #expect(Set(cases.map { $0.graph.type($0.graph.inputs[0]).shape.last! }).isSuperset(of: [1, 100]))
        HostHarness.expectBitExact(cases, label: "softmax")
    }
}
