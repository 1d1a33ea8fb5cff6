import TinycIR

/// What `--patch` asks for.
public enum PatchMode: Hashable, Sendable, CustomStringConvertible {
    /// Layer by layer only.
    case off
    /// The cheapest plan that fits `--sram` (layer by layer when it fits).
    case auto
    /// Exactly this plan: the first `split` layers as a `grid` of tiles.
    case forced(split: Int, grid: HW)

    /// Parses `off`, `auto` or `SPLIT:NHxNW` (e.g. `12:3x3`).
    public init?(_ text: String) {
        switch text {
        case "off": self = .off
        case "auto": self = .auto
        default:
            let parts = text.split(separator: ":")
            guard parts.count == 2, let split = Int(parts[0]) else { return nil }
            let grid = parts[1].lowercased().split(separator: "x")
            guard grid.count == 2, let h = Int(grid[0]), let w = Int(grid[1]) else { return nil }
            self = .forced(split: split, grid: HW(h, w))
        }
    }

    public var description: String {
        switch self {
        case .off: "off"
        case .auto: "auto"
        case .forced(let s, let g): "\(s):\(g)"
        }
    }
}

/// One (split, grid) plan, or layer-by-layer execution, with what it costs.
public struct PatchCandidate: Sendable, CustomStringConvertible {
    /// nil: layer by layer.
    public var split: Int?
    public var grid: HW?
    public var macs: Int
    /// Maximum live bytes: no arena for this plan can be smaller.
    public var lowerBound: Int
    /// The planned arena, once planned.
    public var peak: Int?

    public var tiles: Int { grid.map { $0.h * $0.w } ?? 1 }
    public var description: String {
        guard let split, let grid else { return "layer-by-layer" }
        return "patch stage of \(split) layers as \(grid.h)x\(grid.w) tiles (--patch \(split):\(grid.h)x\(grid.w))"
    }
}

/// The plan `--sram` and `--patch` lead to, and why.
public struct PatchDecision: Sendable {
    public var schedule: Schedule
    /// The layer-by-layer schedule, for comparison (the same as `schedule` when that is chosen).
    public var layerBased: Schedule
    public var chosen: PatchCandidate
    /// Why this plan: one sentence for the report.
    public var reason: String
    /// Number of (split, grid) plans considered.
    public var considered: Int
}

extension PatchDecision {
    /// Layer-by-layer execution of `graph`, chosen for `reason`.
    public static func layerByLayer(_ graph: Graph, alignment: Int, reason: String, kernels: KernelLibrary = .reference) -> PatchDecision {
        let layer = Schedule.best(graph, patch: nil, alignment: alignment, kernels: kernels)
        return PatchDecision(schedule: layer, layerBased: layer, chosen: .layerByLayer(layer), reason: reason, considered: 0)
    }
}

extension PatchCandidate {
    static func layerByLayer(_ s: Schedule) -> PatchCandidate {
        PatchCandidate(split: nil, grid: nil, macs: s.macs, lowerBound: s.memory.lowerBound, peak: s.peakBytes)
    }
}

/// A plan that cannot meet the budget, with the numbers for the error message.
public struct PatchSearchFailure: Error, Sendable {
    public var message: String
}

/// Chooses how to run a graph under an SRAM budget (ALGORITHMS.md §1.6).
///
/// Candidates are layer-by-layer execution and every legal split with every grid `n_h × n_w` up to
/// 8×8 (and at most the stage tensor's size). Each candidate's MACs (including recomputed halos)
/// and live-bytes lower bound are exact and cheap; candidates are visited in order of MACs (ties:
/// fewer tiles, then fewer patch layers) and the first whose planned arena fits is taken, so the
/// result is the fit with the fewest MACs. Layer by layer is tried first and chosen whenever it
/// fits, so a patch plan is only ever used where layer-based execution does not fit. (A patch plan
/// can even need fewer MACs, when a VALID or strided window never reads some trailing rows that
/// layer by layer computes anyway, but halos make it more in every real model.) When nothing
/// fits, candidates are planned in order of their lower bound until the bound exceeds the best
/// arena found: that arena is the smallest peak any plan reaches, and the error names it.
public enum PatchSearch {
    public static let maxGrid = 8

    public static func choose(_ graph: Graph, budget: Int?, mode: PatchMode, alignment: Int,
                              kernels: KernelLibrary = .reference) throws(PatchSearchFailure) -> PatchDecision
    {
        let layer = Schedule.best(graph, patch: nil, alignment: alignment, kernels: kernels)
        let layerCandidate = PatchCandidate.layerByLayer(layer)
        switch mode {
        case .off:
            return PatchDecision(schedule: layer, layerBased: layer, chosen: layerCandidate,
                                 reason: "--patch off: layer by layer", considered: 0)
        case .forced(let split, let grid):
            let splits = PatchStage.legalSplits(graph)
            guard splits.contains(split) else {
                throw PatchSearchFailure(message: "--patch \(split):\(grid.h)x\(grid.w): \(split) is not a legal split; legal splits "
                    + "(number of layers in the patch stage) are \(splits.isEmpty ? "none (the first layer is not spatially local)" : splits.map(String.init).joined(separator: ", "))")
            }
            let stage = graph.type(graph.nodes[split - 1].outputs[0]).shape
            guard grid.h >= 1, grid.w >= 1, grid.h <= stage[1], grid.w <= stage[2] else {
                throw PatchSearchFailure(message: "--patch \(split):\(grid.h)x\(grid.w): the grid must be between 1x1 and the "
                    + "stage output's \(stage[1])x\(stage[2])")
            }
            let schedule = Schedule.best(graph, patch: PatchGeometry(graph: graph, split: split, grid: grid), alignment: alignment,
                                         kernels: kernels)
            let chosen = PatchCandidate(split: split, grid: grid, macs: schedule.macs, lowerBound: schedule.memory.lowerBound,
                                        peak: schedule.peakBytes)
            return PatchDecision(schedule: schedule, layerBased: layer, chosen: chosen,
                                 reason: "forced by --patch \(split):\(grid.h)x\(grid.w)", considered: 1)
        case .auto:
            break
        }
        guard let budget else {
            return PatchDecision(schedule: layer, layerBased: layer, chosen: layerCandidate,
                                 reason: "no --sram budget: layer by layer (fewest MACs)", considered: 0)
        }
        if layer.peakBytes <= budget {
            return PatchDecision(schedule: layer, layerBased: layer, chosen: layerCandidate,
                                 reason: "layer by layer fits --sram (\(layer.peakBytes) <= \(budget) bytes) with the fewest MACs", considered: 0)
        }
        var candidates = enumerate(graph, alignment: alignment, kernels: kernels)
        let considered = candidates.count
        candidates.sort { ($0.macs, $0.tiles, $0.split!) < ($1.macs, $1.tiles, $1.split!) }
        for c in candidates where c.lowerBound <= budget {
            let schedule = Schedule(graph, patch: PatchGeometry(graph: graph, split: c.split!, grid: c.grid!), alignment: alignment,
                                    kernels: kernels)
            guard schedule.peakBytes <= budget else { continue }
            let best = Schedule.best(graph, patch: schedule.patch, alignment: alignment, planned: schedule, kernels: kernels)
            var chosen = c
            chosen.peak = best.peakBytes
            let extra = Double(best.macs - layer.macs) / Double(max(layer.macs, 1)) * 100
            let reason = String(format: "layer by layer needs %d bytes > --sram %d; of %d patch plans, this is the one with the "
                + "fewest MACs that fits (%d bytes, +%.1f%% MACs)", layer.peakBytes, budget, considered, best.peakBytes, extra)
            return PatchDecision(schedule: best, layerBased: layer, chosen: chosen, reason: reason, considered: considered)
        }
        let best = minimumPeak(graph, candidates + [layerCandidate], alignment: alignment, kernels: kernels)
        throw PatchSearchFailure(message: "needs more SRAM than --sram \(budget) bytes: layer by layer needs \(layer.peakBytes) bytes; "
            + "tried \(considered) patch plans (every legal split, grids up to \(maxGrid)x\(maxGrid)); the smallest peak any plan reaches is "
            + "\(best.peak!) bytes, with the \(best)")
    }

    /// Every legal (split, grid) with its MACs and lower bound (arena not planned).
    public static func enumerate(_ graph: Graph, alignment: Int, kernels: KernelLibrary = .reference) -> [PatchCandidate] {
        var result: [PatchCandidate] = []
        for split in PatchStage.legalSplits(graph) {
            let stage = graph.type(graph.nodes[split - 1].outputs[0]).shape
            for h in 1...min(maxGrid, stage[1]) {
                for w in 1...min(maxGrid, stage[2]) where h * w > 1 {
                    let geometry = PatchGeometry(graph: graph, split: split, grid: HW(h, w))
                    let s = Schedule(graph, patch: geometry, alignment: alignment, search: false, kernels: kernels)
                    result.append(PatchCandidate(split: split, grid: HW(h, w), macs: s.macs, lowerBound: s.memory.lowerBound))
                }
            }
        }
        return result
    }

    /// The candidate with the smallest planned arena: plans candidates in order of lower bound and
    /// stops once the bound reaches the best arena found.
    public static func minimumPeak(_ graph: Graph, _ candidates: [PatchCandidate], alignment: Int,
                                   kernels: KernelLibrary = .reference) -> PatchCandidate {
        var best: PatchCandidate?
        for var c in candidates.sorted(by: { ($0.lowerBound, $0.macs) < ($1.lowerBound, $1.macs) }) {
            if let best, c.lowerBound >= best.peak! { break }
            if c.peak == nil {
                let patch = c.split.map { PatchGeometry(graph: graph, split: $0, grid: c.grid!) }
                c.peak = Schedule(graph, patch: patch, alignment: alignment, kernels: kernels).peakBytes
            }
            if best == nil || c.peak! < best!.peak! || (c.peak! == best!.peak! && c.macs < best!.macs) { best = c }
        }
        return best!
    }
}
