import Foundation
import TinycIR
import TinycSchedule

/// The offline half of the value-driven patch experiment (ALGORITHMS.md §4.1 reconstruction):
/// outlier thresholds from calibration inputs (VDPC) and the entropy-based greedy bit-width search
/// for non-outlier tiles (VDQS).
public struct ValueDrivenCalibration: Sendable {
    /// How the lowered grids are laid: `full` is scale·2^(8−b) over the whole int8 range; `fitted`
    /// uses the feature map's threshold (`LowBitGrid.fitted`), finer where values stay small.
    public enum GridMode: String, Sendable, CaseIterable { case full, fitted }

    public let graph: Graph
    public let patch: PatchGeometry
    public let testTensor: TensorID
    public let percentile: Double
    /// The stage's feature maps: the graph input and the outputs of nodes `0..<split`.
    public let featureMaps: [TensorID]
    /// Per feature map: the `percentile`-th percentile of `|q − zero point|` over the calibration set.
    public let thresholds: [TensorID: Int]
    /// Per feature map: histogram of its int8 values (index q + 128) over the non-outlier tiles.
    public let histograms: [TensorID: [Int]]
    /// Calibration tiles and how many of them were outliers.
    public let tiles: Int, outlierTiles: Int

    /// Runs the calibration `samples` layer by layer (the tiles of an all-8-bit patch stage hold the
    /// same values), sets the thresholds, classifies every tile and collects the non-outlier
    /// histograms (halo pixels count once per tile that computes them, as a kernel sees them).
    public init(interpreter: ReferenceInterpreter, patch: PatchGeometry, samples: [[Int8]], test: ValueDrivenPatch.OutlierTest,
                percentile: Double) throws(GraphError) {
        let graph = interpreter.graph
        self.graph = graph
        self.patch = patch
        self.percentile = percentile
        testTensor = ValueDrivenPatch.testTensor(test, graph: graph)
        let maps = [graph.inputs[0]] + (0..<patch.split).map { graph.nodes[$0].outputs[0] }
        featureMaps = maps
        var runs: [[TensorID: [Int8]]] = []
        var magnitude = [TensorID: [Int]](uniqueKeysWithValues: maps.map { ($0, [Int](repeating: 0, count: 256)) })
        for s in samples {
            let all = try interpreter.runAll(.s8(s))
            var kept: [TensorID: [Int8]] = [:]
            for t in maps {
                let v = all[t]?.int8 ?? []
                let z = ReferenceInterpreter.zeroPoint(graph, t)
                for q in v { magnitude[t]![min(abs(Int(q) - z), 255)] += 1 }
                kept[t] = v
            }
            runs.append(kept)
        }
        thresholds = magnitude.mapValues { Self.percentileValue($0, percentile) }
        let threshold = thresholds[testTensor]!, testZero = ReferenceInterpreter.zeroPoint(graph, testTensor)
        var histograms = [TensorID: [Int]](uniqueKeysWithValues: maps.map { ($0, [Int](repeating: 0, count: 256)) })
        var tiles = 0, outliers = 0
        for run in runs {
            for i in 0..<patch.grid.h {
                for j in 0..<patch.grid.w {
                    tiles += 1
                    let test = ReferenceInterpreter.crop(run[testTensor]!, graph.type(testTensor).shape, patch.region(testTensor, i, j))
                    if ValueDrivenPatch.isOutlier(test, zeroPoint: testZero, threshold: threshold) { outliers += 1; continue }
                    for t in maps {
                        for q in ReferenceInterpreter.crop(run[t]!, graph.type(t).shape, patch.region(t, i, j)) {
                            histograms[t]![Int(q) + 128] += 1
                        }
                    }
                }
            }
        }
        self.histograms = histograms
        self.tiles = tiles
        outlierTiles = outliers
    }

    /// The smallest value v with at least `p` percent of the counts at or below it.
    static func percentileValue(_ histogram: [Int], _ p: Double) -> Int {
        let total = histogram.reduce(0, +)
        let need = Double(total) * p / 100
        var seen = 0
        for (v, c) in histogram.enumerated() {
            seen += c
            if Double(seen) >= need { return v }
        }
        return histogram.count - 1
    }

    /// The feature maps whose bits the search may lower: read by a layer of the stage (the stage
    /// tensor feeds the 8-bit layer-by-layer part) and computed no earlier than the test tensor (the
    /// test must see 8-bit values). With a first-layer test that excludes the graph input.
    public var candidates: [TensorID] {
        let from = featureMaps.firstIndex(of: testTensor) ?? 0
        return featureMaps[from...].filter { t in
            t != patch.stageTensor && (0..<patch.split).contains { PatchStage.activationInputs(graph, $0).contains(t) }
        }
    }

    /// The grid feature map `t` gets at `bits`.
    public func grid(_ t: TensorID, bits: Int, mode: GridMode) -> LowBitGrid {
        let z = ReferenceInterpreter.zeroPoint(graph, t)
        return mode == .full ? LowBitGrid(bits: bits, zeroPoint: z) : .fitted(bits: bits, zeroPoint: z, threshold: thresholds[t]!)
    }

    /// Shannon entropy (bits) of feature map `t`'s non-outlier values, at 8 bits or on `grid`.
    public func entropy(_ t: TensorID, grid: LowBitGrid? = nil) -> Double {
        var counts = [Int: Int]()
        for (bin, c) in histograms[t]!.enumerated() where c > 0 {
            let q = Int8(bin - 128)
            counts[Int(grid?.apply(q) ?? q), default: 0] += c
        }
        let total = Double(counts.values.reduce(0, +))
        guard total > 0 else { return 0 }
        return counts.values.reduce(0.0) { h, c in
            let p = Double(c) / total
            return h - p * log2(p)
        }
    }
}

/// One candidate setting of the search: feature map `tensor` at `bits`, relative to 8 bits.
public struct VDQSOption: Sendable {
    public var tensor: TensorID
    public var bits: Int
    /// Ω: relative entropy loss (H8 − Hb) / H8 of the non-outlier values.
    public var omega: Double
    /// Φ: BitOPs saved in the stage, as a fraction of the all-8-bit stage's BitOPs.
    public var phi: Double
    public init(tensor: TensorID, bits: Int, omega: Double, phi: Double) {
        self.tensor = tensor; self.bits = bits; self.omega = omega; self.phi = phi
    }
}

/// One accepted step of the greedy search.
public struct VDQSStep: Sendable {
    public var tensor: TensorID
    public var from: Int, to: Int
    public var score: Double
}

/// VDQS: per feature map, `S = −λ·ΔΩ + (1 − λ)·ΔΦ` for lowering it to its next candidate bit-width;
/// the step with the largest S is taken, one feature map at a time, until no step has S > 0.
/// Ω and Φ come from the 8-bit calibration statistics (not re-measured after each step), so each
/// feature map's path is independent of the others' and the order only shows which steps pay most.
public enum VDQS {
    public static func options(_ cal: ValueDrivenCalibration, bits: [Int], mode: ValueDrivenCalibration.GridMode) -> [VDQSOption] {
        let cost = StageCost(graph: cal.graph, patch: cal.patch)
        let total = Double(cost.bitOps8)
        return cal.candidates.flatMap { t in
            let h8 = cal.entropy(t)
            let macs = Double(cost.consumerMACs(t))
            return bits.map { b in
                let hb = cal.entropy(t, grid: cal.grid(t, bits: b, mode: mode))
                return VDQSOption(tensor: t, bits: b, omega: h8 > 0 ? (h8 - hb) / h8 : 0, phi: macs * Double(8 - b) * 8 / total)
            }
        }
    }

    /// The chosen bit-width per feature map (8 when not lowered) and the steps in the order taken.
    public static func search(_ options: [VDQSOption], lambda: Double) -> (bits: [TensorID: Int], steps: [VDQSStep]) {
        var bits: [TensorID: Int] = [:]
        var steps: [VDQSStep] = []
        let tensors = options.map(\.tensor).reduce(into: [TensorID]()) { if !$0.contains($1) { $0.append($1) } }
        for t in tensors { bits[t] = 8 }
        func value(_ t: TensorID, _ b: Int) -> (omega: Double, phi: Double) {
            guard b < 8, let o = options.first(where: { $0.tensor == t && $0.bits == b }) else { return (0, 0) }
            return (o.omega, o.phi)
        }
        while true {
            var best: VDQSStep?
            for t in tensors {
                let cur = bits[t]!
                guard let next = options.filter({ $0.tensor == t && $0.bits < cur }).map(\.bits).max() else { continue }
                let a = value(t, cur), b = value(t, next)
                let s = -lambda * (b.omega - a.omega) + (1 - lambda) * (b.phi - a.phi)
                if s > 0, s > best?.score ?? 0 { best = VDQSStep(tensor: t, from: cur, to: next, score: s) }
            }
            guard let step = best else { break }
            bits[step.tensor] = step.to
            steps.append(step)
        }
        return (bits, steps)
    }
}

/// How the value-driven stage compares with the uniform 8-bit patch stage on a set of inputs.
public struct ValueDrivenMetrics: Sendable {
    public var samples = 0
    public var tiles = 0, outlierTiles = 0
    public var bitOps8 = 0, bitOps = 0
    /// Dequantized output differences against the 8-bit patch stage.
    public var maxAbsError = 0.0, meanAbsError = 0.0
    public var top1Agreement = 0.0

    /// Runs every input both ways. The 8-bit reference is `runPatched` without a hook.
    public static func measure(_ interpreter: ReferenceInterpreter, _ vd: ValueDrivenPatch, inputs: [[Int8]]) throws(GraphError) -> ValueDrivenMetrics {
        let graph = interpreter.graph
        let q = graph.type(graph.outputs[0]).quantization.perTensorParameters ?? (1, 0)
        var m = ValueDrivenMetrics()
        var sum = 0.0, count = 0, agree = 0
        m.bitOps8 = StageCost(graph: graph, patch: vd.patch).bitOps8 * inputs.count
        for x in inputs {
            let ref = try interpreter.runPatched(.s8(x), patch: vd.patch).int8 ?? []
            let run = try interpreter.runValueDriven(x, vd)
            let a = ReferenceInterpreter.dequantize(ref, scale: q.scale, zeroPoint: q.zeroPoint)
            let b = ReferenceInterpreter.dequantize(run.output, scale: q.scale, zeroPoint: q.zeroPoint)
            for (u, v) in zip(a, b) {
                let e = Double(abs(u - v))
                m.maxAbsError = max(m.maxAbsError, e)
                sum += e
                count += 1
            }
            if Self.argmax(ref) == Self.argmax(run.output) { agree += 1 }
            m.tiles += run.outliers.count
            m.outlierTiles += run.outliers.filter { $0 }.count
            m.bitOps += run.bitOps
        }
        m.samples = inputs.count
        m.meanAbsError = count > 0 ? sum / Double(count) : 0
        m.top1Agreement = Double(agree) / Double(max(inputs.count, 1))
        return m
    }

    static func argmax(_ v: [Int8]) -> Int {
        var best = 0
        for i in v.indices where v[i] > v[best] { best = i }
        return best
    }
}
