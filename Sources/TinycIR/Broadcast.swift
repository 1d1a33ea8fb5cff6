/// numpy broadcasting of two shapes, as TFLite's binary ops use it (TFLM
/// `ProcessBroadcastShapes` / `BroadcastBinaryOpSimple`): shapes are aligned on their last
/// dimension, missing leading dimensions count as 1, and each pair of dimensions must be equal or
/// contain a 1, which is stretched to the other.
public enum Broadcast {
    /// The most dimensions a broadcasting op accepts (TFLM's reference add handles up to 6-D).
    public static let maxRank = 6

    /// The broadcast shape of `a` and `b`, or nil when a pair of dimensions differs and neither is 1.
    public static func shape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        let ea = extended(a, to: rank), eb = extended(b, to: rank)
        var out: [Int] = []
        for (x, y) in zip(ea, eb) {
            guard x == y || x == 1 || y == 1 else { return nil }
            out.append(max(x, y))
        }
        return out
    }

    /// `shape` with leading 1s up to `rank` dimensions.
    public static func extended(_ shape: [Int], to rank: Int) -> [Int] {
        Array(repeating: 1, count: max(0, rank - shape.count)) + shape
    }

    /// Element strides of `input` for each dimension of `output` (its broadcast result): 0 where
    /// the input's dimension is 1 or missing (stretched, or only ever at index 0), the row-major
    /// stride otherwise.
    public static func strides(of input: [Int], in output: [Int]) -> [Int] {
        let e = extended(input, to: output.count)
        var strides = [Int](repeating: 0, count: output.count)
        var step = 1
        for d in stride(from: output.count - 1, through: 0, by: -1) {
            strides[d] = e[d] == 1 ? 0 : step
            step *= e[d]
        }
        return strides
    }

    /// A loop nest equivalent to `shape` with per-dimension element strides `s1` and `s2`, with as
    /// few dimensions as possible (TFLM's `CanFuseLoops` rule): size-1 dimensions are dropped, and a
    /// dimension merges into the next inner one when, for each input, both strides are 0 or the
    /// outer stride is the inner stride times the inner extent. Never empty (a single element is
    /// `([1], [0], [0])`).
    public static func collapsed(shape: [Int], _ s1: [Int], _ s2: [Int]) -> (shape: [Int], strides1: [Int], strides2: [Int]) {
        func chains(_ outer: Int, _ inner: Int, _ extent: Int) -> Bool { inner == 0 ? outer == 0 : outer == inner * extent }
        var n: [Int] = [], a: [Int] = [], b: [Int] = []  // innermost first
        for d in shape.indices.reversed() where shape[d] != 1 {
            if let k = n.indices.last, chains(s1[d], a[k], n[k]), chains(s2[d], b[k], n[k]) {
                n[k] *= shape[d]
            } else {
                n.append(shape[d]); a.append(s1[d]); b.append(s2[d])
            }
        }
        if n.isEmpty { return ([1], [0], [0]) }
        return (n.reversed(), a.reversed(), b.reversed())
    }
}
