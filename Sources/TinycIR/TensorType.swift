/// A typed index into `Graph.tensors`.
public struct TensorID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let index: Int
    public init(_ index: Int) { self.index = index }
    public static func < (a: TensorID, b: TensorID) -> Bool { a.index < b.index }
    public var description: String { "%\(index)" }
}

/// Shape, element type and quantization of a tensor.
/// Activations are NHWC with batch 1, conv weights OHWI, depthwise weights 1HWC.
public struct TensorType: Hashable, Sendable {
    public var shape: [Int]
    public var dtype: DType
    public var quantization: Quantization

    public init(shape: [Int], dtype: DType, quantization: Quantization = .none) {
        self.shape = shape
        self.dtype = dtype
        self.quantization = quantization
    }

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
    /// Size in bytes.
    public var byteCount: Int { count * dtype.size }
}

/// A tensor of the graph: its type plus the name it had in the source model (diagnostics only).
public struct Tensor: Hashable, Sendable {
    public var name: String
    public var type: TensorType
    public init(name: String, type: TensorType) {
        self.name = name
        self.type = type
    }
}

/// The bytes of a constant tensor, little-endian, row-major.
public struct ConstantData: Hashable, Sendable {
    public var bytes: [UInt8]
    public init(bytes: [UInt8]) { self.bytes = bytes }

    public init(floats: [Float]) {
        var b = [UInt8]()
        b.reserveCapacity(floats.count * 4)
        for f in floats { withUnsafeBytes(of: f.bitPattern.littleEndian) { b.append(contentsOf: $0) } }
        bytes = b
    }

    public init(int8 values: [Int8]) { bytes = values.map { UInt8(bitPattern: $0) } }

    public init(int32 values: [Int32]) {
        var b = [UInt8]()
        b.reserveCapacity(values.count * 4)
        for v in values { withUnsafeBytes(of: v.littleEndian) { b.append(contentsOf: $0) } }
        bytes = b
    }

    public var floats: [Float] {
        stride(from: 0, to: bytes.count - 3, by: 4).map { i in
            Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16
                | UInt32(bytes[i + 3]) << 24)
        }
    }

    public var int8: [Int8] { bytes.map { Int8(bitPattern: $0) } }

    public var int32: [Int32] {
        stride(from: 0, to: bytes.count - 3, by: 4).map { i in
            Int32(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16
                | UInt32(bytes[i + 3]) << 24)
        }
    }
}
