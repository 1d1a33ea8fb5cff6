import TinycIR

/// Removes nodes whose outputs no graph output depends on, then unused tensors.
///
/// Requires: nodes in topological order. Guarantees: every remaining node contributes to an output.
extension Pass {
    public static let eliminateDeadNodes = Pass("eliminate-dead-nodes") { (graph: inout Graph) throws(GraphError) in
        var needed = Set(graph.outputs)
        var keep = [Bool](repeating: false, count: graph.nodes.count)
        for i in graph.nodes.indices.reversed() where graph.nodes[i].outputs.contains(where: needed.contains) {
            keep[i] = true
            needed.formUnion(graph.nodes[i].inputs)
        }
        graph.nodes = graph.nodes.indices.filter { keep[$0] }.map { graph.nodes[$0] }
        graph.compactTensors()
    }
}
