import TinycIR

/// Which nodes may run patch by patch, and where a graph may be split (ALGORITHMS.md §1.1).
///
/// A split `s` puts nodes `0..<s` in the patch stage. It is legal when
/// - every node of the stage is spatially local and has a tile kernel: conv, depthwise, max/avg
///   pooling, an element-wise add of two same-shape tensors, a standalone activation or requantize;
/// - every tensor of the stage is `[1, H, W, C]`;
/// - the only stage tensor read after the stage (or returned) is the output of node `s − 1`, the
///   stage tensor (the graph input may be read anywhere: it stays in the caller's buffer).
/// Global ops (fully connected, mean, softmax, reshape) end the candidate prefix.
public enum PatchStage {
    /// Legal split points, ascending. Empty when the first node is not patchable.
    public static func legalSplits(_ graph: Graph) -> [Int] {
        let consumers = graph.consumers()
        let outputs = Set(graph.outputs)
        var result: [Int] = []
        var produced: [TensorID] = []
        for s in 1...max(graph.nodes.count, 1) where s <= graph.nodes.count {
            let n = s - 1
            guard isPatchable(graph, n) else { break }
            produced.append(graph.nodes[n].outputs[0])
            let stage = graph.nodes[n].outputs[0]
            let escapes = produced.contains { t in
                t != stage && (outputs.contains(t) || (consumers[t] ?? []).contains { $0 >= s })
            }
            if !escapes && !graph.inputs.contains(stage) { result.append(s) }
        }
        return result
    }

    /// Whether node `n` can run on tiles.
    public static func isPatchable(_ graph: Graph, _ n: Int) -> Bool {
        let node = graph.nodes[n]
        guard node.outputs.count == 1, graph.type(node.outputs[0]).shape.count == 4,
              graph.type(node.outputs[0]).shape[0] == 1 else { return false }
        let inputs = activationInputs(graph, n)
        guard !inputs.isEmpty, inputs.allSatisfy({ graph.type($0).shape.count == 4 }) else { return false }
        switch node.op {
        case .conv2d, .depthwiseConv2d, .maxPool2d, .avgPool2d:
            return true
        case .add:
            // Tiles of both operands must line up pixel for pixel: no broadcasting, no constants.
            let shape = graph.type(node.outputs[0]).shape
            return inputs.count == 2 && node.inputs.count == 2 && inputs.allSatisfy { graph.type($0).shape == shape }
        case .activation, .requantize:
            return graph.type(node.inputs[0]).shape == graph.type(node.outputs[0]).shape
        case .fullyConnected, .mean, .reshape, .softmax, .logistic, .pad, .concat, .batchNorm:
            return false
        }
    }

    /// Whether node `n` is a windowed op (conv, depthwise, pooling), which reads whole input tiles
    /// with local padding; the others are element-wise and read the crop under their output tile.
    public static func isWindowed(_ graph: Graph, _ n: Int) -> Bool {
        switch graph.nodes[n].op {
        case .conv2d, .depthwiseConv2d, .maxPool2d, .avgPool2d: true
        case .add, .activation, .requantize, .fullyConnected, .mean, .reshape, .softmax, .logistic, .pad, .concat, .batchNorm: false
        }
    }

    /// The non-constant inputs of node `n` (the tensors tiles are cut from).
    public static func activationInputs(_ graph: Graph, _ n: Int) -> [TensorID] {
        var seen: [TensorID] = []
        for t in graph.nodes[n].inputs where !graph.isConstant(t) && !seen.contains(t) { seen.append(t) }
        return seen
    }

    /// The row and column windows of node `n` with its real, resolved padding.
    public static func window(_ graph: Graph, _ n: Int) -> NodeWindow {
        let node = graph.nodes[n]
        let x = graph.type(node.inputs[0]).shape
        let inHW = HW(x[1], x[2])
        func make(_ kernel: HW, _ stride: HW, _ dilation: HW, _ padding: Padding) -> NodeWindow {
            let p = WindowGeometry.pads(input: inHW, kernel: kernel, stride: stride, dilation: dilation, padding: padding)
            return NodeWindow(
                rows: WindowAxis(kernel: kernel.h, stride: stride.h, dilation: dilation.h, padBefore: p.top),
                cols: WindowAxis(kernel: kernel.w, stride: stride.w, dilation: dilation.w, padBefore: p.left))
        }
        switch node.op {
        case .conv2d(let a):
            let w = graph.type(node.inputs[1]).shape
            return make(HW(w[1], w[2]), a.stride, a.dilation, a.padding)
        case .depthwiseConv2d(let a):
            let w = graph.type(node.inputs[1]).shape
            return make(HW(w[1], w[2]), a.stride, a.dilation, a.padding)
        case .maxPool2d(let a), .avgPool2d(let a):
            return make(a.kernel, a.stride, .one, a.padding)
        case .add, .activation, .requantize, .fullyConnected, .mean, .reshape, .softmax, .logistic, .pad, .concat,
             .batchNorm:
            return .identity
        }
    }
}
