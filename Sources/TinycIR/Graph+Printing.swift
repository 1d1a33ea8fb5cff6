/// The stable, line-per-node textual form of a graph. Tests compare it; `--print-ir` shows it.
///
///     graph @digits(%0: s8[1,8,8,1] q(0.0039,-128)) -> (%12) {
///       %5 = conv2d %0, %1, %2 {stride=1x1 dilation=1x1 pad=same act=relu} : s8[1,8,8,8] q(0.021,-128)
///     }
extension Graph: CustomStringConvertible {
    public var description: String {
        let ins = inputs.map { "\($0): \(Graph.format(type($0)))" }.joined(separator: ", ")
        var lines = ["graph @\(name)(\(ins)) -> (\(outputs.map(\.description).joined(separator: ", "))) {"]
        for index in nodes.indices { lines.append("  " + line(of: index)) }
        lines.append("}")
        return lines.joined(separator: "\n")
    }

    /// Node `index` as one line: `%5 = conv2d %0, %1, %2 {stride=1x1 ...} : s8[1,8,8,8] q(...)`.
    public func line(of index: Int) -> String {
        let node = nodes[index]
        let attrs = Graph.attributes(node.op)
        let args = node.inputs.map(\.description).joined(separator: ", ")
        let outs = node.outputs.map(\.description).joined(separator: ", ")
        let result = node.outputs.map { Graph.format(type($0)) }.joined(separator: ", ")
        return "\(outs) = \(node.op.name) \(args)\(attrs.isEmpty ? "" : " {\(attrs)}") : \(result)"
    }

    /// `s8[1,8,8,8] q(0.0215,-128)`; per-channel quantization prints the channel count only.
    public static func format(_ t: TensorType) -> String {
        let base = "\(t.dtype.shortName)[\(t.shape.map(String.init).joined(separator: ","))]"
        switch t.quantization {
        case .none: return base
        case .perTensor(let s, let z): return "\(base) q(\(s),\(z))"
        case .perChannel(let s, _, let axis): return "\(base) q(per-channel x\(s.count) axis=\(axis))"
        }
    }

    /// The attributes of an op as `key=value` pairs, in a fixed order.
    public static func attributes(_ op: Op) -> String {
        switch op {
        case .conv2d(let a):
            return "stride=\(a.stride) dilation=\(a.dilation) pad=\(a.padding) act=\(a.activation.name)"
        case .depthwiseConv2d(let a):
            return "stride=\(a.stride) dilation=\(a.dilation) pad=\(a.padding) multiplier=\(a.depthMultiplier) act=\(a.activation.name)"
        case .fullyConnected(let a):
            return "act=\(a.activation.name)"
        case .add(let act):
            return "act=\(act.name)"
        case .maxPool2d(let a), .avgPool2d(let a):
            return "kernel=\(a.kernel) stride=\(a.stride) pad=\(a.padding) act=\(a.activation.name)"
        case .mean(let a):
            return "axes=\(a.axes) keep_dims=\(a.keepDims)"
        case .activation, .reshape, .logistic, .requantize:
            return ""
        case .softmax(let beta):
            return "beta=\(beta)"
        case .pad(let p):
            return "pads=\(p)"
        case .concat(let axis):
            return "axis=\(axis)"
        case .batchNorm(let eps):
            return "epsilon=\(eps)"
        }
    }
}
