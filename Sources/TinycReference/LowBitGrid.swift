/// A b-bit activation grid, simulated on int8 values: what a feature map stored with `bits` bits
/// would hold, written back in the int8 encoding so the unchanged int8 kernels can consume it.
///
/// The grid keeps the tensor's real zero exactly: level `k` is the int8 value `zeroPoint + k·step`,
/// i.e. real value `scale·step·k`. With the default `step = 2^(8−b)` the b-bit scale is
/// `scale·2^(8−b)` and the levels are exactly the `2^b` multiples of `step` (around the zero point)
/// that lie in [−128, 127] — an interval 255 wide always holds exactly `2^b` of them — so the
/// grid spans the same real range as the int8 tensor. A smaller power-of-two step (`fitted`) trades
/// range for resolution: the `2^b` levels then start at the real zero for a one-sided (ReLU)
/// tensor and are centred on it otherwise, and values beyond the top level clamp.
///
/// What this simulates: a kernel that computes the int8 value (TFLite's requantization) and then
/// rounds it to the b-bit grid — two roundings, where a real b-bit epilogue would round the int32
/// accumulator once with a multiplier `2^(8−b)` smaller. The two differ only when the int8 value
/// lies exactly halfway between two levels (then the double rounding may pick the other neighbour),
/// at most one b-bit step.
public struct LowBitGrid: Hashable, Sendable {
    public let bits: Int
    public let zeroPoint: Int
    /// Distance between levels in int8 units (a power of two).
    public let step: Int
    /// Level indices `k` (int8 value `zeroPoint + k·step`).
    public let levels: ClosedRange<Int>

    /// The grid with `step` (default `2^(8−bits)`: scale·2^(8−b), the whole int8 range).
    public init(bits: Int, zeroPoint: Int, step: Int? = nil) {
        precondition((1...8).contains(bits), "bits must be 1...8")
        let step = step ?? 1 << (8 - bits)
        precondition(step >= 1 && step & (step - 1) == 0, "step must be a power of two")
        self.bits = bits
        self.zeroPoint = zeroPoint
        self.step = step
        // every level whose int8 value exists...
        let lo = Self.ceilDiv(-128 - zeroPoint, step), hi = Self.floorDiv(127 - zeroPoint, step)
        let count = 1 << bits
        if hi - lo + 1 <= count {
            levels = lo...hi
        } else {
            // ...or, when there are more than 2^b, the 2^b around the real zero (from it, for ReLU outputs)
            let top = min(hi, max(lo, -(count / 2)) + count - 1)
            levels = (top - count + 1)...top
        }
    }

    /// The grid with the smallest power-of-two step whose top level still reaches `threshold`
    /// (in int8 units above the zero point), at most `2^(8−bits)`: the resolution a patch gets when
    /// all its values are known to stay within the threshold.
    public static func fitted(bits: Int, zeroPoint: Int, threshold: Int) -> LowBitGrid {
        let full = 1 << (8 - bits)
        var step = 1
        while step < full && LowBitGrid(bits: bits, zeroPoint: zeroPoint, step: step).levels.upperBound * step < threshold {
            step *= 2
        }
        return LowBitGrid(bits: bits, zeroPoint: zeroPoint, step: step)
    }

    /// The level nearest to `q` (ties away from the zero point, as TFLite's quantizer), clamped.
    public func apply(_ q: Int8) -> Int8 {
        let d = Int(q) - zeroPoint
        let k = d >= 0 ? (d + step / 2) / step : -((-d + step / 2) / step)
        return Int8(zeroPoint + min(max(k, levels.lowerBound), levels.upperBound) * step)
    }

    public func apply(_ values: inout [Int8]) {
        for i in values.indices { values[i] = apply(values[i]) }
    }

    static func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
    static func ceilDiv(_ a: Int, _ b: Int) -> Int { -floorDiv(-a, b) }
}
