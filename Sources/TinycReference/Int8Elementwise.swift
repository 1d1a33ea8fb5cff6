import TinycIR

/// Elementwise int8 kernels that rescale each value on its own: requantize (TFLite QUANTIZE, and a
/// relu whose input and output quantization differ) and logistic.
extension Int8Kernels {
    /// TFLM reference_ops::Requantize / ReluQuantized:
    /// clamp(MultiplyByQuantizedMultiplier(x + inputOffset) + outputOffset, actMin, actMax).
    static func requantize(_ x: [Int8], _ p: IntegerParams.Requantize) -> [Int8] {
        x.map { v in
            let scaled = QuantMath.multiplyByQuantizedMultiplier(Int32(v) &+ p.inputOffset, p.multiplier)
            return clamp(scaled &+ p.outputOffset, p.actMin, p.actMax)
        }
    }

    /// TFLM reference_integer_ops::Logistic (int8): d = x − z_in; d ≤ −radius → −128, d ≥ radius →
    /// 127; otherwise d is rescaled into Q4.27 by MultiplyByQuantizedMultiplier, gemmlowp's
    /// fixed-point logistic gives Q0.31, and RoundingDivideByPOT(·, 23) − 128 is the output in steps
    /// of 1/256 from −128, clamped to int8.
    static func logistic(_ x: [Int8], _ p: IntegerParams.Logistic) -> [Int8] {
        let inputIntegerBits = 4, outputIntegerBits: Int32 = 8
        return x.map { v in
            let d = Int32(v) - p.inputZeroPoint
            if d <= -p.inputRangeRadius { return Int8.min }
            if d >= p.inputRangeRadius { return Int8.max }
            let inQ4 = QuantMath.multiplyByQuantizedMultiplier(d, QuantMath.Multiplier(mult: p.inputMultiplier, shift: p.inputLeftShift))
            let outQ0 = FixedPoint.logistic(inQ4, integerBits: inputIntegerBits)
            let steps = QuantMath.roundingDivideByPOT(outQ0, 31 - outputIntegerBits)
            return clamp(steps &+ Int32(Int8.min), Int32(Int8.min), Int32(Int8.max))
        }
    }
}
