import TinycIR

/// Static arena planning: give every activation buffer a byte offset so that buffers whose
/// lifetimes overlap never share a byte, keeping the arena small (ALGORITHMS.md §2.4).
///
/// The problem is Dynamic Storage Allocation (NP-hard). The planner works in three stages:
///
/// 1. **Lower bound.** `LB = max over steps of the bytes live at that step`. No placement can beat
///    it. When sizes are not multiples of the alignment, a tighter bound also counts the padding
///    below all but the topmost live buffer; reaching that bound ends the search.
/// 2. **Gap-fitting greedy, several orders** (the algorithm of TFLM's `GreedyMemoryPlanner`,
///    written afresh here). Buffers are visited in some order; each goes to the lowest aligned
///    offset where it fits: walk the already placed buffers that conflict with it in increasing
///    offset order, and stop at the first gap below one of them that is large enough, else go
///    above the highest. This runs for every `PlacementOrder` (size, conflicts, lifetime, start)
///    and keeps the smallest arena (ties: the earlier order in `PlacementOrder.allCases`, so a
///    plain TFLM order is reported when it is as good).
/// 3. **Hill climb over the order** (in the spirit of TVM USMP's `hill_climb`), only if stage 2
///    is above the bound: repeatedly take a buffer touching the top of the arena, change its place
///    in the order (swap it with a first- or second-level conflict neighbour, or insert it at a
///    random earlier position), re-run the greedy, and keep the change unless it is worse; worse
///    changes are accepted with a small probability that decays over the fixed budget.
///    Randomness comes from `SplitMix64` with a fixed seed; the search stops at the bound.
///
/// Guarantees: the result passes `violation(in:buffers:)` (asserted in debug builds); it is never
/// larger than the TFLM size-order greedy; it is a pure function of the buffer set (input order
/// does not matter: buffers are sorted by tensor id first, and every tie is broken by tensor id).
///
/// Not guaranteed: optimality. Greedy placement cannot always reach the bound, and the bound
/// itself is not always reachable (e.g. when sizes are not multiples of the alignment, or when
/// the interval structure forces fragmentation). `MemoryPlan.gapBytes` reports what is left.
/// Cost: one greedy pass is O(Σ conflicts · log); the hill climb does at most
/// `hillClimbBudget` passes.
public enum MemoryPlanner {
    /// Seed of the hill climb's generator (fixed: plans are reproducible).
    public static let hillClimbSeed: UInt64 = 1
    /// Maximum number of greedy re-runs the hill climb may spend.
    public static let hillClimbBudget = 1000

    /// Places `buffers` (unique tensor ids, lifetimes within `0..<steps`) in one arena with offsets
    /// that are multiples of `alignment`. See the type's documentation for the algorithm.
    public static func plan(_ buffers: [Buffer], steps: Int, alignment: Int) -> MemoryPlan {
        let problem = Problem(buffers, steps: steps, alignment: alignment)
        var best: (order: [Int], placement: Placement, strategy: String)?
        for order in PlacementOrder.allCases {
            let indices = order.order(problem.buffers, conflicts: problem.conflicts)
            let placement = problem.place(indices)
            if best == nil || placement.arena < best!.placement.arena {
                best = (indices, placement, order.description)
            }
        }
        var (placement, strategy) = (best!.placement, best!.strategy)
        if placement.arena > problem.searchBound {
            let climb = problem.hillClimb(
                from: best!.order, placement, seed: hillClimbSeed, budget: hillClimbBudget)
            if climb.placement.arena < placement.arena {
                placement = climb.placement
                strategy = "hill climb from \(strategy) "
                    + "(seed \(hillClimbSeed), best at iteration \(climb.bestIteration))"
            } else {
                strategy += " (hill climb: no improvement in \(climb.iterations) iterations)"
            }
        }
        let plan = problem.plan(placement, strategy: strategy)
        assert(violation(in: plan, buffers: buffers) == nil, "tinyc bug: \(violation(in: plan, buffers: buffers)!)")
        return plan
    }

    /// The gap-fitting greedy in a single `order`, without search: `greedy(..., order:
    /// .sizeDescending)` is what TFLM's `GreedyMemoryPlanner` would produce. For comparisons and
    /// reports; `plan` is never worse than any of these.
    public static func greedy(_ buffers: [Buffer], steps: Int, alignment: Int, order: PlacementOrder)
        -> MemoryPlan
    {
        let problem = Problem(buffers, steps: steps, alignment: alignment)
        let placement = problem.place(order.order(problem.buffers, conflicts: problem.conflicts))
        let plan = problem.plan(placement, strategy: order.description)
        assert(violation(in: plan, buffers: buffers) == nil, "tinyc bug: \(violation(in: plan, buffers: buffers)!)")
        return plan
    }
}

/// Offsets for `Problem.buffers` (by index) and the resulting arena size.
struct Placement {
    var offsets: [Int]
    var arena: Int
}

/// A planning problem in index form: buffers sorted by tensor id, their conflict lists, the bound.
struct Problem {
    let buffers: [Buffer]
    let steps: Int
    let alignment: Int
    /// `conflicts[i]`: indices of the buffers whose lifetimes overlap buffer `i`'s, ascending.
    let conflicts: [[Int]]
    let liveBytes: [Int]
    /// Maximum live bytes (`MemoryPlan.lowerBound`).
    let lowerBound: Int
    /// A bound at least as tight that accounts for alignment padding: at any step, the live
    /// buffers sit at aligned offsets one above the other, so all but the topmost take their size
    /// rounded up to `alignment`. Equals `lowerBound` when sizes are multiples of the alignment
    /// (always, for buffers from `Liveness`). The search stops when it reaches this bound.
    let searchBound: Int

    init(_ buffers: [Buffer], steps: Int, alignment: Int) {
        precondition(alignment > 0, "alignment must be positive, got \(alignment)")
        precondition(buffers.allSatisfy { $0.size >= 0 }, "buffer sizes must be non-negative")
        precondition(
            Set(buffers.map(\.tensor)).count == buffers.count, "each tensor may have only one buffer")
        self.buffers = buffers.sorted { $0.tensor < $1.tensor }
        self.steps = steps
        self.alignment = alignment
        liveBytes = Liveness.liveBytes(buffers, steps: steps)  // also checks the lifetimes
        lowerBound = liveBytes.max() ?? 0
        var padded = [Int](repeating: 0, count: steps)  // Σ roundUp(size) per step
        var slack = [Int](repeating: 0, count: steps)  // max(roundUp(size) - size) per step
        for b in buffers {
            let rounded = Liveness.roundUp(b.size, to: alignment)
            for step in b.first...b.last {
                padded[step] += rounded
                slack[step] = max(slack[step], rounded - b.size)
            }
        }
        searchBound = max(lowerBound, zip(padded, slack).map { $0 - $1 }.max() ?? 0)
        var conflicts = [[Int]](repeating: [], count: buffers.count)
        for i in self.buffers.indices {
            for j in (i + 1)..<self.buffers.count where self.buffers[i].overlapsInTime(self.buffers[j]) {
                conflicts[i].append(j)
                conflicts[j].append(i)
            }
        }
        self.conflicts = conflicts
    }

    /// The gap-fitting greedy: visits buffers in `order` and puts each at the lowest aligned offset
    /// where it does not overlap an already placed buffer whose lifetime conflicts with it.
    func place(_ order: [Int]) -> Placement {
        var offsets = [Int](repeating: -1, count: buffers.count)
        var arena = 0
        var occupied: [(start: Int, end: Int)] = []
        for i in order {
            occupied.removeAll(keepingCapacity: true)
            for j in conflicts[i] where offsets[j] >= 0 && buffers[j].size > 0 {  // empty buffers occupy nothing
                occupied.append((offsets[j], offsets[j] + buffers[j].size))
            }
            occupied.sort { $0.start < $1.start || ($0.start == $1.start && $0.end < $1.end) }
            let size = buffers[i].size
            var candidate = 0
            for range in occupied {
                if range.start - candidate >= size { break }  // the gap below `range` fits
                candidate = max(candidate, Liveness.roundUp(range.end, to: alignment))
            }
            offsets[i] = candidate
            arena = max(arena, candidate + size)
        }
        return Placement(offsets: offsets, arena: arena)
    }

    func plan(_ placement: Placement, strategy: String) -> MemoryPlan {
        var offsets: [TensorID: Int] = [:]
        for (i, b) in buffers.enumerated() { offsets[b.tensor] = placement.offsets[i] }
        return MemoryPlan(
            offsets: offsets, arenaBytes: placement.arena, lowerBound: lowerBound,
            liveBytesPerStep: liveBytes, alignment: alignment, strategy: strategy)
    }
}
