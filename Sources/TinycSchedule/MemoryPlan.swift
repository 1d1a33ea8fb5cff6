import TinycIR

/// Where every activation buffer lives in the one static arena, and how good that is.
///
/// Layout (byte offsets from the arena base, which the generated C must align to `alignment`):
///
///     0                offsets[t]            offsets[t] + size            arenaBytes
///     |----------------|#### tensor t #######|----- other tensors ... -----|
///
/// Two buffers may share bytes only if their lifetimes are disjoint; `MemoryPlanner.violation`
/// checks that, and `plan` asserts it in debug builds.
public struct MemoryPlan: Hashable, Sendable {
    /// Byte offset of each buffer in the arena, a multiple of `alignment`.
    public var offsets: [TensorID: Int]
    /// Arena size: `max(offset + size)` over the buffers (0 if there are none).
    public var arenaBytes: Int
    /// Maximum over steps of the live bytes; no plan can be smaller.
    public var lowerBound: Int
    /// Bytes live at each step, for reports.
    public var liveBytesPerStep: [Int]
    /// The alignment every offset honours (and the arena base needs).
    public var alignment: Int
    /// Which order/search produced the plan, for reports, e.g. "greedy by size" or
    /// "hill climb from greedy by conflicts (seed 1, best at iteration 37)".
    public var strategy: String

    public init(
        offsets: [TensorID: Int], arenaBytes: Int, lowerBound: Int, liveBytesPerStep: [Int], alignment: Int,
        strategy: String
    ) {
        self.offsets = offsets; self.arenaBytes = arenaBytes; self.lowerBound = lowerBound
        self.liveBytesPerStep = liveBytesPerStep; self.alignment = alignment; self.strategy = strategy
    }

    /// Bytes above the lower bound (0 means provably optimal).
    public var gapBytes: Int { arenaBytes - lowerBound }
}
