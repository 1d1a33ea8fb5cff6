import TinycIR

extension MemoryPlanner {
    /// Checks the invariant every arena plan must satisfy (TFLM's `DoAnyBuffersOverlap`):
    ///
    /// * every buffer has exactly one offset, `offset ≥ 0`, and `offset % alignment == 0`;
    /// * no two buffers whose lifetimes overlap share a byte (empty buffers share nothing);
    /// * `arenaBytes == max(offset + size)` and `arenaBytes ≥ lowerBound`;
    /// * `lowerBound` and `liveBytesPerStep` agree with the buffers.
    ///
    /// Returns a description of the first violation, or nil. A violation is a tinyc bug, never a
    /// user error. Cost O(n²) in the number of buffers.
    public static func violation(in plan: MemoryPlan, buffers: [Buffer]) -> String? {
        guard plan.alignment > 0 else { return "alignment \(plan.alignment) is not positive" }
        if plan.offsets.count != buffers.count {
            return "plan has \(plan.offsets.count) offsets for \(buffers.count) buffers"
        }
        var end = 0
        for b in buffers {
            guard let offset = plan.offsets[b.tensor] else { return "\(b.tensor) has no offset" }
            if offset < 0 { return "\(b.tensor) has negative offset \(offset)" }
            if offset % plan.alignment != 0 {
                return "\(b.tensor) offset \(offset) is not a multiple of \(plan.alignment)"
            }
            end = max(end, offset + b.size)
        }
        if end != plan.arenaBytes { return "arena is \(plan.arenaBytes) B but the buffers end at \(end)" }
        for (i, a) in buffers.enumerated() where a.size > 0 {
            let aStart = plan.offsets[a.tensor]!
            for b in buffers[(i + 1)...] where b.size > 0 && a.overlapsInTime(b) {
                let bStart = plan.offsets[b.tensor]!
                if aStart < bStart + b.size && bStart < aStart + a.size {
                    return "\(a.tensor) [\(aStart), \(aStart + a.size)) and \(b.tensor) [\(bStart), "
                        + "\(bStart + b.size)) overlap in memory and are both live at step "
                        + "\(max(a.first, b.first))"
                }
            }
        }
        let steps = plan.liveBytesPerStep.count
        if let outside = buffers.first(where: { $0.first < 0 || $0.first > $0.last || $0.last >= steps }) {
            return "buffer \(outside) is not within steps 0..<\(steps)"
        }
        if Liveness.liveBytes(buffers, steps: steps) != plan.liveBytesPerStep {
            return "liveBytesPerStep does not match the buffers"
        }
        if plan.lowerBound != (plan.liveBytesPerStep.max() ?? 0) {
            return "lowerBound \(plan.lowerBound) is not the maximum live bytes"
        }
        if plan.arenaBytes < plan.lowerBound {
            return "arena \(plan.arenaBytes) B is below the lower bound \(plan.lowerBound) B"
        }
        return nil
    }
}
