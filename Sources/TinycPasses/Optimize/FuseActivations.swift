import TinycIR

/// Fuses a standalone relu/relu6 into the op that produces its input (conv, depthwise, fully
/// connected, add, pooling), the way TFLite fuses activations.
///
/// Requires: nothing. Guarantees: a fused activation is exact — in an int8 graph only when the
/// activation's input and output share quantization (otherwise TFLM's standalone relu requantizes
/// and its relu6 clamps to the input's range, neither of which a fused clamp reproduces, so the
/// activation stays). The producer's output must have no other reader and not be a graph output.
extension Pass {
    public static let fuseActivations = Pass("fuse-activations") { (graph: inout Graph) throws(GraphError) in
        var index = 0
        while index < graph.nodes.count {
            let node = graph.nodes[index]
            guard case .activation(let act) = node.op, let merged = fusedNode(node, act, in: graph) else {
                index += 1
                continue
            }
            graph.nodes[merged.index] = merged.node
            graph.nodes.remove(at: index)
            if merged.index > index { index += 1 }
        }
        graph.compactTensors()
    }

    private static func fusedNode(_ node: Node, _ act: Activation, in graph: Graph) -> (index: Int, node: Node)? {
        let x = node.inputs[0]
        guard let p = graph.producers()[x], graph.consumers()[x]?.count == 1, !graph.outputs.contains(x),
              graph.type(x).quantization == graph.type(node.outputs[0]).quantization,
              let current = graph.nodes[p].op.fusedActivation
        else { return nil }
        // relu after relu6 (or the reverse) clamps to the tighter range, which is relu6.
        let combined: Activation
        switch (current, act) {
        case (.none, _): combined = act
        case (_, .none): combined = current
        case (.relu, .relu): combined = .relu
        case (.relu6, _), (_, .relu6): combined = .relu6
        }
        guard var producer = Optional(graph.nodes[p]), let op = producer.op.fusing(combined) else { return nil }
        producer.op = op
        producer.outputs = node.outputs
        return (p, producer)
    }
}
