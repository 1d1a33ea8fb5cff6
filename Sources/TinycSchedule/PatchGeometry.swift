import TinycIR

/// A closed interval of rows (or columns) `[lower, upper]`; empty when `upper < lower`.
public struct Span: Hashable, Sendable, CustomStringConvertible {
    public var lower: Int
    public var upper: Int
    public init(_ lower: Int, _ upper: Int) { self.lower = lower; self.upper = upper }

    public var count: Int { max(0, upper - lower + 1) }
    public var isEmpty: Bool { upper < lower }

    /// The smallest span containing both (an empty span contributes nothing).
    public func hull(_ other: Span) -> Span {
        if isEmpty { return other }
        if other.isEmpty { return self }
        return Span(min(lower, other.lower), max(upper, other.upper))
    }

    /// `self` ∩ `[0, size − 1]`.
    public func clipped(to size: Int) -> Span { Span(max(lower, 0), min(upper, size - 1)) }

    public var description: String { "[\(lower), \(upper)]" }
}

/// How one spatial dimension (rows or columns) of a windowed op maps output positions to input
/// positions: output `o` reads inputs `o·stride − padBefore + t·dilation` for taps `t < kernel`
/// (ALGORITHMS.md §1.2, equation 1). Element-wise ops are the identity window.
public struct WindowAxis: Hashable, Sendable {
    public var kernel: Int, stride: Int, dilation: Int, padBefore: Int
    public static let identity = WindowAxis(kernel: 1, stride: 1, dilation: 1, padBefore: 0)

    /// The input positions output positions `out` depend on, before clipping to the input.
    public func back(_ out: Span) -> Span {
        if out.isEmpty { return out }
        return Span(out.lower * stride - padBefore, out.upper * stride - padBefore + dilation * (kernel - 1))
    }
}

/// The row and column windows of one node.
public struct NodeWindow: Hashable, Sendable {
    public var rows: WindowAxis, cols: WindowAxis
    public static let identity = NodeWindow(rows: .identity, cols: .identity)
}

/// The rows and columns of one tile of a tensor.
public struct TileRegion: Hashable, Sendable {
    public var rows: Span
    public var cols: Span
    public init(rows: Span, cols: Span) { self.rows = rows; self.cols = cols }
}

/// Exact-clipped tile geometry of a patch stage (MCUNetV2, ALGORITHMS.md §1.2–1.3).
///
/// Nodes `0..<split` form the patch stage. Their last node's output, the *stage tensor*
/// `[1, H, W, C]`, is cut into `grid.h × grid.w` non-overlapping output tiles (row `i` of the grid
/// covers rows `⌊i·H/n_h⌋ ..< ⌊(i+1)·H/n_h⌋`, so any `n ≤ H` works and sizes differ by at most one).
/// For every tile, every tensor of the stage gets the span of rows and columns the tile needs,
/// walking the receptive field backwards through each op's real padding (TFLite SAME puts the odd
/// pixel at the bottom/right) and taking the hull over a tensor's consumers; spans are clipped to
/// the tensor, so border tiles compute no padding pixels at all. Rows and columns are independent,
/// so spans are stored per grid row and per grid column: tile `(i, j)` of tensor `t` is
/// `rows[t][i] × cols[t][j]`.
///
/// A kernel running node `n` on tile `(i, j)` sees its input tile as a whole input whose padding
/// before is `localPad = padBefore + inSpan.lower − outSpan.lower·stride` (negative when the input
/// tile starts above the receptive field because another consumer needed more). Taps outside the
/// input tile are then exactly the taps outside the real tensor, which the kernels skip, so each
/// tile computes the same values as the layer-by-layer run: the plan is bit-exact by construction.
public struct PatchGeometry: Hashable, Sendable {
    public var split: Int
    public var grid: HW
    /// Output of node `split − 1`; the only stage tensor read after the stage.
    public var stageTensor: TensorID
    /// Per tensor of the stage (graph input, and outputs of nodes `< split`): span per grid row.
    public var rows: [TensorID: [Span]]
    /// Per tensor of the stage: span per grid column.
    public var cols: [TensorID: [Span]]
    /// Per node `< split`: its row and column windows (identity for element-wise ops).
    public var windows: [Int: NodeWindow]

    /// Tile `(i, j)` of tensor `t`.
    public func region(_ t: TensorID, _ i: Int, _ j: Int) -> TileRegion {
        TileRegion(rows: rows[t]![i], cols: cols[t]![j])
    }

    /// The largest tile of tensor `t` over the grid, in elements per channel (rows × cols).
    public func maxTilePixels(_ t: TensorID) -> Int {
        (rows[t]!.map(\.count).max() ?? 0) * (cols[t]!.map(\.count).max() ?? 0)
    }

    /// The local padding before the input tile for node `node` reading `input` on grid row `i` /
    /// column `j` (see the type's documentation).
    public func localPad(node: Int, input: TensorID, output: TensorID, row i: Int) -> Int {
        let w = windows[node]!.rows
        return w.padBefore + rows[input]![i].lower - rows[output]![i].lower * w.stride
    }

    public func localPad(node: Int, input: TensorID, output: TensorID, col j: Int) -> Int {
        let w = windows[node]!.cols
        return w.padBefore + cols[input]![j].lower - cols[output]![j].lower * w.stride
    }

    /// The output spans of an `n`-way split of `size` positions: `⌊i·size/n⌋ ..< ⌊(i+1)·size/n⌋`.
    public static func partition(_ size: Int, into n: Int) -> [Span] {
        (0..<n).map { i in Span(i * size / n, (i + 1) * size / n - 1) }
    }

    /// Back-propagates the tiles of the stage tensor through nodes `split − 1 ... 0`. The caller
    /// guarantees the split is legal (`PatchStage.legalSplits`).
    public init(graph: Graph, split: Int, grid: HW) {
        self.split = split
        self.grid = grid
        let stageTensor = graph.nodes[split - 1].outputs[0]
        self.stageTensor = stageTensor
        let stage = graph.type(stageTensor).shape
        var windows: [Int: NodeWindow] = [:]
        for n in 0..<split { windows[n] = PatchStage.window(graph, n) }
        self.windows = windows
        func propagate(_ tiles: [Span], dim: Int) -> [TensorID: [Span]] {
            var spans: [TensorID: [Span]] = [stageTensor: tiles]
            for n in stride(from: split - 1, through: 0, by: -1) {
                let node = graph.nodes[n]
                let out = spans[node.outputs[0]] ?? tiles.map { _ in Span(0, -1) }
                for input in PatchStage.activationInputs(graph, n) {
                    let size = graph.type(input).shape[dim]
                    let axis = dim == 1 ? windows[n]!.rows : windows[n]!.cols
                    let need = out.map { axis.back($0).clipped(to: size) }
                    let old = spans[input] ?? need.map { _ in Span(0, -1) }
                    spans[input] = zip(old, need).map { $0.hull($1) }
                }
            }
            return spans
        }
        let rows = propagate(Self.partition(stage[1], into: grid.h), dim: 1)
        let cols = propagate(Self.partition(stage[2], into: grid.w), dim: 2)
        self.rows = rows
        self.cols = cols
    }
}
