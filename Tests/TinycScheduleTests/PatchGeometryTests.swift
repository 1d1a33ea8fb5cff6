import Testing
import TinycIR
@testable import TinycSchedule

// MARK: - A small graph builder (also used by ScheduleTests.swift)

/// Builds `[1, H, W, C]` graphs node by node; output shapes come from `ShapeInference`. Activations
/// are int8 with one per-tensor quantization (so bytes = elements) unless `dtype` is `.f32`; weights
/// are constant ones. The last appended tensor is the graph output.
struct PatchTestNet {
    var graph = Graph(name: "net")
    let dtype: DType
    var input: TensorID

    static let activation = Quantization.perTensor(scale: 0.1, zeroPoint: -3)
    static let weight = Quantization.perTensor(scale: 0.01, zeroPoint: 0)

    init(_ h: Int, _ w: Int, _ c: Int, dtype: DType = .s8) {
        self.dtype = dtype
        input = graph.addTensor("x", Self.type([1, h, w, c], dtype))
        graph.inputs = [input]
        graph.outputs = [input]
    }

    static func type(_ shape: [Int], _ dtype: DType) -> TensorType {
        TensorType(shape: shape, dtype: dtype, quantization: dtype == .s8 ? activation : .none)
    }

    func shape(_ t: TensorID) -> [Int] { graph.type(t).shape }

    mutating func weights(_ shape: [Int]) -> TensorID {
        let n = shape.reduce(1, *)
        let data = dtype == .s8 ? ConstantData(int8: .init(repeating: 1, count: n)) : ConstantData(floats: .init(repeating: 1, count: n))
        return graph.addTensor("w\(graph.tensors.count)", TensorType(shape: shape, dtype: dtype, quantization: dtype == .s8 ? Self.weight : .none), data: data)
    }

    /// Appends `op`; nil (and nothing appended) when shape inference rejects it.
    mutating func append(_ op: Op, _ inputs: [TensorID], outShape: [Int]? = nil) -> TensorID? {
        let out = graph.addTensor("t\(graph.tensors.count)", Self.type(outShape ?? [1], dtype))
        graph.nodes.append(Node(op: op, inputs: inputs, outputs: [out], name: "n\(graph.nodes.count)"))
        if outShape == nil {
            guard let shape = try? ShapeInference.outputShape(of: graph.nodes.count - 1, in: graph), shape.allSatisfy({ $0 > 0 }) else {
                graph.nodes.removeLast()
                graph.tensors.removeLast()
                return nil
            }
            graph[out].type.shape = shape
        }
        graph.outputs = [out]
        return out
    }

    mutating func conv(_ x: TensorID, _ cout: Int, k: Int = 1, stride: Int = 1, dilation: Int = 1, padding: Padding = .valid) -> TensorID? {
        let w = weights([cout, k, k, shape(x)[3]])
        let out = append(.conv2d(Conv2D(stride: HW(stride, stride), dilation: HW(dilation, dilation), padding: padding)), [x, w])
        if out == nil { graph.tensors.removeLast(); graph.constants[w] = nil }
        return out
    }

    mutating func depthwise(_ x: TensorID, k: Int = 3, stride: Int = 1, dilation: Int = 1, padding: Padding = .same, multiplier: Int = 1) -> TensorID? {
        let w = weights([1, k, k, shape(x)[3] * multiplier])
        let op = Op.depthwiseConv2d(DepthwiseConv2D(stride: HW(stride, stride), dilation: HW(dilation, dilation), padding: padding, depthMultiplier: multiplier))
        let out = append(op, [x, w])
        if out == nil { graph.tensors.removeLast(); graph.constants[w] = nil }
        return out
    }

    mutating func maxPool(_ x: TensorID, k: Int, stride: Int, padding: Padding) -> TensorID? {
        append(.maxPool2d(Pool2D(kernel: HW(k, k), stride: HW(stride, stride), padding: padding)), [x])
    }

    mutating func avgPool(_ x: TensorID, k: Int, stride: Int, padding: Padding) -> TensorID? {
        append(.avgPool2d(Pool2D(kernel: HW(k, k), stride: HW(stride, stride), padding: padding)), [x])
    }

    mutating func add(_ a: TensorID, _ b: TensorID) -> TensorID { append(.add(.none), [a, b])! }
    mutating func mean(_ x: TensorID) -> TensorID { append(.mean(Mean()), [x])! }
    mutating func fullyConnected(_ x: TensorID, _ n: Int) -> TensorID {
        let w = weights([n, graph.type(x).count])
        return append(.fullyConnected(FullyConnected()), [x, w])!
    }
}

// MARK: - (a) partition

@Test func partitionCoversEverySizeExactlyWithBalancedTiles() {
    for size in 1...40 {
        for n in 1...min(8, size) {
            let spans = PatchGeometry.partition(size, into: n)
            #expect(spans.count == n)
            #expect(spans.first?.lower == 0 && spans.last?.upper == size - 1, "size \(size) n \(n): \(spans)")
            for (a, b) in zip(spans, spans.dropFirst()) {
                #expect(b.lower == a.upper + 1, "size \(size) n \(n): gap or overlap in \(spans)")
            }
            let counts = spans.map(\.count)
            #expect(counts.allSatisfy { $0 >= 1 }, "size \(size) n \(n): empty tile in \(spans)")
            #expect(counts.reduce(0, +) == size)
            #expect(counts.max()! - counts.min()! <= 1, "size \(size) n \(n): \(counts)")
        }
    }
}

// MARK: - (b) worked example A

/// ALGORITHMS.md §1.2 worked example A, the mcunet-vww1 patch stage of TinyEngine's demo: 80×80×3
/// input; conv3×3 s2 3→16, dw3×3 s1, pw 16→8, pw 8→48, dw3×3 s2; symmetric explicit padding 1
/// (torch style); stage output 20×20×48 as 2×2 tiles.
///
/// Rows (columns are the same), by equation (1) `Back([a,b]) = [a·s − p, b·s − p + d·(k−1)]`, then
/// clipped to the tensor:
///
///     stage (dw s2 out, 20)   [0, 9]                        [10, 19]
///     pw 8→48 out (40)        [0·2−1, 9·2−1+2] = [−1, 19]   [10·2−1, 19·2−1+2] = [19, 39]
///                              → [0, 19]                     → [19, 39]
///     pw 16→8 out, dw s1 out  [0, 19]                       [19, 39]          (1×1: identity)
///     conv s2 out (40)        [0−1, 19−1+2] = [−1, 20]      [19−1, 39−1+2] = [18, 40]
///                              → [0, 20]                     → [18, 39]
///     input (80)              [0·2−1, 20·2−1+2] = [−1, 41]  [18·2−1, 39·2−1+2] = [35, 79]
///                              → [0, 41]                     → [35, 79]
///
/// TinyEngine reads 47 rows from `40·i − 5` with pad_t = 5 / pad_b = 2: rows [−5, 41] and
/// [35, 81], which clipped to the image are exactly [0, 41] and [35, 79].
@Test func workedExampleAMatchesTinyEngineClipped() {
    var net = PatchTestNet(80, 80, 3)
    let p1 = Padding.explicit(Pads(top: 1, bottom: 1, left: 1, right: 1))
    let t1 = net.conv(net.input, 16, k: 3, stride: 2, padding: p1)!
    let t2 = net.depthwise(t1, k: 3, stride: 1, padding: p1)!
    let t3 = net.conv(t2, 8)!
    let t4 = net.conv(t3, 48)!
    let t5 = net.depthwise(t4, k: 3, stride: 2, padding: p1)!
    #expect(net.shape(t5) == [1, 20, 20, 48])
    let graph = net.graph
    #expect(PatchStage.legalSplits(graph) == [1, 2, 3, 4, 5])

    let g = PatchGeometry(graph: graph, split: 5, grid: HW(2, 2))
    #expect(g.stageTensor == t5)
    let expected: [TensorID: [Span]] = [
        t5: [Span(0, 9), Span(10, 19)],
        t4: [Span(0, 19), Span(19, 39)],
        t3: [Span(0, 19), Span(19, 39)],
        t2: [Span(0, 19), Span(19, 39)],
        t1: [Span(0, 20), Span(18, 39)],
        net.input: [Span(0, 41), Span(35, 79)],
    ]
    #expect(g.rows == expected)
    #expect(g.cols == expected)
    #expect(g.maxTilePixels(net.input) == 45 * 45)
    #expect(g.maxTilePixels(t1) == 22 * 22)

    // Local padding: the layer's own padding on the first tile; 0 on the second, whose input tile
    // starts exactly at the receptive field (conv: 1 + 35 − 18·2; dw s1: 1 + 18 − 19; dw s2: 1 + 19 − 10·2).
    for (node, input, output) in [(0, net.input, t1), (1, t1, t2), (4, t4, t5)] {
        #expect(g.localPad(node: node, input: input, output: output, row: 0) == 1, "node \(node)")
        #expect(g.localPad(node: node, input: input, output: output, row: 1) == 0, "node \(node)")
        #expect(g.localPad(node: node, input: input, output: output, col: 0) == 1, "node \(node)")
        #expect(g.localPad(node: node, input: input, output: output, col: 1) == 0, "node \(node)")
    }

    // MACs with the halo: per output pixel × (Σ tile rows) × (Σ tile cols) per layer.
    // conv 432 · 43² + dw 144 · 41² + pw 128 · 41² + pw 384 · 41² + dw s2 432 · 20² = 2,074,304,
    // against 691,200 + 230,400 + 204,800 + 614,400 + 172,800 = 1,913,600 layer by layer.
    let layer = graph.nodes.indices.reduce(0) { $0 + graph.macs(of: $1) }
    #expect(layer == 1_913_600)
    #expect(Schedule.macs(graph, patch: g) == 2_074_304)
}

// MARK: - (c) TFLite SAME with odd total padding

/// 3×3 stride 2 SAME on 8 rows × 9 columns: rows pad 0 before / 1 after (total 1, the odd pixel
/// at the bottom), columns 1 / 1 (total 2). Output 4×5 as 2×2 tiles: rows [0,1] [2,3], columns
/// [0,1] [2,4].
///
///     rows:  Back([0,1]) = [0, 4];  Back([2,3]) = [4, 8] → [4, 7]: row 8 is the bottom pad pixel
///     cols:  Back([0,1]) = [−1, 3] → [0, 3] (one pad pixel before);
///            Back([2,4]) = [3, 9] → [3, 8] (one after)
///
/// Local pads (equation 1: padBefore + inSpan.lower − outSpan.lower·s): rows 0 and 0 + 4 − 4 = 0;
/// columns 1 and 1 + 3 − 4 = 0. The padding after is `hi − (size − 1)` of the unclipped span:
/// rows 0 / 1, columns 0 / 1.
@Test func sameWithOddTotalPaddingPutsThePixelBottomRight() {
    var net = PatchTestNet(8, 9, 2)
    let y = net.conv(net.input, 4, k: 3, stride: 2, padding: .same)!
    #expect(net.shape(y) == [1, 4, 5, 4])
    let g = PatchGeometry(graph: net.graph, split: 1, grid: HW(2, 2))
    let x = net.input
    #expect(g.windows[0]!.rows == WindowAxis(kernel: 3, stride: 2, dilation: 1, padBefore: 0))
    #expect(g.windows[0]!.cols == WindowAxis(kernel: 3, stride: 2, dilation: 1, padBefore: 1))
    #expect(g.rows[y] == [Span(0, 1), Span(2, 3)])
    #expect(g.cols[y] == [Span(0, 1), Span(2, 4)])
    #expect(g.rows[x] == [Span(0, 4), Span(4, 7)])
    #expect(g.cols[x] == [Span(0, 3), Span(3, 8)])
    #expect(g.localPad(node: 0, input: x, output: y, row: 0) == 0)
    #expect(g.localPad(node: 0, input: x, output: y, row: 1) == 0)
    #expect(g.localPad(node: 0, input: x, output: y, col: 0) == 1)
    #expect(g.localPad(node: 0, input: x, output: y, col: 1) == 0)
    // Padding after each tile, from the unclipped back-projection.
    let rowsAfter = g.rows[y]!.map { max(0, g.windows[0]!.rows.back($0).upper - 7) }
    let colsAfter = g.cols[y]!.map { max(0, g.windows[0]!.cols.back($0).upper - 8) }
    #expect(rowsAfter == [0, 1])
    #expect(colsAfter == [0, 1])
}

/// 5×5 stride 2 SAME on 8 rows (total 3: 1 before, 2 after), and the same window as a dilated
/// 3×3 (d = 2, k_eff = 5): out 4 rows as tiles [0,1] [2,3].
///     Back([0,1]) = [−1, 5] → [0, 5]   local pad 1, nothing after
///     Back([2,3]) = [3, 9] → [3, 7]    local pad 1 + 3 − 4 = 0, 2 pad rows after (9 − 7)
@Test(arguments: [(5, 1), (3, 2)])
func sameWithOddTotalPaddingLargerWindows(kernel: Int, dilation: Int) {
    var net = PatchTestNet(8, 8, 1)
    let y = net.depthwise(net.input, k: kernel, stride: 2, dilation: dilation, padding: .same)!
    #expect(net.shape(y) == [1, 4, 4, 1])
    let g = PatchGeometry(graph: net.graph, split: 1, grid: HW(2, 3))
    let x = net.input
    #expect(g.windows[0]!.rows.padBefore == 1)
    #expect(g.rows[x] == [Span(0, 5), Span(3, 7)])
    #expect(g.localPad(node: 0, input: x, output: y, row: 0) == 1)
    #expect(g.localPad(node: 0, input: x, output: y, row: 1) == 0)
    #expect(g.rows[y]!.map { max(0, g.windows[0]!.rows.back($0).upper - 7) } == [0, 2])
    // Columns as three tiles of the 4 outputs: [0,0] [1,1] [2,3].
    #expect(g.cols[y] == [Span(0, 0), Span(1, 1), Span(2, 3)])
    #expect(g.cols[x] == [Span(0, 3), Span(1, 5), Span(3, 7)])
    #expect((0..<3).map { g.localPad(node: 0, input: x, output: y, col: $0) } == [1, 0, 0])
}

// MARK: - (d) random chains

/// What the test itself knows about a windowed node (not taken from `PatchStage.window`).
struct PatchTestWindow {
    var kernel: Int, stride: Int, dilation: Int
    var before: HW  // resolved padding before (top, left)
}

/// TFLite SAME padding before, for one dimension, written out independently of `WindowGeometry`.
private func samePadBefore(_ size: Int, _ k: Int, _ s: Int, _ d: Int) -> Int {
    let out = (size + s - 1) / s
    return max((out - 1) * s + d * (k - 1) + 1 - size, 0) / 2
}

private func randomPadding(_ rng: inout SplitMix64, keff: Int) -> Padding {
    switch rng.next(below: 3) {
    case 0: return .same
    case 1: return .valid
    default:
        func p() -> Int { rng.next(in: 0...(keff - 1)) }
        return .explicit(Pads(top: p(), bottom: p(), left: p(), right: p()))
    }
}

/// A random chain of 1...6 spatially local steps on a random input: conv, depthwise, max/avg pool
/// (kernel 1/3/5, stride 1/2, dilation 1/2 for convs, SAME/VALID/explicit padding), and two blocks
/// that give a tensor two consumers: a residual `add(x, conv_same_s1(x))` and a fork
/// `add(dw_a(x), dw_b(x))` with different kernels (so one consumer's input tile is larger than it
/// needs, and its local padding can go negative).
func patchTestRandomChain(_ rng: inout SplitMix64) -> (PatchTestNet, [Int: PatchTestWindow]) {
    var net = PatchTestNet(rng.next(in: 5...28), rng.next(in: 5...28), rng.next(in: 1...3))
    var specs: [Int: PatchTestWindow] = [:]
    var x = net.input
    let length = rng.next(in: 1...6)
    var attempts = 0
    while net.graph.nodes.count < length, attempts < 50 {
        attempts += 1
        let s = net.shape(x)
        let kind = rng.next(below: 7)
        if kind >= 5 {  // blocks: stride 1, SAME, so shapes match for the add
            let kA = [1, 3, 5][rng.next(below: 3)], dA = rng.next(in: 1...2)
            if kind == 5 {
                guard let c = net.conv(x, s[3], k: kA, dilation: dA, padding: .same) else { continue }
                specs[net.graph.nodes.count - 1] = PatchTestWindow(kernel: kA, stride: 1, dilation: dA,
                    before: HW(samePadBefore(s[1], kA, 1, dA), samePadBefore(s[2], kA, 1, dA)))
                x = net.add(x, c)
            } else {
                let kB = [1, 3, 5][rng.next(below: 3)], dB = rng.next(in: 1...2)
                guard let a = net.depthwise(x, k: kA, dilation: dA, padding: .same) else { continue }
                specs[net.graph.nodes.count - 1] = PatchTestWindow(kernel: kA, stride: 1, dilation: dA,
                    before: HW(samePadBefore(s[1], kA, 1, dA), samePadBefore(s[2], kA, 1, dA)))
                guard let b = net.depthwise(x, k: kB, dilation: dB, padding: .same) else { fatalError("SAME s1 always fits") }
                specs[net.graph.nodes.count - 1] = PatchTestWindow(kernel: kB, stride: 1, dilation: dB,
                    before: HW(samePadBefore(s[1], kB, 1, dB), samePadBefore(s[2], kB, 1, dB)))
                x = net.add(a, b)
            }
            continue
        }
        let k = [1, 3, 5][rng.next(below: 3)]
        let stride = rng.next(in: 1...2)
        let dilation = kind < 2 ? rng.next(in: 1...2) : 1
        let padding = randomPadding(&rng, keff: dilation * (k - 1) + 1)
        let y: TensorID?
        switch kind {
        case 0: y = net.conv(x, rng.next(in: 1...4), k: k, stride: stride, dilation: dilation, padding: padding)
        case 1: y = net.depthwise(x, k: k, stride: stride, dilation: dilation, padding: padding)
        case 2: y = net.maxPool(x, k: k, stride: stride, padding: padding)
        default: y = net.avgPool(x, k: k, stride: stride, padding: padding)
        }
        guard let y else { continue }
        let before: HW
        switch padding {
        case .valid: before = HW(0, 0)
        case .same: before = HW(samePadBefore(s[1], k, stride, dilation), samePadBefore(s[2], k, stride, dilation))
        case .explicit(let p): before = HW(p.top, p.left)
        }
        specs[net.graph.nodes.count - 1] = PatchTestWindow(kernel: k, stride: stride, dilation: dilation, before: before)
        x = y
    }
    return (net, specs)
}

/// For every random chain, legal split and random grid (square, rectangular, not dividing the
/// stage), per axis:
/// - every span of every stage tensor lies within the tensor and is non-empty;
/// - the stage tensor's tiles partition it (no overlap, full cover);
/// - each node's window is the one the test built (kernel, stride, dilation, resolved pad before);
/// - every input span is exactly the hull over its consumers of the clipped back-projection of
///   their output spans (so it contains each of them, and is no larger: exact clipping);
/// - windowed ops with the local padding see, for every output row and tap, the same input row as
///   the full-tensor op, and a tap falls inside the input tile iff it falls inside the tensor;
/// - `Schedule.macs` with a 1×1 grid is the layer-by-layer MAC count when every tensor is needed
///   whole, and with any grid at least the stage node's and the layer stage's MACs.
@Test func randomChainsHaveExactClippedTiles() {
    var rng = SplitMix64(seed: 20_240_611)
    var checkedTiles = 0, negativePads = 0, fullOneByOne = 0, partialOneByOne = 0
    for trial in 0..<250 {
        let (net, specs) = patchTestRandomChain(&rng)
        let graph = net.graph
        guard !graph.nodes.isEmpty else { continue }
        let splits = PatchStage.legalSplits(graph)
        #expect(splits.last == graph.nodes.count, "trial \(trial): every node is patchable: \(splits)")
        guard !splits.isEmpty else { continue }
        let split = splits[rng.next(below: splits.count)]
        let stageShape = graph.type(graph.nodes[split - 1].outputs[0]).shape
        let grid = HW(rng.next(in: 1...min(8, stageShape[1])), rng.next(in: 1...min(8, stageShape[2])))
        let g = PatchGeometry(graph: graph, split: split, grid: grid)
        let context = "trial \(trial) split \(split) grid \(grid)\n\(graph.description)"

        // The tensors of the stage: the input and the outputs of nodes < split.
        let tensors = [net.input] + (0..<split).map { graph.nodes[$0].outputs[0] }
        #expect(Set(g.rows.keys) == Set(tensors), "\(context)")
        #expect(g.stageTensor == graph.nodes[split - 1].outputs[0])

        for (dim, count) in [(1, grid.h), (2, grid.w)] {
            let spans = dim == 1 ? g.rows : g.cols
            for t in tensors {
                let size = graph.type(t).shape[dim]
                #expect(spans[t]!.count == count)
                for s in spans[t]! {
                    #expect(!s.isEmpty && s.lower >= 0 && s.upper <= size - 1, "\(t) dim \(dim): \(s) of \(size)\n\(context)")
                }
            }
            let stage = spans[g.stageTensor]!
            #expect(stage.first!.lower == 0 && stage.last!.upper == stageShape[dim] - 1, "\(context)")
            #expect(zip(stage, stage.dropFirst()).allSatisfy { $1.lower == $0.upper + 1 }, "\(stage)\n\(context)")

            // Expected span of each input: hull over consumers n < split of Back(out span), clipped.
            var need: [TensorID: [Span]] = [:]
            for n in 0..<split {
                let node = graph.nodes[n]
                let out = node.outputs[0]
                let axis: WindowAxis
                if let spec = specs[n] {
                    axis = WindowAxis(kernel: spec.kernel, stride: spec.stride, dilation: spec.dilation,
                                      padBefore: dim == 1 ? spec.before.h : spec.before.w)
                    #expect((dim == 1 ? g.windows[n]!.rows : g.windows[n]!.cols) == axis, "node \(n)\n\(context)")
                } else {
                    axis = .identity
                    #expect(g.windows[n] == .identity, "node \(n)\n\(context)")
                }
                for input in Set(node.inputs.filter { !graph.isConstant($0) }) {
                    let size = graph.type(input).shape[dim]
                    let back = spans[out]!.map { axis.back($0).clipped(to: size) }
                    need[input] = need[input].map { zip($0, back).map { $0.hull($1) } } ?? back
                    for (have, b) in zip(spans[input]!, back) {
                        #expect(have.lower <= b.lower && b.upper <= have.upper, "node \(n) input \(input) dim \(dim): \(have) ⊉ \(b)\n\(context)")
                    }
                    guard specs[n] != nil else { continue }
                    // The tile-local window reads the same rows as the full one.
                    for i in 0..<count {
                        let inSpan = spans[input]![i], outSpan = spans[out]![i]
                        let pad = dim == 1 ? g.localPad(node: n, input: input, output: out, row: i)
                                           : g.localPad(node: n, input: input, output: out, col: i)
                        if pad < 0 { negativePads += 1 }
                        var bad: String?
                        for o in outSpan.lower...outSpan.upper {
                            for tap in 0..<axis.kernel {
                                let global = o * axis.stride - axis.padBefore + tap * axis.dilation
                                let local = (o - outSpan.lower) * axis.stride - pad + tap * axis.dilation
                                if local != global - inSpan.lower
                                    || (0..<inSpan.count).contains(local) != (0..<size).contains(global) {
                                    bad = bad ?? "out \(o) tap \(tap): global \(global) local \(local) in \(inSpan) of \(size)"
                                }
                            }
                        }
                        #expect(bad == nil, "node \(n) tile \(i) dim \(dim) pad \(pad): \(bad ?? "")\n\(context)")
                        checkedTiles += 1
                    }
                }
            }
            for (t, expected) in need {
                #expect(spans[t] == expected, "\(t) dim \(dim): not the exact hull\n\(context)")
            }
        }

        // MACs. With a 1×1 grid the single tile is every node's needed region; when that is the
        // whole tensor everywhere, patch MACs are the layer-by-layer MACs.
        let layer = graph.nodes.indices.reduce(0) { $0 + graph.macs(of: $1) }
        let one = PatchGeometry(graph: graph, split: split, grid: HW(1, 1))
        let whole = tensors.allSatisfy { t in
            let s = graph.type(t).shape
            return one.rows[t] == [Span(0, s[1] - 1)] && one.cols[t] == [Span(0, s[2] - 1)]
        }
        let oneMACs = Schedule.macs(graph, patch: one)
        if whole {
            #expect(oneMACs == layer, "\(context)")
            fullOneByOne += 1
        } else {
            // A VALID window that drops trailing rows: those rows are never computed tile by tile.
            #expect(oneMACs <= layer, "\(context)")
            partialOneByOne += 1
        }
        // With tiles: the stage node's tiles partition its output, so it costs exactly its
        // layer-by-layer MACs; the layer stage is unchanged; every other node costs at least 0.
        let rest = (split..<graph.nodes.count).reduce(0) { $0 + graph.macs(of: $1) }
        #expect(Schedule.macs(graph, patch: g) >= rest + graph.macs(of: split - 1), "\(context)")
        #expect(Schedule.macs(graph, patch: nil) == layer)
    }
    #expect(checkedTiles > 1000)
    #expect(negativePads > 0, "no tile with an input larger than its receptive field")
    #expect(fullOneByOne > 100)
    print("patch geometry: \(checkedTiles) windowed tiles checked, \(negativePads) with negative local padding; "
        + "1x1 grid covers every tensor whole in \(fullOneByOne) chains, not in \(partialOneByOne)")
}

// MARK: - (e) legal splits

/// Global ops end the candidate prefix: nothing after a mean or a fully connected layer is a split,
/// even a conv that would be patchable on its own.
@Test func legalSplitsStopAtGlobalOps() {
    var net = PatchTestNet(12, 12, 3)
    let a = net.conv(net.input, 8, k: 3, stride: 2, padding: .same)!
    let b = net.depthwise(a)!
    let m = net.mean(b)  // [1, 1, 1, 8]
    _ = net.conv(m, 4)!  // a 1×1 conv: patchable, but after the mean
    #expect(PatchStage.isPatchable(net.graph, 3))
    #expect(PatchStage.legalSplits(net.graph) == [1, 2])

    var fc = PatchTestNet(12, 12, 3)
    let c = fc.conv(fc.input, 8, k: 3, padding: .same)!
    let p = fc.maxPool(c, k: 2, stride: 2, padding: .valid)!
    _ = fc.fullyConnected(p, 10)
    #expect(PatchStage.legalSplits(fc.graph) == [1, 2])

    var first = PatchTestNet(12, 12, 3)
    let g = first.mean(first.input)
    _ = first.conv(g, 4)!
    #expect(PatchStage.legalSplits(first.graph) == [])
}

/// A residual skip crossing the split: `a` is read by the add at node 3, so splitting after node
/// 1 or 2 would need `a` after the stage. The graph input may be read anywhere.
///
///     0: a = conv(x)   1: b = conv(a)   2: c = conv(b)   3: d = add(a, c)   4: e = add(x, d)   5: f = conv(e)
@Test func legalSplitsRejectASkipCrossingTheSplit() {
    var net = PatchTestNet(10, 10, 4)
    let a = net.conv(net.input, 4, k: 3, padding: .same)!
    let b = net.conv(a, 4, k: 3, padding: .same)!
    let c = net.depthwise(b)!
    let d = net.add(a, c)
    let e = net.add(net.input, d)
    _ = net.conv(e, 2)!
    #expect(PatchStage.legalSplits(net.graph) == [1, 4, 5, 6])

    // The skip taken from `b` instead (0: a = conv(x), 1: b = conv(a), 2: c = dw(b), 3: add(b, c)):
    // splitting after node 1 (b read later is then the stage tensor itself) is legal, after node 2
    // (stage c, b read by node 3) is not.
    var other = PatchTestNet(10, 10, 4)
    let a2 = other.conv(other.input, 4, k: 3, padding: .same)!
    let b2 = other.conv(a2, 4, k: 3, padding: .same)!
    let c2 = other.depthwise(b2)!
    _ = other.add(b2, c2)
    #expect(PatchStage.legalSplits(other.graph) == [1, 2, 4])
}
