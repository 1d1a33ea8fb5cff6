/// Output sizes and resolved padding of windowed ops (conv, depthwise, pooling), TFLite rules.
public enum WindowGeometry {
    /// Effective kernel extent with dilation: d·(k−1)+1.
    public static func effectiveKernel(_ k: Int, dilation d: Int) -> Int { d * (k - 1) + 1 }

    /// Output extent for one spatial dimension, or nil when the window does not fit.
    public static func outputSize(input: Int, kernel: Int, stride: Int, dilation: Int, padding: Padding, before: Int, after: Int) -> Int? {
        let k = effectiveKernel(kernel, dilation: dilation)
        switch padding {
        case .same:
            return (input + stride - 1) / stride
        case .valid, .explicit:
            let padded = input + before + after
            guard padded >= k else { return nil }
            return (padded - k) / stride + 1
        }
    }

    /// Resolves `padding` to explicit pixels for an input of `input` (h, w).
    /// TFLite SAME: total = max((out−1)·s + k_eff − in, 0), before = total/2, the rest after.
    public static func pads(input: HW, kernel: HW, stride: HW, dilation: HW, padding: Padding) -> Pads {
        switch padding {
        case .valid: return .zero
        case .explicit(let p): return p
        case .same:
            func split(_ n: Int, _ k: Int, _ s: Int, _ d: Int) -> (Int, Int) {
                let out = (n + s - 1) / s
                let total = max((out - 1) * s + effectiveKernel(k, dilation: d) - n, 0)
                return (total / 2, total - total / 2)
            }
            let (t, b) = split(input.h, kernel.h, stride.h, dilation.h)
            let (l, r) = split(input.w, kernel.w, stride.w, dilation.w)
            return Pads(top: t, bottom: b, left: l, right: r)
        }
    }

    /// Output (h, w) for a windowed op, or nil when the kernel is larger than the padded input.
    public static func output(input: HW, kernel: HW, stride: HW, dilation: HW, padding: Padding) -> HW? {
        let p = pads(input: input, kernel: kernel, stride: stride, dilation: dilation, padding: padding)
        guard
            let h = outputSize(input: input.h, kernel: kernel.h, stride: stride.h, dilation: dilation.h, padding: padding, before: p.top, after: p.bottom),
            let w = outputSize(input: input.w, kernel: kernel.w, stride: stride.w, dilation: dilation.w, padding: padding, before: p.left, after: p.right),
            h > 0, w > 0
        else { return nil }
        return HW(h, w)
    }
}
