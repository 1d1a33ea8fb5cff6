/// An order in which the greedy placement visits buffers. Ties are always broken by size
/// (larger first) and then by tensor id (smaller first), so every order is total and deterministic.
public enum PlacementOrder: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// Largest first: TFLM's `GreedyMemoryPlanner` and TVM's `greedy_by_size`.
    case sizeDescending = "greedy by size"
    /// Most lifetime conflicts first: TVM's `greedy_by_conflicts`.
    case conflictsDescending = "greedy by conflicts"
    /// Longest lifetime first: long-lived tensors are the hardest to fit around.
    case lifetimeDescending = "greedy by lifetime"
    /// Earliest first step first (ties: larger first): an allocator's view of the program.
    case startTime = "greedy by start time"

    public var description: String { rawValue }

    /// Indices into `buffers` in this order. `buffers` must be sorted by tensor id.
    func order(_ buffers: [Buffer], conflicts: [[Int]]) -> [Int] {
        // Primary key, ascending; size and id break ties below.
        func key(_ i: Int) -> Int {
            switch self {
            case .sizeDescending: 0
            case .conflictsDescending: -conflicts[i].count
            case .lifetimeDescending: -(buffers[i].last - buffers[i].first)
            case .startTime: buffers[i].first
            }
        }
        return buffers.indices.sorted { a, b in
            let (ka, kb) = (key(a), key(b))
            if ka != kb { return ka < kb }
            if buffers[a].size != buffers[b].size { return buffers[a].size > buffers[b].size }
            return a < b
        }
    }
}
