import Foundation
import Testing
import TinycFrontends
import TinycIR

/// net.json's ternary weights (docs/net-json.md): dtype "ternary", one byte per weight (-1, 0, +1)
/// and the scale γ in "quantization".
@Suite struct NetJSONTernaryTests {
    /// The fixture with the fully connected weights 'fw' [3, 2] ternary.
    static func fixture(_ bytes: [UInt8] = [1, 0xFF, 0, 1, 0xFF, 0], quantization: [String: Any]? = ["scale": [0.5, 0.25, 2], "axis": 0],
                        tensor: Int = 6) -> NetJSONFixture {
        var f = NetJSONFixture()
        var t = f.tensors
        t[tensor]["dtype"] = "ternary"
        t[tensor]["data"] = ["base64": Data(bytes).base64EncodedString()]
        t[tensor]["quantization"] = quantization
        f.tensors = t
        return f
    }

    func expectError(_ f: NetJSONFixture, containing parts: [String]) {
        do {
            _ = try NetJSONReader.read(contentsOf: f.write())
            Issue.record("expected an error containing \(parts)")
        } catch {
            for p in parts { #expect(error.description.contains(p), "\(error.description) should contain '\(p)'") }
        }
    }

    @Test func readsTernaryWeightsWithTheirScales() throws {
        let g = try NetJSONReader.read(contentsOf: Self.fixture().write())
        let w = TensorID(6)
        #expect(g.type(w).dtype == .ternary)
        #expect(g.constants[w]?.int8 == [1, -1, 0, 1, -1, 0])
        #expect(g.type(w).quantization == .perChannel(scales: [0.5, 0.25, 2], zeroPoints: [0, 0, 0], axis: 0))
        #expect(Ternary.dequantized(g.constants[w]!, g.type(w)) == [0.5, -0.5, 0, 0.25, -2, 0])
    }

    @Test func rejectsAValueOtherThanMinusOneZeroOne() {
        expectError(Self.fixture([1, 0xFF, 2, 1, 0, 0]), containing: ["ternary weights 'fw'", "2 at element 2", "-1, 0 or +1"])
    }

    @Test func rejectsTernaryWeightsWithoutAScale() {
        expectError(Self.fixture(quantization: nil), containing: ["ternary weights 'fw'", "positive scales"])
        expectError(Self.fixture(quantization: ["scale": [0.5, -1, 1]]), containing: ["scales must be positive"])
    }

    @Test func rejectsScalesOnTheWrongAxis() {
        expectError(Self.fixture(quantization: ["scale": [0.5, 0.5], "axis": 1]), containing: ["one scale, or 3 on axis 0"])
    }

    @Test func rejectsTernaryOutsideWeights() {
        // the conv's bias 'b' [2] as ternary
        var f = Self.fixture()
        var t = f.tensors
        t[2]["dtype"] = "ternary"
        t[2]["data"] = ["base64": Data([1, 0]).base64EncodedString()]
        t[2]["quantization"] = ["scale": [1]]
        f.tensors = t
        expectError(f, containing: ["'b' is ternary"])
    }
}
