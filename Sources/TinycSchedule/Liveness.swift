import TinycIR

/// One activation buffer to place: a non-constant tensor, live over the inclusive step interval
/// `[first, last]`. Two buffers conflict (may not share a byte) iff their intervals intersect.
public struct Buffer: Hashable, Sendable, CustomStringConvertible {
    public var tensor: TensorID
    /// Bytes to reserve (already rounded up to the arena alignment when it comes from `Liveness`).
    public var size: Int
    /// First step at which the buffer holds data (inclusive).
    public var first: Int
    /// Last step at which the buffer is read (inclusive).
    public var last: Int

    public init(tensor: TensorID, size: Int, first: Int, last: Int) {
        self.tensor = tensor; self.size = size; self.first = first; self.last = last
    }

    /// Whether the lifetimes of `self` and `other` share a step.
    public func overlapsInTime(_ other: Buffer) -> Bool { first <= other.last && other.first <= last }

    public var description: String { "\(tensor) \(size) B [\(first), \(last)]" }
}

/// Lifetimes of the activation tensors of a graph run in node order (tinygrad's
/// `first_appearance`/`last_appearance`; TFLM's `MarkAllocationLifetimes`).
///
/// Step `i` is the execution of node `i`. A tensor is live from the step that writes it (step 0 for
/// a graph input) to the last step that reads it; graph outputs stay live to the last step so the
/// caller can read them after `invoke`. A node's inputs and outputs are live at the same step, so
/// an op never writes over its own input (no in-place reuse yet: in-place depthwise and residual
/// fusion, ALGORITHMS.md §2.1–2.2, will alias tensor ids before this analysis).
///
/// Constants (weights) live in flash and get no buffer. Tensors that are neither a graph input
/// nor produced by a node (only possible in a graph the `Verifier` rejects) get none either.
public enum Liveness {
    /// Buffers for every non-constant tensor of `graph` executed in node order (nodes are
    /// topologically sorted), ordered by tensor id. Sizes are `byteCount` rounded up to `alignment`.
    public static func buffers(of graph: Graph, alignment: Int) -> [Buffer] {
        precondition(alignment > 0, "alignment must be positive, got \(alignment)")
        let lastStep = max(graph.nodes.count - 1, 0)
        var first: [TensorID: Int] = [:]
        var last: [TensorID: Int] = [:]
        for input in graph.inputs where !graph.isConstant(input) {
            first[input] = 0
            last[input] = 0
        }
        for (step, node) in graph.nodes.enumerated() {
            for input in node.inputs where first[input] != nil {
                last[input] = max(last[input]!, step)
            }
            for output in node.outputs where !graph.isConstant(output) && first[output] == nil {
                first[output] = step
                last[output] = step
            }
        }
        for output in graph.outputs where first[output] != nil {
            last[output] = lastStep
        }
        return first.keys.sorted().map { id in
            Buffer(
                tensor: id, size: roundUp(graph.type(id).byteCount, to: alignment),
                first: first[id]!, last: last[id]!)
        }
    }

    /// Bytes live at each step `0..<steps` (sum of the sizes of the buffers live at that step).
    /// Every buffer must lie within `0..<steps`.
    public static func liveBytes(_ buffers: [Buffer], steps: Int) -> [Int] {
        // Difference array: +size at first, -size after last, then a prefix sum.
        var delta = [Int](repeating: 0, count: steps + 1)
        for b in buffers {
            precondition(
                0 <= b.first && b.first <= b.last && b.last < steps,
                "buffer \(b) is not within steps 0..<\(steps)")
            delta[b.first] += b.size
            delta[b.last + 1] -= b.size
        }
        var result = [Int](repeating: 0, count: steps)
        var running = 0
        for step in 0..<steps {
            running += delta[step]
            result[step] = running
        }
        return result
    }

    /// `value` rounded up to a multiple of `alignment` (> 0).
    static func roundUp(_ value: Int, to alignment: Int) -> Int {
        (value + alignment - 1) / alignment * alignment
    }
}
