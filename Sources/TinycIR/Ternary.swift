/// Helpers for ternary (1.58-bit) weight tensors: int8 bytes -1 / 0 / +1 with a scale per output
/// channel (or one per tensor); the real weight is scale · t.
public enum Ternary {
    /// The real values scale · t of a ternary tensor, row-major. Exact in float: each is ±scale or 0.
    public static func dequantized(_ data: ConstantData, _ type: TensorType) -> [Float] {
        let t = data.int8
        let scale = scaleOfElement(type)
        return t.indices.map { Float(t[$0]) * scale($0) }
    }

    /// The scale of flat element `i`: the channel's on the quantization axis, or the single one.
    public static func scaleOfElement(_ type: TensorType) -> (Int) -> Float {
        guard case .perChannel(let scales, _, let axis) = type.quantization, scales.count > 1 else {
            let s = type.quantization.scales.first ?? 1
            return { _ in s }
        }
        let inner = type.shape[(axis + 1)...].reduce(1, *)
        return { i in scales[(i / inner) % scales.count] }
    }
}

/// How a ternary weight tensor is stored in flash (Runtime-C/include/tinyc/tc_ternary.h): the
/// tensor flattened row-major as one dense byte stream, no padding between rows.
public enum TernaryPacking: String, Sendable, Hashable, CaseIterable {
    /// Code q = t + 1 in 2 bits, 4 weights per byte, least significant first (TC_TERNARY_2BIT).
    case twoBit = "2bit"
    /// Byte j = Σ q[5j + n] · 3^n over n = 0..4, 5 weights per byte (TC_TERNARY_BASE3).
    case base3 = "base3"

    /// The runtime's `tc_ternary_format` constant.
    public var cName: String { self == .twoBit ? "TC_TERNARY_2BIT" : "TC_TERNARY_BASE3" }

    /// Weights per byte.
    public var weightsPerByte: Int { self == .twoBit ? 4 : 5 }

    /// Bytes of a stream of `count` weights (tc_ternary_packed_bytes).
    public func bytes(count: Int) -> Int { (count + weightsPerByte - 1) / weightsPerByte }

    /// The packed stream of weights `t` (each -1, 0 or +1); unused codes of the last byte are 0.
    public func pack(_ t: [Int8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: bytes(count: t.count))
        for (i, v) in t.enumerated() {
            let q = UInt8(Int(v) + 1)
            switch self {
            case .twoBit: out[i / 4] |= q << (2 * UInt8(i % 4))
            case .base3: out[i / 5] += q * [1, 3, 9, 27, 81][i % 5]
            }
        }
        return out
    }
}
