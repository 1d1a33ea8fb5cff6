import TinycIR

/// Maps a net.json node's `op` and `attrs` to an `Op`. Each op reads exactly the attributes
/// docs/net-json.md lists for it; anything else is an error naming the node.
enum NetJSONOps {
    static let supported = [
        "conv2d", "depthwise_conv2d", "fully_connected", "add", "avg_pool2d", "max_pool2d", "mean",
        "global_avg_pool2d", "relu", "relu6", "reshape", "flatten", "softmax", "logistic", "requantize", "pad", "concat",
        "batch_norm",
    ]

    static func op(_ name: String, attrs: JSONValue, context: String, inputRank: Int) throws(FrontendMessage) -> Op {
        var a = try JSONObjectReader(attrs, context: "\(context) attrs")
        let op: Op
        switch name {
        case "conv2d":
            op = .conv2d(Conv2D(stride: try hw(&a, "stride"), dilation: try hw(&a, "dilation"),
                                padding: try padding(&a), activation: try activation(&a)))
        case "depthwise_conv2d":
            op = .depthwiseConv2d(DepthwiseConv2D(
                stride: try hw(&a, "stride"), dilation: try hw(&a, "dilation"), padding: try padding(&a),
                depthMultiplier: try a.optional("depth_multiplier", "an integer", \.int) ?? 1, activation: try activation(&a)))
        case "fully_connected":
            op = .fullyConnected(FullyConnected(activation: try activation(&a)))
        case "add":
            op = .add(try activation(&a))
        case "avg_pool2d", "max_pool2d":
            guard let kernel = try a.optional("kernel", "an [h, w] pair of integers", \.ints) else {
                throw FrontendMessage("\(context): missing required attribute 'kernel'")
            }
            guard kernel.count == 2 else { throw FrontendMessage("\(context): 'kernel' must be [h, w], got \(kernel)") }
            let pool = Pool2D(kernel: HW(kernel[0], kernel[1]), stride: try hw(&a, "stride"), padding: try padding(&a),
                              activation: try activation(&a))
            op = name == "avg_pool2d" ? .avgPool2d(pool) : .maxPool2d(pool)
        case "mean":
            let axes = try a.optional("axes", "a list of integers", \.ints) ?? [1, 2]
            let normalized = axes.map { $0 < 0 ? $0 + inputRank : $0 }.sorted()
            op = .mean(Mean(axes: normalized, keepDims: try a.optional("keep_dims", "a boolean", \.bool) ?? true))
        case "global_avg_pool2d":
            op = .mean(Mean(axes: [1, 2], keepDims: try a.optional("keep_dims", "a boolean", \.bool) ?? true))
        case "relu":
            op = .activation(.relu)
        case "relu6":
            op = .activation(.relu6)
        case "reshape":
            // The declared output tensor carries the shape; `shape` is checked against it by the verifier
            // through the element count, and read here so that it is not an unknown attribute.
            _ = try a.optional("shape", "a list of integers", \.ints)
            op = .reshape
        case "flatten":
            op = .reshape
        case "softmax":
            let beta = try a.optional("beta", "a number", \.double) ?? 1
            guard beta > 0, beta.isFinite else { throw FrontendMessage("\(context): 'beta' must be positive, got \(beta)") }
            op = .softmax(beta: Float(beta))
        case "logistic":
            op = .logistic
        case "requantize":
            op = .requantize
        case "pad":
            guard let rows = try a.optional("paddings", "a list of [before, after] pairs", { v in v.array?.compactMap(\.ints) }),
                  rows.count == 4, rows.allSatisfy({ $0.count == 2 }) else {
                throw FrontendMessage("\(context): 'paddings' must be [[0,0],[top,bottom],[left,right],[0,0]]")
            }
            guard rows[0] == [0, 0], rows[3] == [0, 0] else {
                throw FrontendMessage("\(context): only spatial padding is supported (batch and channel paddings must be [0, 0]), got \(rows)")
            }
            op = .pad(Pads(top: rows[1][0], bottom: rows[1][1], left: rows[2][0], right: rows[2][1]))
        case "concat":
            guard let axis = try a.optional("axis", "an integer", \.int) else {
                throw FrontendMessage("\(context): missing required attribute 'axis'")
            }
            op = .concat(axis: axis < 0 ? axis + inputRank : axis)
        case "batch_norm":
            let eps = try a.optional("epsilon", "a number", \.double) ?? 1e-5
            guard eps >= 0 else { throw FrontendMessage("\(context): 'epsilon' must not be negative") }
            op = .batchNorm(epsilon: Float(eps))
        default:
            throw FrontendMessage("\(context): unsupported op '\(name)' (supported: \(supported.joined(separator: ", ")))")
        }
        try a.finish()
        return op
    }

    private static func hw(_ a: inout JSONObjectReader, _ key: String) throws(FrontendMessage) -> HW {
        guard let v = try a.optional(key, "an [h, w] pair of integers", \.ints) else { return .one }
        guard v.count == 2 else { throw FrontendMessage("\(a.context): '\(key)' must be [h, w], got \(v)") }
        return HW(v[0], v[1])
    }

    private static func padding(_ a: inout JSONObjectReader) throws(FrontendMessage) -> Padding {
        guard let v = try a.optional("padding", "\"same\", \"valid\" or [top, bottom, left, right]", { v -> JSONValue? in
            (v.string != nil || v.ints?.count == 4) ? v : nil
        }) else { return .valid }
        if let s = v.string {
            switch s {
            case "same": return .same
            case "valid": return .valid
            default: throw FrontendMessage("\(a.context): 'padding' must be \"same\", \"valid\" or [top, bottom, left, right], got \"\(s)\"")
            }
        }
        let p = v.ints ?? []
        return .explicit(Pads(top: p[0], bottom: p[1], left: p[2], right: p[3]))
    }

    private static func activation(_ a: inout JSONObjectReader) throws(FrontendMessage) -> Activation {
        guard let s = try a.optional("activation", "a string", \.string) else { return .none }
        guard let act = Activation(rawValue: s) else {
            throw FrontendMessage("\(a.context): unsupported activation '\(s)' (supported: none, relu, relu6)")
        }
        return act
    }
}
