import TinycIR

/// The element pairs a broadcasting binary op combines (numpy rules, `Broadcast`).
enum BroadcastIndex {
    /// For each element of the broadcast output `out`, in row-major order, the flat indices into
    /// inputs of shapes `a` and `b`. Walks every output coordinate with the per-dimension strides
    /// (0 along stretched dimensions), without merging dimensions, so it is independent of the loop
    /// collapsing the code generator does.
    static func pairs(_ a: [Int], _ b: [Int], out: [Int]) -> [(Int, Int)] {
        let sa = Broadcast.strides(of: a, in: out), sb = Broadcast.strides(of: b, in: out)
        let count = out.reduce(1, *)
        var result: [(Int, Int)] = []
        result.reserveCapacity(count)
        var index = [Int](repeating: 0, count: out.count)
        var ia = 0, ib = 0
        for _ in 0..<count {
            result.append((ia, ib))
            // Odometer increment, innermost dimension first.
            var d = out.count - 1
            while d >= 0 {
                index[d] += 1
                ia += sa[d]
                ib += sb[d]
                if index[d] < out[d] { break }
                ia -= sa[d] * out[d]
                ib -= sb[d] * out[d]
                index[d] = 0
                d -= 1
            }
        }
        return result
    }
}
