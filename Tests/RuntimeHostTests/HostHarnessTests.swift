import Testing

/// The harness's own pieces that need no compiler: the mismatch report and the weight renaming.
struct HostHarnessTests {
    @Test func mismatchReportNamesPositionsValuesAndMaxDiff() {
        #expect(HostHarness.mismatch(actual: [1, 2, 3], expected: [1, 2, 3], shape: [1, 3]) == nil)
        let report = HostHarness.mismatch(actual: [0, 5, 0, 0, -7, 0], expected: [0, 4, 0, 0, 2, 0], shape: [1, 1, 2, 3])
        #expect(report == "2 of 6 bytes differ (max |diff| 9); first: [1] (y 0, x 0, c 1): C 5 vs reference 4; [4] (y 0, x 1, c 1): C -7 vs reference 2")
        let many = HostHarness.mismatch(actual: [Int8](repeating: 1, count: 20), expected: [Int8](repeating: 0, count: 20), shape: [1, 20], limit: 2)
        #expect(many == "20 of 20 bytes differ (max |diff| 1); first: [0] (row 0, col 0): C 1 vs reference 0; [1] (row 0, col 1): C 1 vs reference 0; …")
        #expect(HostHarness.mismatch(actual: [1], expected: [1, 2], shape: [1, 2]) == "C wrote 1 values, the reference 2")
    }

    @Test func wrapperRenamesEveryWeightArray() {
        let header = """
            /* 'w': s8[4,3,3,1] */
            extern const int8_t w1[36];
            extern const int32_t w12[4];
            """
        #expect(HostHarness.weightSymbols(header) == ["w1", "w12"])
        let unit = HostHarness.wrapperUnit(model: "c3", caseName: "conv */ x", weightsHeader: header)
        #expect(unit == "/* c3: conv * / x */\n#define w1 c3_w1\n#define w12 c3_w12\n#include \"c3_weights.c\"\n#include \"c3.c\"\n")
    }
}
