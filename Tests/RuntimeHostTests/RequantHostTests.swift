import Foundation
import Testing
import TinycIR

/// `tc_requant.h` (the C helpers every kernel uses) against `QuantMath` (their Swift twins in the
/// reference), on random and edge-case operands.
@Suite("requantization", .enabled(if: hostCompilerAvailable, "needs a host C compiler (cc, gcc or clang)"))
struct RequantHostTests {
    struct Row { var x: Int32, mult: Int32, shift: Int32, exponent: Int32 }

    static func rows() -> [Row] {
        var rnd = CaseRandom(seed: 0x7E_0000)
        let edges: [Int32] = [0, 1, -1, 2, -2, Int32.max, Int32.min, Int32.min + 1, 1 << 30, -(1 << 30), (1 << 30) - 1, 255, -255, 1 << 20, -(1 << 20)]
        let mults: [Int32] = [0, 1 << 30, Int32.max, (1 << 30) + 1, 1_518_500_250]
        var rows: [Row] = []
        for x in edges {
            for m in mults {
                for shift: Int32 in [-31, -20, -1, 0, 1, 8, 30] {
                    rows.append(Row(x: x, mult: m, shift: shift, exponent: max(0, -shift)))
                }
            }
        }
        for i in 0..<20_000 {
            // Mix magnitudes: full-range int32, accumulator-sized, and tiny values.
            let x: Int32
            switch i % 3 {
            case 0: x = Int32(truncatingIfNeeded: rnd.rng.next())
            case 1: x = Int32(rnd.int(-(1 << 22)...(1 << 22)))
            default: x = Int32(rnd.int(-300...300))
            }
            let mult = i % 50 == 0 ? 0 : Int32(rnd.int((1 << 30)...(Int(Int32.max))))
            // Positive shifts only with operands small enough that TFLite's x * 2^shift does not overflow.
            let maxLeft = x == 0 ? 30 : max(0, min(30, 30 - (32 - Int(x.magnitude).leadingZeroBitCount)))
            let shift = Int32(rnd.int(-31...maxLeft))
            rows.append(Row(x: x, mult: mult, shift: shift, exponent: Int32(rnd.int(0...31))))
        }
        return rows
    }

    @Test func requantHelpersMatchQuantMath() throws {
        guard let cc = HostToolchain.compiler else { Issue.record("no host C compiler"); return }
        let rows = Self.rows()
        let dir = try HostToolchain.makeTemporaryDirectory("requant")
        defer { try? FileManager.default.removeItem(at: dir) }
        let driver = """
            #include <stdio.h>
            #include <stdlib.h>
            #include "tc_requant.h"

            void tc_board_panic(const char *file, int line)
            {
                fprintf(stderr, "tinyc: panic at %s:%d\\n", file, line);
                exit(3);
            }

            /* stdin: int32 x, mult, shift, exponent per row; stdout: srdhm, rdbpot, mbqm per row. */
            int main(void)
            {
                int32_t in[4];
                while (fread(in, sizeof in[0], 4, stdin) == 4) {
                    int32_t out[3];
                    out[0] = tc_srdhm(in[0], in[1]);
                    out[1] = tc_rdbpot(in[0], (int)in[3]);
                    out[2] = tc_mbqm(in[0], in[1], in[2]);
                    if (fwrite(out, sizeof out[0], 3, stdout) != 3)
                        return 2;
                }
                return 0;
            }

            """
        try HostHarness.write(driver, to: dir.appendingPathComponent("requant.c"))
        var input = [Int32]()
        for r in rows { input += [r.x, r.mult, r.shift, r.exponent] }
        try Data(input.withUnsafeBufferPointer { Data(buffer: $0) }).write(to: dir.appendingPathComponent("in.bin"))
        let compile = try HostToolchain.run(cc, HostToolchain.sanitizedFlags + HostToolchain.includeFlags + ["requant.c", "-o", "requant"], in: dir)
        try #require(compile.status == 0, "compiling the tc_requant.h driver failed:\n\(HostHarness.clip(compile.output))")
        let run = try HostToolchain.run("/bin/sh", ["-c", "./requant < in.bin > out.bin"], in: dir)
        try #require(run.status == 0, "the tc_requant.h driver failed:\n\(HostHarness.clip(run.output))")
        let data = try Data(contentsOf: dir.appendingPathComponent("out.bin"))
        let out = data.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
        try #require(out.count == rows.count * 3, "driver wrote \(out.count) values for \(rows.count) rows")
        var failures: [String] = []
        for (i, r) in rows.enumerated() {
            let m = QuantMath.Multiplier(mult: r.mult, shift: r.shift)
            let expected = [QuantMath.saturatingRoundingDoublingHighMul(r.x, r.mult), QuantMath.roundingDivideByPOT(r.x, r.exponent),
                            QuantMath.multiplyByQuantizedMultiplier(r.x, m)]
            for (k, label) in ["SaturatingRoundingDoublingHighMul(x, mult)", "RoundingDivideByPOT(x, exponent)", "MultiplyByQuantizedMultiplier(x, mult, shift)"].enumerated()
            where out[i * 3 + k] != expected[k] {
                failures.append("\(label) with x \(r.x), mult \(r.mult), shift \(r.shift), exponent \(r.exponent): C \(out[i * 3 + k]) vs QuantMath \(expected[k])")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(rows.count * 3) results differ; first: \(failures.prefix(8).joined(separator: "; "))")
    }
}
