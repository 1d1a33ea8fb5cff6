/// Computes each node's output shape from its input types, TFLite semantics.
/// Op-specific rules live in one `switch`; errors name the node and the offending shapes.
public enum ShapeInference {
    /// The number of inputs an op takes: (minimum, maximum).
    public static func arity(_ op: Op) -> ClosedRange<Int> {
        switch op {
        case .conv2d, .depthwiseConv2d, .fullyConnected: 2...3
        case .add: 2...2
        case .pad: 1...2
        case .maxPool2d, .avgPool2d, .mean, .activation, .reshape, .softmax, .logistic, .requantize: 1...1
        case .concat: 1...Int.max
        case .batchNorm: 5...5
        }
    }

    /// The output shape of `graph.nodes[index]`.
    public static func outputShape(of index: Int, in graph: Graph) throws(GraphError) -> [Int] {
        let node = graph.nodes[index]
        func fail(_ message: String) -> GraphError { .node(index, node, message) }
        let shapes = node.inputs.map { graph.type($0).shape }
        let r = arity(node.op)
        guard r.contains(shapes.count) else {
            let expected = r.lowerBound == r.upperBound ? "\(r.lowerBound)" : r.upperBound == Int.max ? "\(r.lowerBound) or more" : "\(r.lowerBound) or \(r.upperBound)"
            throw fail("takes \(expected) inputs, got \(shapes.count)")
        }
        let x = shapes[0]
        func requireNHWC() throws(GraphError) {
            guard x.count == 4, x[0] == 1 else { throw fail("input must be [1, H, W, C], got \(x)") }
        }
        func window(_ kernel: HW, _ stride: HW, _ dilation: HW, _ padding: Padding) throws(GraphError) -> HW {
            guard kernel.h > 0, kernel.w > 0 else { throw fail("kernel \(kernel) must be positive") }
            guard stride.h > 0, stride.w > 0 else { throw fail("stride \(stride) must be positive") }
            guard dilation.h > 0, dilation.w > 0 else { throw fail("dilation \(dilation) must be positive") }
            if case .explicit(let p) = padding, min(p.top, p.bottom, p.left, p.right) < 0 {
                throw fail("padding \(p) must not be negative")
            }
            guard let out = WindowGeometry.output(input: HW(x[1], x[2]), kernel: kernel, stride: stride, dilation: dilation, padding: padding)
            else { throw fail("kernel \(kernel) (dilation \(dilation)) does not fit the input \(x[1])x\(x[2]) with padding \(padding)") }
            return out
        }
        func requireBias(_ channels: Int) throws(GraphError) {
            if shapes.count == 3, shapes[2] != [channels] {
                throw fail("bias must be [\(channels)], got \(shapes[2])")
            }
        }

        switch node.op {
        case .conv2d(let a):
            try requireNHWC()
            let w = shapes[1]
            guard w.count == 4 else { throw fail("weights must be [C_out, KH, KW, C_in], got \(w)") }
            guard w[3] == x[3] else { throw fail("weights expect \(w[3]) input channels, input has \(x[3]) (shape \(x))") }
            try requireBias(w[0])
            let out = try window(HW(w[1], w[2]), a.stride, a.dilation, a.padding)
            return [1, out.h, out.w, w[0]]
        case .depthwiseConv2d(let a):
            try requireNHWC()
            let w = shapes[1]
            guard a.depthMultiplier > 0 else { throw fail("depth_multiplier must be positive") }
            guard w.count == 4, w[0] == 1 else { throw fail("weights must be [1, KH, KW, C*multiplier], got \(w)") }
            guard w[3] == x[3] * a.depthMultiplier else {
                throw fail("weights have \(w[3]) channels, expected input channels \(x[3]) × depth_multiplier \(a.depthMultiplier) = \(x[3] * a.depthMultiplier)")
            }
            try requireBias(w[3])
            let out = try window(HW(w[1], w[2]), a.stride, a.dilation, a.padding)
            return [1, out.h, out.w, w[3]]
        case .fullyConnected:
            let w = shapes[1]
            guard w.count == 2 else { throw fail("weights must be [N_out, N_in], got \(w)") }
            guard x.first == 1 else { throw fail("input batch must be 1, got \(x)") }
            let n = x.reduce(1, *)
            guard n == w[1] else { throw fail("weights expect \(w[1]) inputs, input \(x) has \(n) elements") }
            try requireBias(w[0])
            return [1, w[0]]
        case .add:
            guard let out = Broadcast.shape(shapes[0], shapes[1]) else {
                throw fail("inputs \(shapes[0]) and \(shapes[1]) do not broadcast (each pair of dimensions must be equal or contain a 1)")
            }
            guard out.count <= Broadcast.maxRank || shapes[0] == shapes[1] else {
                throw fail("broadcasting supports at most \(Broadcast.maxRank) dimensions, got \(out.count)")
            }
            return out
        case .maxPool2d(let a), .avgPool2d(let a):
            try requireNHWC()
            let out = try window(a.kernel, a.stride, .one, a.padding)
            // A window lying entirely in the padding has no value to pool (TFLite never pads that much).
            let p = WindowGeometry.pads(input: HW(x[1], x[2]), kernel: a.kernel, stride: a.stride, dilation: .one, padding: a.padding)
            guard max(p.top, p.bottom) < a.kernel.h, max(p.left, p.right) < a.kernel.w else {
                throw fail("padding \(p) is as large as the kernel \(a.kernel): some windows would see only padding")
            }
            return [1, out.h, out.w, x[3]]
        case .mean(let a):
            try requireNHWC()
            guard a.axes == [1, 2] else { throw fail("only axes [1, 2] (global average pool) are supported, got \(a.axes)") }
            return a.keepDims ? [1, 1, 1, x[3]] : [1, x[3]]
        case .activation, .logistic, .requantize:
            return x
        case .softmax:
            // TFLite's int8 softmax sums exponentials in Q12.19: at most 4096 values per row.
            guard let depth = x.last, depth <= 4096 else { throw fail("rows of \(x.last ?? 0) values exceed the 4096 the int8 softmax supports") }
            return x
        case .reshape:
            let out = graph.type(node.outputs[0]).shape
            guard out.reduce(1, *) == x.reduce(1, *) else {
                throw fail("cannot reshape \(x) (\(x.reduce(1, *)) elements) to \(out) (\(out.reduce(1, *)) elements)")
            }
            return out
        case .pad(let p):
            try requireNHWC()
            guard min(p.top, p.bottom, p.left, p.right) >= 0 else { throw fail("paddings must not be negative, got \(p)") }
            if shapes.count == 2, shapes[1].reduce(1, *) != 1 { throw fail("the pad value must have one element, got shape \(shapes[1])") }
            return [1, x[1] + p.top + p.bottom, x[2] + p.left + p.right, x[3]]
        case .concat(let axis):
            guard axis >= 0, axis < x.count else { throw fail("axis \(axis) is out of range for rank \(x.count)") }
            var out = x
            for s in shapes.dropFirst() {
                guard s.count == x.count, s.indices.allSatisfy({ $0 == axis || s[$0] == x[$0] }) else {
                    throw fail("inputs \(x) and \(s) differ outside axis \(axis)")
                }
                out[axis] += s[axis]
            }
            return out
        case .batchNorm:
            guard let c = x.last else { throw fail("input must not be a scalar") }
            for s in shapes.dropFirst() where s != [c] {
                throw fail("gamma, beta, mean and variance must be [\(c)], got \(s)")
            }
            return x
        }
    }
}
