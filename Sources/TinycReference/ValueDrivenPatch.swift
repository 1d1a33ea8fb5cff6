import TinycIR
import TinycSchedule

/// Value-driven patch precision (QuantMCU's VDPC, ALGORITHMS.md §4.1) on the reference
/// interpreter: an experiment, not a compiler feature. Each tile of a patch stage is classified at
/// run time by whether its test tensor (the graph input's tile, or the first feature map's) holds
/// a value beyond a calibrated threshold; outlier tiles run all-8-bit, the others with some feature
/// maps requantized to fewer bits (`LowBitGrid`) right after they are computed, so every later
/// layer of the tile consumes the low-bit values exactly as a b-bit kernel would.
///
/// Peak memory is unchanged (an outlier tile may always need the 8-bit buffers); what lower
/// activation bits could save is compute, counted here as BitOPs = MACs · b_act · b_w (weights
/// stay int8) and measured in instructions separately (docs/vdpc.md).
public struct ValueDrivenPatch: Sendable {
    /// Where the per-tile outlier test looks.
    public enum OutlierTest: String, Sendable, CaseIterable {
        /// The graph input's tile (the patch's receptive field in the image).
        case input
        /// The first layer's output tile: the input is then always kept at 8 bits.
        case first
    }

    public var patch: PatchGeometry
    /// The tensor the outlier test reads.
    public var testTensor: TensorID
    /// A tile is an outlier when some value of its test tensor has `|q − zero point| > threshold`.
    public var threshold: Int
    /// false: every tile counts as non-outlier (VDQS without VDPC), to isolate what the test buys.
    public var classify = true
    /// The feature maps lowered in non-outlier tiles, with their grids.
    public var grids: [TensorID: LowBitGrid]

    public init(patch: PatchGeometry, testTensor: TensorID, threshold: Int, classify: Bool = true, grids: [TensorID: LowBitGrid]) {
        self.patch = patch
        self.testTensor = testTensor
        self.threshold = threshold
        self.classify = classify
        self.grids = grids
    }

    /// The test tensor of `test` for the stage of `patch`.
    public static func testTensor(_ test: OutlierTest, graph: Graph) -> TensorID {
        test == .input ? graph.inputs[0] : graph.nodes[0].outputs[0]
    }

    /// Whether a tile of a tensor with zero point `zeroPoint` has a value beyond `threshold`.
    public static func isOutlier(_ tile: [Int8], zeroPoint: Int, threshold: Int) -> Bool {
        tile.contains { abs(Int($0) - zeroPoint) > threshold }
    }

    /// Tile `(i, j)` in row-major grid order.
    func tileIndex(_ i: Int, _ j: Int) -> Int { i * patch.grid.w + j }
}

/// One run of the value-driven patch stage.
public struct ValueDrivenRun: Sendable {
    public var output: [Int8]
    /// Per tile, row-major: whether it ran at 8 bits because of an outlier.
    public var outliers: [Bool]
    /// BitOPs of the patch stage in this run.
    public var bitOps: Int
}

extension ReferenceInterpreter {
    /// Runs `input` with the patch stage of `vd`: tile by tile as `runPatched`, classifying each
    /// tile when its test tensor's tile exists and requantizing the lowered feature maps of
    /// non-outlier tiles. With no lowered feature map the output equals `runPatched`'s (and `run`'s).
    public func runValueDriven(_ input: [Int8], _ vd: ValueDrivenPatch) throws(GraphError) -> ValueDrivenRun {
        var outliers = [Bool](repeating: false, count: vd.patch.grid.h * vd.patch.grid.w)
        let testZero = Self.zeroPoint(graph, vd.testTensor)
        let output = try runPatched(.s8(input), patch: vd.patch) { tensor, i, j, values in
            let k = vd.tileIndex(i, j)
            // The test reads the tile before any requantization of its own tensor.
            if tensor == vd.testTensor, vd.classify {
                outliers[k] = ValueDrivenPatch.isOutlier(values, zeroPoint: testZero, threshold: vd.threshold)
            }
            if !outliers[k], let grid = vd.grids[tensor] { grid.apply(&values) }
        }
        return ValueDrivenRun(output: output.int8 ?? [], outliers: outliers,
                              bitOps: StageCost(graph: graph, patch: vd.patch).bitOps(grids: vd.grids, outliers: outliers))
    }

    static func zeroPoint(_ graph: Graph, _ t: TensorID) -> Int {
        Int(graph.type(t).quantization.perTensorParameters?.zeroPoint ?? 0)
    }
}

/// BitOPs of a patch stage, tile by tile: each conv or depthwise node costs its tile's MACs (the
/// halo included) times the bits of its activation input in that tile times 8 weight bits.
public struct StageCost: Sendable {
    public let graph: Graph
    public let patch: PatchGeometry

    public init(graph: Graph, patch: PatchGeometry) {
        self.graph = graph
        self.patch = patch
    }

    /// MACs of node `n` on tile `(i, j)`.
    public func macs(_ n: Int, _ i: Int, _ j: Int) -> Int {
        let full = graph.macs(of: n)
        guard full > 0 else { return 0 }
        let y = graph.nodes[n].outputs[0]
        let s = graph.type(y).shape
        let region = patch.region(y, i, j)
        return full / (s[1] * s[2]) * region.rows.count * region.cols.count
    }

    /// MACs of the stage's nodes whose activation input is `t`, over all tiles.
    public func consumerMACs(_ t: TensorID) -> Int {
        (0..<patch.split).filter { PatchStage.activationInputs(graph, $0).first == t }
            .reduce(0) { $0 + Schedule.macs(of: $1, graph, patch: patch) }
    }

    /// BitOPs of the all-8-bit stage.
    public var bitOps8: Int { (0..<patch.split).reduce(0) { $0 + Schedule.macs(of: $1, graph, patch: patch) } * 64 }

    /// BitOPs when non-outlier tiles use `grids`.
    public func bitOps(grids: [TensorID: LowBitGrid], outliers: [Bool]) -> Int {
        var total = 0
        for i in 0..<patch.grid.h {
            for j in 0..<patch.grid.w {
                let outlier = outliers[i * patch.grid.w + j]
                for n in 0..<patch.split {
                    let input = PatchStage.activationInputs(graph, n)[0]
                    let bits = outlier ? 8 : grids[input]?.bits ?? 8
                    total += macs(n, i, j) * bits * 8
                }
            }
        }
        return total
    }
}
