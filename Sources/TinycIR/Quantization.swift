/// Affine quantization of a tensor: `real = scale * (q - zeroPoint)`.
public enum Quantization: Hashable, Sendable {
    case none
    case perTensor(scale: Float, zeroPoint: Int32)
    /// One (scale, zero point) per index of `axis` (weights: the output-channel axis).
    case perChannel(scales: [Float], zeroPoints: [Int32], axis: Int)

    /// Scales as a list (one element when per tensor, empty when not quantized).
    public var scales: [Float] {
        switch self {
        case .none: []
        case .perTensor(let s, _): [s]
        case .perChannel(let s, _, _): s
        }
    }

    /// Zero points as a list (one element when per tensor, empty when not quantized).
    public var zeroPoints: [Int32] {
        switch self {
        case .none: []
        case .perTensor(_, let z): [z]
        case .perChannel(_, let z, _): z
        }
    }

    /// The single (scale, zero point) of a per-tensor quantization.
    public var perTensorParameters: (scale: Float, zeroPoint: Int32)? {
        if case .perTensor(let s, let z) = self { return (s, z) }
        return nil
    }

    /// Scale of channel `c` (per-tensor quantization returns its single scale).
    public func scale(channel c: Int) -> Float {
        switch self {
        case .none: 1
        case .perTensor(let s, _): s
        case .perChannel(let s, _, _): s[c]
        }
    }
}
