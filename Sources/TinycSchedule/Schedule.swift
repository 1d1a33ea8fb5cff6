import TinycIR

/// How a graph runs and where every activation lives: layer by layer, or with a patch stage
/// (MCUNetV2), plus the memory techniques applied (ALGORITHMS.md §1.4, §2.1–2.2, §2.4).
///
/// Steps are node indices. With a patch stage, steps `0..<split` are one pass over a tile and repeat
/// for every tile; later steps run once. The arena holds, planned jointly in one timeline:
///
///     buffer                         size                          live
///     stage tensor (full size)       H_s·W_s·C_s                   step 0 … its last reader
///     other patch-stage tensors      their largest tile            producer … last reader (< split)
///     later tensors                  full size                     producer … last reader
///     in-place depthwise plane       the kernel's scratch          that node's step
///     kernel scratch (im2col, ...)   KernelLibrary's formula       that node's step
///
/// Sharing memory only between buffers with disjoint step intervals is safe across tile
/// iterations too: no patch-stage tile buffer lives from one tile into the next.
///
/// Not in the arena: the graph input, which kernels read in place from the caller's buffer
/// (`inputBytes`, reported separately: a caller may stream it from a camera or from flash).
public struct Schedule: Sendable {
    public var patch: PatchGeometry?
    /// Depthwise nodes that write their output over their input, using one channel plane of scratch.
    public var inPlaceDepthwise: Set<Int>
    /// Conv node → the add node computed in its epilogue, written over the residual operand in place.
    public var fusedAdds: [Int: Int]
    /// Tensor → the tensor whose buffer it occupies (in-place outputs), resolved to the owner.
    public var aliases: [TensorID: TensorID]
    /// In-place depthwise node → the pseudo tensor id of its plane scratch in `memory`.
    public var planes: [Int: TensorID]
    /// Node → the pseudo tensor id of its kernel's scratch in `memory` (nodes whose kernel needs some).
    public var scratch: [Int: TensorID]
    /// The kernels the nodes run (their scratch is planned here).
    public var kernels: KernelLibrary
    public var buffers: [Buffer]
    public var memory: MemoryPlan
    /// MACs of one inference, counting the recomputed halos of the patch stage.
    public var macs: Int
    /// Bytes of the graph input, read in place from the caller's buffer.
    public var inputBytes: Int

    /// Peak SRAM of the activations (the arena; scratch planes are arena buffers).
    public var peakBytes: Int { memory.arenaBytes }

    /// Arena offset of tensor `t`'s buffer; nil for the graph input (caller's buffer) and for a
    /// fused conv's intermediate output, which never exists in memory.
    public func offset(_ t: TensorID) -> Int? { memory.offsets[aliases[t] ?? t] }

    /// Whether node `n` is computed inside another node's call (the add of a fused conv + add).
    public func isFusedAway(_ n: Int) -> Bool { fusedAdds.values.contains(n) }

    /// Plans `graph` layer by layer (`patch == nil`) or with the patch stage of `patch`. Depthwise
    /// nodes run in place where legal, limited to `inPlaceAllowed` when given. With `search: false`
    /// the arena comes from one greedy-by-size pass (cheap, for ranking candidate plans); otherwise
    /// from the full `MemoryPlanner` search.
    public init(_ graph: Graph, patch: PatchGeometry?, alignment: Int, inPlaceAllowed: Set<Int>? = nil, search: Bool = true,
                kernels: KernelLibrary = .reference) {
        let split = patch?.split ?? 0
        let steps = graph.nodes.count
        let lastStep = max(steps - 1, 0)
        let consumers = graph.consumers()
        let producers = graph.producers()
        let graphInputs = Set(graph.inputs)
        let graphOutputs = Set(graph.outputs)
        func inStage(_ t: TensorID) -> Bool {
            guard let patch, t != patch.stageTensor, let p = producers[t] else { return false }
            return p < patch.split
        }
        func bytes(_ t: TensorID) -> Int {
            let type = graph.type(t)
            guard inStage(t), let patch else { return type.byteCount }
            return patch.maxTilePixels(t) * type.shape[3] * type.dtype.size
        }
        /// What one kernel call of node `n` sees: its largest tile in the patch stage.
        func extent(_ n: Int) -> KernelLibrary.Extent {
            let node = graph.nodes[n]
            guard node.inputs.count > 0, graph.type(node.inputs[0]).shape.count == 4,
                  graph.type(node.outputs[0]).shape.count == 4 else { return .whole(graph, n) }
            func tile(_ t: TensorID) -> HW {
                guard n < split, let patch, let rows = patch.rows[t], let cols = patch.cols[t] else {
                    let s = graph.type(t).shape
                    return HW(s[1], s[2])
                }
                return HW(rows.map(\.count).max()!, cols.map(\.count).max()!)
            }
            return KernelLibrary.Extent(input: tile(node.inputs[0]), output: tile(node.outputs[0]))
        }
        func pixels(_ t: TensorID, _ i: Int, _ j: Int) -> Int {
            guard inStage(t), let patch else { let s = graph.type(t).shape; return s[1] * s[2] }
            return patch.rows[t]![i].count * patch.cols[t]![j].count
        }
        // Lifetimes of every arena tensor.
        var first: [TensorID: Int] = [:], last: [TensorID: Int] = [:]
        for (n, node) in graph.nodes.enumerated() {
            for t in node.outputs where !graph.isConstant(t) && !graphInputs.contains(t) && first[t] == nil {
                first[t] = patch?.stageTensor == t ? 0 : n
                last[t] = n
            }
            for t in node.inputs where first[t] != nil { last[t] = max(last[t]!, n) }
        }
        for t in graph.outputs where first[t] != nil { last[t] = lastStep }

        // Memory techniques: in-place depthwise, conv + residual add fusion.
        var aliases: [TensorID: TensorID] = [:]
        func root(_ t: TensorID) -> TensorID { aliases[t] ?? t }
        var inPlaceDepthwise = Set<Int>(), fusedAdds: [Int: Int] = [:]
        var planeSize: [Int: Int] = [:]
        for (n, node) in graph.nodes.enumerated() {
            if case .depthwiseConv2d(let a) = node.op, a.depthMultiplier == 1, inPlaceAllowed?.contains(n) ?? true,
               kernels.hasMemoryVariants(graph, n) {
                let x = node.inputs[0], y = node.outputs[0]
                // The input must die here, live in the arena (not the caller's const input) and
                // the output must not go to the stage buffer (it is written there with a stride).
                guard first[x] != nil, last[x] == n, !graphOutputs.contains(x), y != patch?.stageTensor
                else { continue }
                let fits: Bool
                if let patch, n < split {
                    fits = (0..<patch.grid.h).allSatisfy { i in
                        (0..<patch.grid.w).allSatisfy { j in pixels(y, i, j) <= pixels(x, i, j) } }
                } else {
                    fits = pixels(y, 0, 0) <= pixels(x, 0, 0)
                }
                guard fits else { continue }
                inPlaceDepthwise.insert(n)
                aliases[y] = root(x)
                planeSize[n] = kernels.inPlaceDepthwise(graph, n, extent: extent(n)).scratchBytes
            }
            if case .conv2d = node.op, n >= split, n + 1 < steps, case .add = graph.nodes[n + 1].op,
               kernels.hasMemoryVariants(graph, n) {
                let add = graph.nodes[n + 1], c = node.outputs[0]
                guard add.inputs.count == 2, add.inputs.contains(c), add.inputs[0] != add.inputs[1],
                      consumers[c] == [n + 1], !graphOutputs.contains(c) else { continue }
                let r = add.inputs[0] == c ? add.inputs[1] : add.inputs[0]
                let shape = graph.type(add.outputs[0]).shape
                // The sum goes over the residual: the conv must not be reading that buffer.
                guard first[r] != nil, last[r] == n + 1, !graphOutputs.contains(r), root(node.inputs[0]) != root(r),
                      graph.type(r).shape == shape, graph.type(c).shape == shape else { continue }
                fusedAdds[n] = n + 1
                aliases[add.outputs[0]] = root(r)
                first[c] = nil  // the conv's own output is never stored
                last[c] = nil
            }
        }
        // One buffer per owner tensor, covering its aliases' lifetimes; one per plane.
        var size: [TensorID: Int] = [:], from: [TensorID: Int] = [:], to: [TensorID: Int] = [:]
        for (t, f) in first {
            let r = root(t)
            size[r] = max(size[r] ?? 0, bytes(t))
            from[r] = min(from[r] ?? f, f)
            to[r] = max(to[r] ?? last[t]!, last[t]!)
        }
        var buffers = size.keys.sorted().map { r in
            Buffer(tensor: r, size: Liveness.roundUp(size[r]!, to: alignment), first: from[r]!, last: to[r]!)
        }
        var planes: [Int: TensorID] = [:]
        for n in inPlaceDepthwise.sorted() {
            let id = TensorID(graph.tensors.count + n)
            planes[n] = id
            buffers.append(Buffer(tensor: id, size: Liveness.roundUp(planeSize[n]!, to: alignment), first: n, last: n))
        }
        var scratch: [Int: TensorID] = [:]
        for n in graph.nodes.indices where !inPlaceDepthwise.contains(n) {
            let bytes = fusedAdds[n] != nil ? kernels.fusedConvAdd(graph, n).scratchBytes
                : kernels.choice(graph, n, extent: extent(n)).scratchBytes
            guard bytes > 0 else { continue }
            let id = TensorID(graph.tensors.count + graph.nodes.count + n)
            scratch[n] = id
            buffers.append(Buffer(tensor: id, size: Liveness.roundUp(bytes, to: alignment), first: n, last: n))
        }
        self.patch = patch
        self.scratch = scratch
        self.kernels = kernels
        self.inPlaceDepthwise = inPlaceDepthwise
        self.fusedAdds = fusedAdds
        self.aliases = aliases.filter { first[$0.key] != nil }
        self.planes = planes
        self.buffers = buffers
        memory = search
            ? MemoryPlanner.plan(buffers, steps: steps, alignment: alignment)
            : MemoryPlanner.greedy(buffers, steps: steps, alignment: alignment, order: .sizeDescending)
        macs = Self.macs(graph, patch: patch)
        inputBytes = graph.inputs.reduce(0) { $0 + graph.type($1).byteCount }
    }

    /// The schedule of `graph` with `patch` with the smallest arena over in-place choices. In-place
    /// depthwise never raises the live-bytes bound, but merging two buffers into one can make the
    /// heuristic placement worse, so each in-place node is dropped in turn and the drop kept when
    /// the planned arena gets smaller. (Otherwise in-place stays: with the reference kernels it is
    /// also cheaper, its per-channel plane loop executing fewer instructions than the strided one.)
    /// `planned`, when given, is `Schedule(graph, patch: patch, alignment: alignment)` already computed.
    public static func best(_ graph: Graph, patch: PatchGeometry?, alignment: Int, planned: Schedule? = nil,
                            kernels: KernelLibrary = .reference) -> Schedule {
        var best = planned ?? Schedule(graph, patch: patch, alignment: alignment, kernels: kernels)
        for n in best.inPlaceDepthwise.sorted() {
            let trial = Schedule(graph, patch: patch, alignment: alignment, inPlaceAllowed: best.inPlaceDepthwise.subtracting([n]),
                                 kernels: kernels)
            if trial.peakBytes < best.peakBytes { best = trial }
        }
        return best
    }

    /// MACs of `graph` with the patch stage of `patch` (each tile computes its whole output span).
    public static func macs(_ graph: Graph, patch: PatchGeometry?) -> Int {
        graph.nodes.indices.reduce(0) { $0 + macs(of: $1, graph, patch: patch) }
    }

    /// MACs node `n` executes: in the patch stage, its per-pixel MACs times the pixels of all tiles.
    public static func macs(of n: Int, _ graph: Graph, patch: PatchGeometry?) -> Int {
        let full = graph.macs(of: n)
        guard let patch, n < patch.split, full > 0 else { return full }
        let y = graph.nodes[n].outputs[0]
        let s = graph.type(y).shape
        return full / (s[1] * s[2]) * patch.rows[y]!.reduce(0) { $0 + $1.count } * patch.cols[y]!.reduce(0) { $0 + $1.count }
    }
}
