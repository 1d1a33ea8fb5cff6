/// Element types a tensor can have.
public enum DType: String, Hashable, Sendable, CaseIterable {
    case f32 = "float32"
    case s32 = "int32"
    case s8 = "int8"
    /// 1.58-bit weights: each element is -1, 0 or +1 (one int8 byte per element in the IR's
    /// constant data), the real value scale · t. Only the weights of conv2d, depthwise_conv2d and
    /// fully_connected; the code generator packs them (docs/ternary.md).
    case ternary = "ternary"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f32, .s32: 4
        case .s8, .ternary: 1
        }
    }

    /// The short name used in the textual IR (`s8[1,8,8,1]`).
    public var shortName: String {
        switch self {
        case .f32: "f32"
        case .s32: "s32"
        case .s8: "s8"
        case .ternary: "t2"
        }
    }
}
