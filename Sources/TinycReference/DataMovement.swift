import TinycIR

/// Ops that only move elements (shared by float and int8 graphs): pad and concat.
/// Reshape needs no kernel: the values are reused as they are.
enum DataMovement {
    /// Spatial constant padding of a [1, H, W, C] tensor; new pixels are `value`.
    static func pad<T>(_ x: [T], height h: Int, width w: Int, channels c: Int, _ p: Pads, value: T) -> [T] {
        let outW = w + p.left + p.right
        let outH = h + p.top + p.bottom
        var out = [T](repeating: value, count: outH * outW * c)
        for y in 0..<h {
            let src = y * w * c
            let dst = ((y + p.top) * outW + p.left) * c
            out.replaceSubrange(dst..<dst + w * c, with: x[src..<src + w * c])
        }
        return out
    }

    /// Concatenation along `axis` of row-major tensors that agree on every other dimension.
    /// Each input contributes a contiguous chunk of shape[axis]·(product of later dims) elements
    /// to every "outer" row (product of earlier dims).
    static func concat<T>(_ inputs: [[T]], shapes: [[Int]], axis: Int) -> [T] {
        guard let first = shapes.first else { return [] }
        let outer = first[..<axis].reduce(1, *)
        let inner = first[(axis + 1)...].reduce(1, *)
        let chunks = shapes.map { $0[axis] * inner }
        var out = [T]()
        out.reserveCapacity(inputs.reduce(0) { $0 + $1.count })
        for o in 0..<outer {
            for (values, chunk) in zip(inputs, chunks) {
                out.append(contentsOf: values[o * chunk..<(o + 1) * chunk])
            }
        }
        return out
    }
}
