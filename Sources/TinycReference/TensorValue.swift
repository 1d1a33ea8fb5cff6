import TinycIR

/// The values of one tensor, flat in row-major (NHWC) order.
///
/// The element type travels with the values, so a kernel can never read int8 bytes as floats.
/// Raw bytes are little-endian, the layout of the C runtime's arena and of `ConstantData`.
public enum TensorValue: Hashable, Sendable {
    case f32([Float])
    case s8([Int8])
    case s32([Int32])

    /// The element type.
    public var dtype: DType {
        switch self {
        case .f32: .f32
        case .s8: .s8
        case .s32: .s32
        }
    }

    /// Number of elements.
    public var count: Int {
        switch self {
        case .f32(let v): v.count
        case .s8(let v): v.count
        case .s32(let v): v.count
        }
    }

    /// Decodes little-endian `bytes` as elements of `dtype`.
    /// Throws when the byte count is not a multiple of the element size.
    public init(bytes: [UInt8], dtype: DType) throws(GraphError) {
        guard bytes.count % dtype.size == 0 else {
            throw GraphError(.graph, "\(bytes.count) bytes are not a whole number of \(dtype.rawValue) elements (\(dtype.size) bytes each)")
        }
        let data = ConstantData(bytes: bytes)
        switch dtype {
        case .f32: self = .f32(data.floats)
        case .s8, .ternary, .s4: self = .s8(data.int8)
        case .s32: self = .s32(data.int32)
        }
    }

    /// The values as little-endian bytes.
    public var bytes: [UInt8] {
        switch self {
        case .f32(let v): ConstantData(floats: v).bytes
        case .s8(let v): ConstantData(int8: v).bytes
        case .s32(let v): ConstantData(int32: v).bytes
        }
    }

    /// The float values, or nil when the tensor is not f32.
    public var floats: [Float]? {
        if case .f32(let v) = self { return v }
        return nil
    }

    /// The int8 values, or nil when the tensor is not s8.
    public var int8: [Int8]? {
        if case .s8(let v) = self { return v }
        return nil
    }

    /// The int32 values, or nil when the tensor is not s32.
    public var int32: [Int32]? {
        if case .s32(let v) = self { return v }
        return nil
    }
}
