import Testing
import TinycIR
@testable import TinycSchedule

/// `Schedule`'s memory techniques (ALGORITHMS.md §1.4, §2.1–2.2) on small hand-built graphs
/// (`PatchTestNet`, in PatchGeometryTests.swift). Activations are int8, so bytes = elements.

/// What every schedule must satisfy: a valid arena plan, no arena buffer for the graph input (it is
/// read in place from the caller's buffer), every stored tensor has an offset.
private func checkCommon(_ s: Schedule, _ graph: Graph, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(MemoryPlanner.violation(in: s.memory, buffers: s.buffers) == nil, sourceLocation: sourceLocation)
    let x = graph.inputs[0]
    #expect(s.offset(x) == nil, sourceLocation: sourceLocation)
    #expect(!s.buffers.contains { $0.tensor == x }, sourceLocation: sourceLocation)
    #expect(s.inputBytes == graph.type(x).byteCount, sourceLocation: sourceLocation)
    #expect(s.peakBytes == s.memory.arenaBytes, sourceLocation: sourceLocation)
    let fusedAway = Set(s.fusedAdds.keys.map { graph.nodes[$0].outputs[0] })
    for node in graph.nodes {
        let y = node.outputs[0]
        #expect((s.offset(y) == nil) == fusedAway.contains(y), "\(y)", sourceLocation: sourceLocation)
    }
}

private func buffer(_ s: Schedule, _ t: TensorID) -> Buffer? { s.buffers.first { $0.tensor == t } }

// MARK: - In-place depthwise

/// x → 0: a = conv1×1(x) → 1: b = dw3×3(a) → 2: c = conv1×1(b), 8×8×4 (256 B), c 8×8×2 (128 B).
/// `a` dies at the depthwise, so `b` is written over it with one 8×8 channel plane of scratch:
/// live bytes 256, 256 + 64, 256 + 128, against 512 at step 1 without the technique.
@Test func depthwiseWhoseInputDiesRunsInPlace() {
    var net = PatchTestNet(8, 8, 4)
    let a = net.conv(net.input, 4)!
    let b = net.depthwise(a)!
    let c = net.conv(b, 2)!
    let graph = net.graph
    let s = Schedule(graph, patch: nil, alignment: 4)
    checkCommon(s, graph)
    #expect(s.inPlaceDepthwise == [1])
    #expect(s.aliases == [b: a])
    #expect(s.offset(b) != nil && s.offset(b) == s.offset(a))
    #expect(buffer(s, b) == nil)
    #expect(buffer(s, a) == Buffer(tensor: a, size: 256, first: 0, last: 2))
    let plane = s.planes[1]!
    #expect(!graph.tensors.indices.contains(plane.index), "the plane's id must not be a real tensor")
    #expect(buffer(s, plane) == Buffer(tensor: plane, size: 8 * 8, first: 1, last: 1))
    #expect(buffer(s, c) == Buffer(tensor: c, size: 128, first: 2, last: 2))
    #expect(s.memory.liveBytesPerStep == [256, 320, 384])
    #expect(s.peakBytes == 384)

    let plain = Schedule(graph, patch: nil, alignment: 4, inPlaceAllowed: [])
    checkCommon(plain, graph)
    #expect(plain.inPlaceDepthwise.isEmpty && plain.aliases.isEmpty && plain.planes.isEmpty)
    #expect(plain.offset(b) != plain.offset(a))
    #expect(plain.peakBytes == 512)
}

/// Stride 2: the output (4×4) fits in the input's place; the plane is one channel of the input.
@Test func strideTwoDepthwiseRunsInPlaceWithAnInputPlane() {
    var net = PatchTestNet(8, 8, 4)
    let a = net.conv(net.input, 4)!
    let b = net.depthwise(a, stride: 2)!
    _ = net.conv(b, 2)!
    let s = Schedule(net.graph, patch: nil, alignment: 16)
    checkCommon(s, net.graph)
    #expect(s.inPlaceDepthwise == [1])
    #expect(s.offset(b) == s.offset(a))
    #expect(buffer(s, a)?.size == 256)
    #expect(buffer(s, s.planes[1]!)?.size == 64)
}

@Test func depthwiseIsNotInPlaceWhenItsInputLivesOn() {
    // The input is read again after the depthwise (by the add).
    var later = PatchTestNet(8, 8, 4)
    let a = later.conv(later.input, 4)!
    let b = later.depthwise(a)!
    _ = later.add(a, b)
    let s1 = Schedule(later.graph, patch: nil, alignment: 4)
    checkCommon(s1, later.graph)
    #expect(s1.inPlaceDepthwise.isEmpty && s1.aliases.isEmpty && s1.planes.isEmpty)
    #expect(s1.offset(a) != s1.offset(b))

    // The input is the graph input: it lives in the caller's buffer, which is not ours to write.
    var input = PatchTestNet(8, 8, 4)
    let d = input.depthwise(input.input)!
    _ = input.conv(d, 2)!
    let s2 = Schedule(input.graph, patch: nil, alignment: 4)
    checkCommon(s2, input.graph)
    #expect(s2.inPlaceDepthwise.isEmpty && s2.planes.isEmpty)

    // Depth multiplier 2: output channels differ from the input's.
    var mult = PatchTestNet(8, 8, 4)
    let m = mult.conv(mult.input, 4)!
    _ = mult.depthwise(m, multiplier: 2)!
    let s3 = Schedule(mult.graph, patch: nil, alignment: 4)
    checkCommon(s3, mult.graph)
    #expect(s3.inPlaceDepthwise.isEmpty)

    // The output is larger than the input (explicit padding grows it): it would not fit.
    var grow = PatchTestNet(6, 6, 4)
    let g = grow.conv(grow.input, 4)!
    let big = grow.depthwise(g, k: 1, padding: .explicit(Pads(top: 1, bottom: 1, left: 0, right: 0)))!
    #expect(grow.shape(big) == [1, 8, 6, 4])
    let s4 = Schedule(grow.graph, patch: nil, alignment: 4)
    checkCommon(s4, grow.graph)
    #expect(s4.inPlaceDepthwise.isEmpty)
}

/// An in-place depthwise on a float graph (`tinyc inspect` schedules float models) needs a plane of
/// one float channel: H·W·4 bytes. Either the technique is not applied to float graphs, or the
/// plane has that many bytes.
@Test
func floatDepthwisePlaneIsOneChannelInBytes() {
    var net = PatchTestNet(8, 8, 4, dtype: .f32)
    let a = net.conv(net.input, 4)!
    _ = net.depthwise(a)!
    let s = Schedule(net.graph, patch: nil, alignment: 4)
    checkCommon(s, net.graph)
    if let plane = s.planes[1] {
        #expect(buffer(s, plane)?.size == 8 * 8 * 4, "plane of \(buffer(s, plane)?.size ?? 0) B for an 8×8 float channel")
    }
}

// MARK: - Conv + residual add fusion

/// 0: r = conv1×1(x)   1: h = conv3×3(r)   2: c = conv1×1(h)   3: y = add(c, r)   4: z = conv1×1(y).
/// `c` is read only by the add and `r` dies there: the add runs in conv 2's epilogue, `y` is
/// written over `r`, and `c` is never stored.
@Test(arguments: [false, true])
func convFollowedByAddIsFusedOverTheDyingResidual(convIsSecondOperand: Bool) {
    var net = PatchTestNet(8, 8, 4)
    let r = net.conv(net.input, 4)!
    let h = net.conv(r, 4, k: 3, padding: .same)!
    let c = net.conv(h, 4)!
    let y = convIsSecondOperand ? net.add(r, c) : net.add(c, r)
    let z = net.conv(y, 2)!
    let graph = net.graph
    let s = Schedule(graph, patch: nil, alignment: 4)
    checkCommon(s, graph)
    #expect(s.fusedAdds == [2: 3])
    #expect(s.isFusedAway(3) && !s.isFusedAway(2))
    #expect(s.aliases == [y: r])
    #expect(s.offset(y) != nil && s.offset(y) == s.offset(r))
    #expect(s.offset(c) == nil)
    #expect(buffer(s, c) == nil && buffer(s, y) == nil)
    #expect(buffer(s, r) == Buffer(tensor: r, size: 256, first: 0, last: 4))
    #expect(buffer(s, z) == Buffer(tensor: z, size: 128, first: 4, last: 4))
    // Steps: r, r+h, r+h (c is not stored: 768 without the fusion), r(=y), y+z.
    #expect(s.memory.liveBytesPerStep == [256, 512, 512, 256, 384])
}

@Test func convAndAddAreNotFusedWhenTheResidualOrTheConvOutputLivesOn() {
    // The residual is read again after the add.
    var residual = PatchTestNet(8, 8, 4)
    let r = residual.conv(residual.input, 4)!
    let c = residual.conv(r, 4, k: 3, padding: .same)!
    let y = residual.add(c, r)
    _ = residual.add(y, r)
    let s1 = Schedule(residual.graph, patch: nil, alignment: 4)
    checkCommon(s1, residual.graph)
    #expect(s1.fusedAdds.isEmpty)

    // The conv output has a second reader.
    var conv = PatchTestNet(8, 8, 4)
    let r2 = conv.conv(conv.input, 4)!
    let h2 = conv.conv(r2, 4)!
    let c2 = conv.conv(h2, 4)!
    let y2 = conv.add(c2, r2)
    _ = conv.add(y2, c2)
    let s2 = Schedule(conv.graph, patch: nil, alignment: 4)
    checkCommon(s2, conv.graph)
    #expect(s2.fusedAdds.isEmpty)

    // The other operand is the graph input (caller's buffer).
    var input = PatchTestNet(8, 8, 4)
    let c3 = input.conv(input.input, 4)!
    let y3 = input.add(c3, input.input)
    _ = input.conv(y3, 2)!
    let s3 = Schedule(input.graph, patch: nil, alignment: 4)
    checkCommon(s3, input.graph)
    #expect(s3.fusedAdds.isEmpty)

    // The other operand is broadcast ([1, 1, 1, 4]): the add output is not its shape.
    var broadcast = PatchTestNet(8, 8, 4)
    let m = broadcast.mean(broadcast.input)
    let v = broadcast.conv(m, 4)!
    let h4 = broadcast.conv(broadcast.input, 4)!
    let c4 = broadcast.conv(h4, 4)!
    _ = broadcast.add(c4, v)
    let s4 = Schedule(broadcast.graph, patch: nil, alignment: 4)
    checkCommon(s4, broadcast.graph)
    #expect(s4.fusedAdds.isEmpty)
}

/// y = add(conv3×3(r), r): the conv reads `r`, and the fused kernel would write the sum over `r`
/// while the conv still needs its neighbouring pixels (Runtime-C's tc_conv2d_add_s8_ref asserts
/// `output != input` for this reason). The fusion must not be applied when the residual is the
/// conv's own input; in general a fused conv's input never shares the add output's buffer.
@Test
func convReadingTheResidualIsNotFusedOverIt() {
    var net = PatchTestNet(8, 8, 4)
    let r = net.conv(net.input, 4)!
    let c = net.conv(r, 4, k: 3, padding: .same)!
    let y = net.add(c, r)
    _ = net.conv(y, 2)!
    let graph = net.graph
    let s = Schedule(graph, patch: nil, alignment: 4)
    checkCommon(s, graph)
    for (conv, add) in s.fusedAdds {
        let input = graph.nodes[conv].inputs[0]
        #expect(s.offset(input) != s.offset(graph.nodes[add].outputs[0]), "conv \(conv) writes over its input")
    }
    #expect(s.fusedAdds.isEmpty)
    #expect(s.offset(y) != s.offset(r))
}

// MARK: - With a patch stage

/// x 8×8×2 → 0: a = conv3×3 (4 ch) → 1: b = conv3×3 (4 ch, the stage tensor) → 2: c = conv1×1 (2 ch),
/// split 2, 2×2 tiles. Stage tiles rows [0,3] [4,7]; `a` needs Back = [−1,4] → [0,4] and [3,8] →
/// [3,7]: 5 rows (and columns) per tile, so `a` takes 5·5·4 = 100 bytes. `b` is full size (256 B)
/// and lives from step 0: its tiles are written while the stage loops. Live: 356, 356, 256 + 128.
@Test func patchStageBuffers() {
    var net = PatchTestNet(8, 8, 2)
    let a = net.conv(net.input, 4, k: 3, padding: .same)!
    let b = net.conv(a, 4, k: 3, padding: .same)!
    let c = net.conv(b, 2)!
    let graph = net.graph
    let patch = PatchGeometry(graph: graph, split: 2, grid: HW(2, 2))
    #expect(patch.maxTilePixels(a) == 25)
    let s = Schedule(graph, patch: patch, alignment: 4)
    checkCommon(s, graph)
    #expect(buffer(s, a) == Buffer(tensor: a, size: 100, first: 0, last: 1))
    #expect(buffer(s, b) == Buffer(tensor: b, size: 256, first: 0, last: 2))
    #expect(buffer(s, c) == Buffer(tensor: c, size: 128, first: 2, last: 2))
    #expect(s.memory.liveBytesPerStep == [356, 356, 384])
    #expect(s.peakBytes == 384)
    let layer = Schedule(graph, patch: nil, alignment: 4)
    #expect(layer.peakBytes == 512)
    #expect(s.macs > layer.macs)
}

/// In the patch stage a depthwise runs in place on tiles (plane = the input's largest tile), but
/// not when its output is the stage tensor (written into the full stage buffer with a stride).
@Test func inPlaceDepthwiseInThePatchStage() {
    var net = PatchTestNet(12, 12, 3)
    let a = net.conv(net.input, 4, k: 3, stride: 2, padding: .same)!  // 6×6×4
    let b = net.depthwise(a)!
    let c = net.conv(b, 8)!
    _ = net.conv(c, 2)!
    let graph = net.graph

    let inside = PatchGeometry(graph: graph, split: 3, grid: HW(2, 3))
    let s = Schedule(graph, patch: inside, alignment: 4)
    checkCommon(s, graph)
    #expect(s.inPlaceDepthwise == [1])
    #expect(s.offset(b) == s.offset(a))
    #expect(buffer(s, s.planes[1]!)?.size == Liveness.roundUp(inside.maxTilePixels(a), to: 4))
    #expect(buffer(s, a)?.size == Liveness.roundUp(max(inside.maxTilePixels(a), inside.maxTilePixels(b)) * 4, to: 4))

    let atStage = PatchGeometry(graph: graph, split: 2, grid: HW(2, 2))
    #expect(atStage.stageTensor == b)
    let t = Schedule(graph, patch: atStage, alignment: 4)
    checkCommon(t, graph)
    #expect(t.inPlaceDepthwise.isEmpty)
    #expect(buffer(t, b)?.first == 0)
}

/// Random chains, splits and grids: the plan is valid, the stage tensor's buffer is full size from
/// step 0, every other patch-stage tensor (not aliased) takes its largest tile, later tensors their
/// full size, and the graph input has no buffer.
@Test func randomPatchSchedules() {
    var rng = SplitMix64(seed: 777)
    var checked = 0
    for trial in 0..<150 {
        let (net, _) = patchTestRandomChain(&rng)
        let graph = net.graph
        let splits = PatchStage.legalSplits(graph)
        guard !splits.isEmpty else { continue }
        let split = splits[rng.next(below: splits.count)]
        let stage = graph.type(graph.nodes[split - 1].outputs[0]).shape
        let grid = HW(rng.next(in: 1...min(8, stage[1])), rng.next(in: 1...min(8, stage[2])))
        let patch = PatchGeometry(graph: graph, split: split, grid: grid)
        let alignment = [1, 4, 16][rng.next(below: 3)]
        let s = Schedule(graph, patch: patch, alignment: alignment)
        let context = "trial \(trial) split \(split) grid \(grid) alignment \(alignment)\n\(graph.description)"
        checkCommon(s, graph)
        let stageBuffer = buffer(s, patch.stageTensor)
        #expect(stageBuffer?.first == 0, "\(context)")
        #expect(stageBuffer?.size == Liveness.roundUp(graph.type(patch.stageTensor).byteCount, to: alignment), "\(context)")
        for (n, node) in graph.nodes.enumerated() {
            let y = node.outputs[0]
            guard y != patch.stageTensor, s.aliases[y] == nil, s.inPlaceDepthwise.allSatisfy({ graph.nodes[$0].inputs[0] != y }),
                  let b = buffer(s, y) else { continue }
            let expected = n < split ? patch.maxTilePixels(y) * graph.type(y).shape[3] : graph.type(y).byteCount
            #expect(b.size == Liveness.roundUp(expected, to: alignment), "\(y)\n\(context)")
            #expect(b.first == n, "\(y)\n\(context)")
        }
        // `best` only drops in-place depthwise nodes, and only when that shrinks the arena.
        let best = Schedule.best(graph, patch: patch, alignment: alignment)
        #expect(MemoryPlanner.violation(in: best.memory, buffers: best.buffers) == nil, "\(context)")
        #expect(best.peakBytes <= s.peakBytes && best.inPlaceDepthwise.isSubset(of: s.inPlaceDepthwise), "\(context)")
        #expect(best.fusedAdds == s.fusedAdds && best.macs == s.macs, "\(context)")
        checked += 1
    }
    #expect(checked > 100)
}
