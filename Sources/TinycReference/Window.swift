import TinycIR

/// Geometry of a windowed op (conv2d, depthwise_conv2d, pooling) on a [1, H, W, C] input, with the
/// padding already resolved to pixels. Output pixel (oy, ox) with tap (ky, kx) reads input pixel
/// (oy·stride.h − pads.top + ky·dilation.h, ox·stride.w − pads.left + kx·dilation.w); taps that fall
/// outside the input are skipped (they neither add to an accumulator nor count for an average).
///
/// Layouts (flat, row-major): input [H, W, C_in], output [H_out, W_out, C_out],
/// conv weights [C_out, KH, KW, C_in], depthwise weights [KH, KW, C_out].
struct Window {
    var inH: Int, inW: Int, inC: Int
    var outH: Int, outW: Int, outC: Int
    var kH: Int, kW: Int
    var stride: HW, dilation: HW
    var pads: Pads

    /// The in-bounds taps of output pixel (oy, ox), as (ky, kx, input pixel index iy·W + ix).
    @inline(__always)
    func forEachTap(_ oy: Int, _ ox: Int, _ body: (_ ky: Int, _ kx: Int, _ pixel: Int) -> Void) {
        let y0 = oy * stride.h - pads.top
        let x0 = ox * stride.w - pads.left
        for ky in 0..<kH {
            let iy = y0 + ky * dilation.h
            guard iy >= 0, iy < inH else { continue }
            for kx in 0..<kW {
                let ix = x0 + kx * dilation.w
                guard ix >= 0, ix < inW else { continue }
                body(ky, kx, iy * inW + ix)
            }
        }
    }

    /// Number of in-bounds taps of output pixel (oy, ox).
    func tapCount(_ oy: Int, _ ox: Int) -> Int {
        var n = 0
        forEachTap(oy, ox) { _, _, _ in n += 1 }
        return n
    }

    /// True when some output pixel's window lies entirely in the padding (TFLite's average pool
    /// fails on such a window: it would divide by a count of zero).
    var hasEmptyWindow: Bool {
        for oy in 0..<outH { for ox in 0..<outW where tapCount(oy, ox) == 0 { return true } }
        return false
    }
}
