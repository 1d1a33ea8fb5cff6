import Testing
import TinycIR

enum PoolCases {
    /// max / avg × kernel 2 / 3 × stride 1 / 2 × SAME / VALID, odd sizes, activations. Input and
    /// output share quantization (TFLite's rule; the kernels do not requantize).
    static func all() throws -> [HostCase] {
        let sizes = [(7, 9), (5, 5), (9, 7), (3, 5), (6, 8), (1, 1), (4, 3)]
        var cases: [HostCase] = []
        for isMax in [true, false] {
            for k in [2, 3] {
                for s in [1, 2] {
                    for padding: Padding in [.same, .valid] {
                        for variant in 0..<2 {
                            let i = cases.count
                            var (h, w) = cycle(sizes, i + variant)
                            if padding == .valid { h = max(h, k); w = max(w, k) }
                            let c = cycle(channelCycle, i), act = cycle(Activation.all, i)
                            let op = isMax ? "max_pool2d" : "avg_pool2d"
                            let name = "\(op) k\(k) s\(s) \(padding.caseName) \(h)x\(w)x\(c) act=\(act.name)"
                            var b = CaseBuilder(name: name, seed: 0xB0_0000 + UInt64(i))
                            // relu6 needs 6/s inside the int8 range to clamp anything.
                            let q = Q(scale: b.rnd.scale(0.02, 0.08), zeroPoint: Int32(b.rnd.int(-128...40)))
                            let x = b.input([1, h, w, c], q)
                            let attrs = Pool2D(kernel: HW(k, k), stride: HW(s, s), padding: padding, activation: act)
                            try b.node(isMax ? .maxPool2d(attrs) : .avgPool2d(attrs), [x], q)
                            cases.append(HostCase(name: name, graph: b.graph, inputs: b.rnd.inputs(h * w * c)))
                        }
                    }
                }
            }
        }
        // Non-square kernels and strides.
        for isMax in [true, false] {
            let op = isMax ? "max_pool2d" : "avg_pool2d"
            let name = "\(op) k(3,2) s(2,1) same 7x9x3 act=none"
            var b = CaseBuilder(name: name, seed: 0xB0_1000 + (isMax ? 1 : 0))
            let q = b.randomQ()
            let x = b.input([1, 7, 9, 3], q)
            let attrs = Pool2D(kernel: HW(3, 2), stride: HW(2, 1), padding: .same)
            try b.node(isMax ? .maxPool2d(attrs) : .avgPool2d(attrs), [x], q)
            cases.append(HostCase(name: name, graph: b.graph, inputs: b.rnd.inputs(7 * 9 * 3)))
        }
        return cases
    }
}

@Suite("pooling", .enabled(if: hostCompilerAvailable, "needs a host C compiler (cc, gcc or clang)"))
struct PoolHostTests {
    @Test func poolingMatchesReferenceBitExact() throws {
        HostHarness.expectBitExact(try PoolCases.all(), label: "pool")
    }

    @Test func poolingDSPKernelsMatchReferenceBitExact() throws {
        HostHarness.expectBitExact(try PoolCases.all(), label: "pool-dsp", kernels: .dsp)
    }
}
