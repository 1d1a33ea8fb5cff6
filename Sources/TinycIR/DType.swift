/// Element types a tensor can have.
public enum DType: String, Hashable, Sendable, CaseIterable {
    case f32 = "float32"
    case s32 = "int32"
    case s8 = "int8"
    /// 1.58-bit weights: each element is -1, 0 or +1 (one int8 byte per element in the IR's
    /// constant data), the real value scale · t. Only the weights of conv2d, depthwise_conv2d and
    /// fully_connected; the code generator packs them (docs/ternary.md).
    case ternary = "ternary"
    /// 4-bit weights in [-8, 7] (one int8 byte per element in the IR's constant data), the real
    /// value scale · q. Only the weights of conv2d, depthwise_conv2d and fully_connected; the code
    /// generator packs them two per byte in TFLite's order (docs/mixed-precision.md).
    case s4 = "int4"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f32, .s32: 4
        case .s8, .ternary, .s4: 1
        }
    }

    /// Weights stored with fewer than 8 bits (ternary, int4): int8 values in the IR, packed in flash.
    public var isLowBitWeight: Bool { self == .ternary || self == .s4 }

    /// The values a low-bit weight may hold.
    public var lowBitRange: ClosedRange<Int8>? {
        switch self {
        case .ternary: -1...1
        case .s4: -8...7
        case .f32, .s32, .s8: nil
        }
    }

    /// Stored bits per weight of a low-bit weight tensor (ternary: 2-bit codes).
    public var weightBits: Int {
        switch self {
        case .ternary: 2
        case .s4: 4
        case .s8: 8
        case .f32, .s32: 32
        }
    }

    /// The short name used in the textual IR (`s8[1,8,8,1]`).
    public var shortName: String {
        switch self {
        case .f32: "f32"
        case .s32: "s32"
        case .s8: "s8"
        case .ternary: "t2"
        case .s4: "s4"
        }
    }
}
