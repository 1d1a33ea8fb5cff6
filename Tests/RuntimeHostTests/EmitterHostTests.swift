import Foundation
import Testing
import TinycIR

/// The emitted C is a regression artifact: the same graph must give the same text, and that text
/// must compile cleanly under the strictest C99 warning set, each file on its own.
@Suite("emitted C", .enabled(if: hostCompilerAvailable, "needs a host C compiler (cc, gcc or clang)"))
struct EmitterHostTests {
    /// Every model plus the first case of each op table: every kernel call and params struct kind.
    static func graphs() throws -> [HostCase] {
        var cases = try ModelCases.all()
        for table in [try Conv2DCases.all(), try DepthwiseCases.all(), try FullyConnectedCases.all(), try PoolCases.all(),
                      try AddCases.all(), try ActivationCases.all(), try MeanCases.all(), try SoftmaxCases.all(),
                      try PadCases.all(), try ConcatCases.all(), try ReshapeCases.all()] {
            cases.append(table[0])
            cases.append(table[table.count - 1])
        }
        return cases
    }

    @Test func emittedCIsDeterministicAndCompilesPedantic() throws {
        let cases = try Self.graphs()
        // Kernels that show up in the emitted calls: the set must cover the whole runtime.
        var kernels = Set<String>()
        let dir = try HostToolchain.makeTemporaryDirectory("pedantic")
        var keep = false
        defer { if !keep { try? FileManager.default.removeItem(at: dir) } }
        var sources: [String] = []
        for (i, c) in cases.enumerated() {
            let model = "p\(i)"
            let first = try HostHarness.emit(c.graph, model: model)
            let second = try HostHarness.emit(c.graph, model: model)
            #expect(first.map(\.name) == second.map(\.name), "\(c.name): file list differs between two emissions")
            for (a, b) in zip(first, second) where a.contents != b.contents {
                let lineA = a.contents.split(separator: "\n", omittingEmptySubsequences: false)
                let lineB = b.contents.split(separator: "\n", omittingEmptySubsequences: false)
                let at = zip(lineA, lineB).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(lineA.count, lineB.count)
                Issue.record("\(c.name): \(a.name) differs between two emissions at line \(at + 1):\n  \(at < lineA.count ? String(lineA[at]) : "<end>")\n  \(at < lineB.count ? String(lineB[at]) : "<end>")")
            }
            // A fresh copy of the graph (same value, rebuilt dictionary) must not change the text either.
            var copy = Graph(name: c.graph.name)
            copy.tensors = c.graph.tensors
            for id in c.graph.constants.keys.sorted(by: { $0.index > $1.index }) { copy.constants[id] = c.graph.constants[id] }
            copy.nodes = c.graph.nodes
            copy.inputs = c.graph.inputs
            copy.outputs = c.graph.outputs
            #expect(try HostHarness.emit(copy, model: model).map(\.contents) == first.map(\.contents), "\(c.name): output depends on dictionary order")
            for f in first {
                try HostHarness.write(f.contents, to: dir.appendingPathComponent(f.name))
                if f.name.hasSuffix(".c") { sources.append(f.name) }
                for match in f.contents.split(separator: "\n") where match.contains("tc_") && match.contains("_s8_ref(") {
                    if let r = match.range(of: #"tc_[a-z0-9]+_s8_ref"#, options: .regularExpression) { kernels.insert(String(match[r])) }
                }
            }
        }
        #expect(kernels == ["tc_conv2d_s8_ref", "tc_dwconv_s8_ref", "tc_fc_s8_ref", "tc_maxpool_s8_ref", "tc_avgpool_s8_ref", "tc_add_s8_ref",
                            "tc_mean_s8_ref", "tc_softmax_s8_ref", "tc_pad_s8_ref", "tc_concat_s8_ref", "tc_clamp_s8_ref"])
        // Each generated file is its own translation unit, as in a firmware build.
        guard let cc = HostToolchain.compiler else { Issue.record("no host C compiler"); return }
        let result = try HostToolchain.run(cc, HostToolchain.pedanticFlags + HostToolchain.includeFlags + ["-I", dir.path, "-c"] + sources, in: dir)
        if result.status != 0 || !result.output.isEmpty {
            keep = true
            Issue.record("\(sources.count) generated files with \(HostToolchain.pedanticFlags.joined(separator: " ")): exit \(result.status), sources kept in \(dir.path):\n\(HostHarness.clip(result.output))")
        }
        // The public header must also stand alone (and be valid C++ for C++ firmware).
        var headerCheck = ""
        for i in cases.indices { headerCheck += "#include \"p\(i).h\"\n#include \"p\(i).h\"\n" }
        headerCheck += "int headers_only(void);\nint headers_only(void) { return 0; }\n"
        try HostHarness.write(headerCheck, to: dir.appendingPathComponent("headers.c"))
        let headers = try HostToolchain.run(cc, HostToolchain.pedanticFlags + ["-I", dir.path, "-c", "headers.c"], in: dir)
        if headers.status != 0 || !headers.output.isEmpty {
            keep = true
            Issue.record("public headers (twice each, nothing else) do not compile cleanly: \(HostHarness.clip(headers.output))")
        }
    }
}
