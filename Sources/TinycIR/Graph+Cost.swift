/// Per-node cost figures for reports and planning.
extension Graph {
    /// Multiply-accumulates of node `index` (conv, depthwise, fully connected; 0 for other ops).
    public func macs(of index: Int) -> Int {
        let node = nodes[index]
        let out = type(node.outputs[0]).shape
        switch node.op {
        case .conv2d:
            let w = type(node.inputs[1]).shape
            return out[1] * out[2] * w[0] * w[1] * w[2] * w[3]
        case .depthwiseConv2d:
            let w = type(node.inputs[1]).shape
            return out[1] * out[2] * w[3] * w[1] * w[2]
        case .fullyConnected:
            return type(node.inputs[1]).count
        case .add, .maxPool2d, .avgPool2d, .mean, .activation, .reshape, .softmax, .logistic, .requantize, .pad, .concat, .batchNorm:
            return 0
        }
    }

    /// Bytes of constant data node `index` reads (weights, bias).
    public func weightBytes(of index: Int) -> Int {
        nodes[index].inputs.filter(isConstant).reduce(0) { $0 + type($1).byteCount }
    }

    /// Number of constant scalars node `index` reads.
    public func parameterCount(of index: Int) -> Int {
        nodes[index].inputs.filter(isConstant).reduce(0) { $0 + type($1).count }
    }
}
