/// The closed set of operations tinyc knows. Every `switch` over `Op` is exhaustive with no
/// `default:`, so adding a case makes the compiler list every stage that must handle it.
/// Layouts: activations NHWC (batch 1), conv weights OHWI, depthwise weights [1, KH, KW, C*m].
public enum Op: Hashable, Sendable {
    /// inputs: x, weights [O, KH, KW, I], bias? [O]
    case conv2d(Conv2D)
    /// inputs: x, weights [1, KH, KW, C*m], bias? [C*m]
    case depthwiseConv2d(DepthwiseConv2D)
    /// inputs: x (flattened), weights [N_out, N_in], bias? [N_out]
    case fullyConnected(FullyConnected)
    /// inputs: a, b; numpy broadcasting (aligned on the last dimension; each pair equal or one of
    /// them 1; at most 6-D when the shapes differ)
    case add(Activation)
    /// inputs: x
    case maxPool2d(Pool2D)
    /// inputs: x; padded taps are excluded from the average (TFLite)
    case avgPool2d(Pool2D)
    /// inputs: x [1, H, W, C]; mean over H and W (global average pool)
    case mean(Mean)
    /// inputs: x; a standalone relu/relu6 (usually fused into its producer). int8 as TFLM: relu
    /// requantizes to the output's scale and zero point, relu6 clamps raw values to the input's 0 and 6.
    case activation(Activation)
    /// inputs: x; same bytes, new shape (the output type carries the shape)
    case reshape
    /// inputs: x; over the last dimension
    case softmax(beta: Float)
    /// inputs: x; 1 / (1 + e^−x) elementwise. int8 output is fixed at scale 1/256, zero point −128.
    case logistic
    /// inputs: x; int8 → int8 rescaling to the output's scale and zero point (TFLite QUANTIZE);
    /// the identity in float graphs.
    case requantize
    /// inputs: x [1, H, W, C], value? (a one-element constant, TFLite PADV2); constant spatial
    /// padding with `value`, or with 0 (int8: the output zero point) when there is none
    case pad(Pads)
    /// inputs: x1, x2, ...; along `axis` of the 4-D or 2-D shape
    case concat(axis: Int)
    /// inputs: x, gamma, beta, mean, variance. Import-only: gone after `foldBatchNorm`.
    case batchNorm(epsilon: Float)

    /// The op's name as written in net.json and the textual IR.
    public var name: String {
        switch self {
        case .conv2d: "conv2d"
        case .depthwiseConv2d: "depthwise_conv2d"
        case .fullyConnected: "fully_connected"
        case .add: "add"
        case .maxPool2d: "max_pool2d"
        case .avgPool2d: "avg_pool2d"
        case .mean: "mean"
        case .activation(let a): a.name
        case .reshape: "reshape"
        case .softmax: "softmax"
        case .logistic: "logistic"
        case .requantize: "requantize"
        case .pad: "pad"
        case .concat: "concat"
        case .batchNorm: "batch_norm"
        }
    }

    /// The activation fused into this op, if it can carry one.
    public var fusedActivation: Activation? {
        switch self {
        case .conv2d(let a): a.activation
        case .depthwiseConv2d(let a): a.activation
        case .fullyConnected(let a): a.activation
        case .add(let a): a
        case .maxPool2d(let a), .avgPool2d(let a): a.activation
        case .mean, .activation, .reshape, .softmax, .logistic, .requantize, .pad, .concat, .batchNorm: nil
        }
    }

    /// The same op with `activation` fused in; nil if the op cannot carry one.
    public func fusing(_ activation: Activation) -> Op? {
        switch self {
        case .conv2d(var a): a.activation = activation; return .conv2d(a)
        case .depthwiseConv2d(var a): a.activation = activation; return .depthwiseConv2d(a)
        case .fullyConnected(var a): a.activation = activation; return .fullyConnected(a)
        case .add: return .add(activation)
        case .maxPool2d(var a): a.activation = activation; return .maxPool2d(a)
        case .avgPool2d(var a): a.activation = activation; return .avgPool2d(a)
        case .mean, .activation, .reshape, .softmax, .logistic, .requantize, .pad, .concat, .batchNorm: return nil
        }
    }
}

/// An activation function applied to an op's output.
public enum Activation: String, Hashable, Sendable {
    case none, relu, relu6
    public var name: String { rawValue }
}

/// A (height, width) pair: strides, dilations, kernel sizes.
public struct HW: Hashable, Sendable, CustomStringConvertible {
    public var h: Int, w: Int
    public init(_ h: Int, _ w: Int) { self.h = h; self.w = w }
    public static let one = HW(1, 1)
    public var description: String { "\(h)x\(w)" }
}

/// Explicit spatial padding in pixels.
public struct Pads: Hashable, Sendable, CustomStringConvertible {
    public var top: Int, bottom: Int, left: Int, right: Int
    public init(top: Int, bottom: Int, left: Int, right: Int) {
        self.top = top; self.bottom = bottom; self.left = left; self.right = right
    }
    public static let zero = Pads(top: 0, bottom: 0, left: 0, right: 0)
    public var description: String { "[\(top),\(bottom),\(left),\(right)]" }
}

/// How a windowed op pads its input.
public enum Padding: Hashable, Sendable, CustomStringConvertible {
    /// No padding: output = floor((in - k_eff) / s) + 1.
    case valid
    /// TFLite SAME: output = ceil(in / s), the odd padding pixel at the bottom/right.
    case same
    case explicit(Pads)

    public var description: String {
        switch self {
        case .valid: "valid"
        case .same: "same"
        case .explicit(let p): "\(p)"
        }
    }
}

public struct Conv2D: Hashable, Sendable {
    public var stride: HW, dilation: HW, padding: Padding, activation: Activation
    public init(stride: HW = .one, dilation: HW = .one, padding: Padding = .valid, activation: Activation = .none) {
        self.stride = stride; self.dilation = dilation; self.padding = padding; self.activation = activation
    }
}

public struct DepthwiseConv2D: Hashable, Sendable {
    public var stride: HW, dilation: HW, padding: Padding, depthMultiplier: Int, activation: Activation
    public init(
        stride: HW = .one, dilation: HW = .one, padding: Padding = .valid, depthMultiplier: Int = 1,
        activation: Activation = .none
    ) {
        self.stride = stride; self.dilation = dilation; self.padding = padding
        self.depthMultiplier = depthMultiplier; self.activation = activation
    }
}

public struct FullyConnected: Hashable, Sendable {
    public var activation: Activation
    public init(activation: Activation = .none) { self.activation = activation }
}

public struct Pool2D: Hashable, Sendable {
    public var kernel: HW, stride: HW, padding: Padding, activation: Activation
    public init(kernel: HW, stride: HW = .one, padding: Padding = .valid, activation: Activation = .none) {
        self.kernel = kernel; self.stride = stride; self.padding = padding; self.activation = activation
    }
}

public struct Mean: Hashable, Sendable {
    /// Reduced axes; v1 supports exactly [1, 2] (H and W of NHWC).
    public var axes: [Int]
    public var keepDims: Bool
    public init(axes: [Int] = [1, 2], keepDims: Bool = true) { self.axes = axes; self.keepDims = keepDims }
}

/// One node of the graph.
public struct Node: Hashable, Sendable {
    public var op: Op
    public var inputs: [TensorID]
    public var outputs: [TensorID]
    /// The name from the source model; for diagnostics, reports and C comments only.
    public var name: String
    public init(op: Op, inputs: [TensorID], outputs: [TensorID], name: String) {
        self.op = op; self.inputs = inputs; self.outputs = outputs; self.name = name
    }
}
