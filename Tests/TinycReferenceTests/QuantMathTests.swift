import Foundation
import Testing
import TinycIR
@testable import TinycReference

// Check values of ALGORITHMS.md §3.3–3.4 and of gemmlowp's definitions.

@Test func quantizeMultiplierMatchesTFLite() {
    #expect(QuantMath.quantizeMultiplier(1.0) == .init(mult: 1_073_741_824, shift: 1))
    // ALGORITHMS.md's worked example: M = 0.02352941 · 0.00314 / 0.0470588 in double
    // (= 0.00157000066725…, printed there as 0.0015700007).
    #expect(QuantMath.quantizeMultiplier(0.02352941 * 0.00314 / 0.0470588) == .init(mult: 1_726_233_989, shift: -9))
    // The 10-digit literal itself is a slightly larger multiplier: round(0.0015700007 · 2^40).
    #expect(QuantMath.quantizeMultiplier(0.0015700007) == .init(mult: 1_726_234_025, shift: -9))
    #expect(QuantMath.quantizeMultiplier(0.00157) == .init(mult: 1_726_233_256, shift: -9))
    #expect(QuantMath.quantizeMultiplier(0.006841254380922728) == .init(mult: 1_880_509_685, shift: -7))
    #expect(QuantMath.quantizeMultiplier(0) == .init(mult: 0, shift: 0))
    // Below 2^-32 the multiplier is flushed to zero (dead channels).
    #expect(QuantMath.quantizeMultiplier(1e-12) == .init(mult: 0, shift: 0))
    // Non-finite multipliers cannot come from valid scales; they must not trap.
    #expect(QuantMath.quantizeMultiplier(.infinity) == .init(mult: 0, shift: 0))
    #expect(QuantMath.quantizeMultiplier(.nan) == .init(mult: 0, shift: 0))
}

@Test func multiplyByQuantizedMultiplierUsesDoubleRounding() {
    let m = QuantMath.quantizeMultiplier(0.02352941 * 0.00314 / 0.0470588)
    #expect(QuantMath.multiplyByQuantizedMultiplier(12345, m) == 19)
    // 318·M = 0.49926: SRDHM gives 256, then 256/2^9 = 0.5 rounds away from zero to 1.
    #expect(QuantMath.multiplyByQuantizedMultiplier(318, m) == 1)
    #expect(QuantMath.multiplyByQuantizedMultiplier(-318, m) == -1)
}

@Test func saturatingRoundingDoublingHighMulEdgeCases() {
    #expect(QuantMath.saturatingRoundingDoublingHighMul(Int32.min, Int32.min) == Int32.max)
    #expect(QuantMath.saturatingRoundingDoublingHighMul(Int32.max, Int32.max) == Int32.max - 1)
    // Round half up for a positive multiplier: −36.5 → −36, 36.5 → 37.
    #expect(QuantMath.saturatingRoundingDoublingHighMul(-73, 1 << 30) == -36)
    #expect(QuantMath.saturatingRoundingDoublingHighMul(73, 1 << 30) == 37)
}

@Test func roundingDivideByPOTRoundsTiesAwayFromZero() {
    #expect(QuantMath.roundingDivideByPOT(-5, 1) == -3)
    #expect(QuantMath.roundingDivideByPOT(5, 1) == 3)
    #expect(QuantMath.roundingDivideByPOT(-6, 2) == -2)
    #expect(QuantMath.roundingDivideByPOT(6, 2) == 2)
    #expect(QuantMath.roundingDivideByPOT(-7, 2) == -2)
    #expect(QuantMath.roundingDivideByPOT(Int32.max, 31) == 1)
    #expect(QuantMath.roundingDivideByPOT(Int32.min, 31) == -1)
}

@Test func activationRangeQuantizesInFloatAndNeverTraps() {
    #expect(QuantMath.activationRange(.relu6, scale: 6.0 / 255, zeroPoint: -128) == (-128, 127))
    #expect(QuantMath.activationRange(.relu6, scale: 0.1, zeroPoint: -20) == (-20, 40))
    #expect(QuantMath.activationRange(.relu, scale: 0.1, zeroPoint: 3) == (3, 127))
    #expect(QuantMath.activationRange(.none, scale: 0.1, zeroPoint: 3) == (-128, 127))
    // A tiny scale (TFLite would reject it in Prepare) saturates instead of trapping.
    #expect(QuantMath.activationRange(.relu6, scale: 1e-40, zeroPoint: 0) == (0, 127))
    #expect(QuantMath.activationRange(.relu, scale: 0.5, zeroPoint: Int32.max) == (Int32.max, 127))
}

@Test func fixedPointExpOnNegativeValues() {
    // exp(0) is exactly Q0.31 one; exp(a) tracks Foundation.exp within a few ulps of Q0.31.
    #expect(FixedPoint.expOnNegativeValues(0, integerBits: 5) == Int32.max)
    for a in stride(from: -31.9, through: -0.01, by: 0.37) {
        let raw = Int32((a * Double(1 << 26)).rounded())
        let got = Double(FixedPoint.expOnNegativeValues(raw, integerBits: 5)) / Double(1 << 31)
        let want = Foundation.exp(Double(raw) / Double(1 << 26))
        #expect(abs(got - want) < 1e-6, "exp(\(a)) = \(got), expected \(want)")
    }
}

@Test func fixedPointReciprocal() {
    // 1/(1 + x) for x in [0, 1).
    for x in stride(from: 0.0, to: 1.0, by: 0.0625) {
        let raw = Int32(x * Double(1 << 31))
        let got: Double = Double(FixedPoint.oneOverOnePlusXForXIn01(raw)) / 2_147_483_648.0
        let want: Double = 1 / (1 + x)
        #expect(abs(got - want) < 1e-8)
    }
    // GetReciprocal of 3.0 in Q12.19: 1/3 = scale · 2^−n.
    let (scale, n) = FixedPoint.reciprocal(3 << 19, integerDigits: 12)
    #expect(n == 1)
    let value: Double = Double(scale) / 2_147_483_648.0 / 2.0
    #expect(abs(value - 1.0 / 3) < 1e-8)
}

@Test func saturatingRoundingMultiplyByPOT() {
    #expect(FixedPoint.saturatingRoundingMultiplyByPOT(3, 2) == 12)
    #expect(FixedPoint.saturatingRoundingMultiplyByPOT(1 << 29, 2) == Int32.max)
    #expect(FixedPoint.saturatingRoundingMultiplyByPOT(-(1 << 29), 2) == Int32.min)
    #expect(FixedPoint.saturatingRoundingMultiplyByPOT(-6, -2) == -2)
    #expect(FixedPoint.roundingHalfSum(Int32.max, Int32.max) == Int32.max)
    #expect(FixedPoint.roundingHalfSum(-3, 0) == -2)
}
