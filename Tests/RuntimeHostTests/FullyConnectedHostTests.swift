import Testing
import TinycIR

enum FullyConnectedCases {
    /// in × out over {1, 7, 16, 33}², twice with different bias / activation / scale kinds, plus a
    /// 4-D input that the kernel flattens.
    static func all() throws -> [HostCase] {
        let sizes = [1, 7, 16, 33]
        var cases: [HostCase] = []
        for pass in 0..<2 {
            for inF in sizes {
                for outF in sizes {
                    let i = cases.count
                    let bias = cycle(biasCycle, i), perChannel = cycle(perChannelCycle, i), act = cycle(Activation.all, i + pass)
                    let name = "fully_connected \(inF)->\(outF) \(bias ? "bias" : "no-bias") act=\(act.name) \(perChannel ? "per-channel" : "per-tensor") #\(pass)"
                    var b = CaseBuilder(name: name, seed: 0xFC_0000 + UInt64(i))
                    let x = b.input([1, inF])
                    try b.fullyConnected(x, outFeatures: outF, activation: act, bias: bias, perChannel: perChannel)
                    cases.append(HostCase(name: name, graph: b.graph, inputs: b.rnd.inputs(inF, count: outF < 4 ? 8 : 3)))
                }
            }
        }
        for perChannel in [false, true] {
            let name = "fully_connected [1,2,3,5]->10 bias act=relu \(perChannel ? "per-channel" : "per-tensor") flattened"
            var b = CaseBuilder(name: name, seed: 0xFC_1000 + (perChannel ? 1 : 0))
            let x = b.input([1, 2, 3, 5])
            try b.fullyConnected(x, outFeatures: 10, activation: .relu, bias: true, perChannel: perChannel)
            cases.append(HostCase(name: name, graph: b.graph, inputs: b.rnd.inputs(30)))
        }
        return cases
    }
}

@Suite("fully_connected", .enabled(if: hostCompilerAvailable, "needs a host C compiler (cc, gcc or clang)"))
struct FullyConnectedHostTests {
    @Test func fullyConnectedMatchesReferenceBitExact() throws {
        HostHarness.expectBitExact(try FullyConnectedCases.all(), label: "fully_connected")
    }

    @Test func fullyConnectedDSPKernelsMatchReferenceBitExact() throws {
        HostHarness.expectBitExact(try FullyConnectedCases.all(), label: "fully_connected-dsp", kernels: .dsp)
    }
}
