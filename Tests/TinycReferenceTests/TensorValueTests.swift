import Testing
import TinycIR
@testable import TinycReference

@Test func tensorValueBytesRoundTrip() throws {
    let values: [TensorValue] = [.f32([1.5, -0.25, .infinity]), .s8([-128, 0, 127]), .s32([Int32.min, -1, 7])]
    for v in values {
        #expect(try TensorValue(bytes: v.bytes, dtype: v.dtype) == v)
    }
    #expect(TensorValue.s32([1]).bytes == [1, 0, 0, 0])
    #expect(TensorValue.f32([1, 2]).count == 2)
    #expect(TensorValue.s8([1]).floats == nil)
}

@Test func tensorValueRejectsPartialElements() {
    #expect(throws: GraphError.self) { try TensorValue(bytes: [1, 2, 3], dtype: .f32) }
}

@Test func quantizeRoundsHalfAwayFromZeroAndClamps() {
    let q = ReferenceInterpreter.quantize([0.25, -0.25, 0.75, 100, -100, .nan, .infinity], scale: 0.5, zeroPoint: -1)
    // 0.5 → 1, −0.5 → −1, 1.5 → 2 (away from zero), then + zp and clamp.
    #expect(q == [0, -2, 1, 127, -128, -1, 127])
    #expect(ReferenceInterpreter.dequantize([0, -2, 127], scale: 0.5, zeroPoint: -1) == [0.5, -0.5, 64])
}
