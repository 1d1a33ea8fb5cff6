import TinycIR
import TinycReference

/// E[x xᵀ] of the inputs each weight row of a layer multiplies (GPTQ's Hessian of the layer's
/// squared output error), measured by running the quantized graph on calibration inputs:
/// K×K for a conv (K = kh·kw·c_in, one window per output pixel) or fully connected layer
/// (K = in_features), and one (kh·kw)×(kh·kw) matrix per input channel for a depthwise layer.
/// Padding taps count as the real value 0, as in the convolution.
public struct LayerStatistics: Sendable {
    /// Row-major K×K second moments, one per input channel (depthwise) or one per layer.
    public struct Moments: Sendable {
        public var k: Int
        public var values: [Double]
    }

    public var moments: [Int: [Moments]] = [:]

    /// At most this many input vectors per layer (output pixels are subsampled evenly).
    public static let maxRows = 8192

    public init() {}

    public static func collect(_ graph: Graph, layers: [Int], inputs: [[Int8]]) throws(GraphError) -> LayerStatistics {
        var stats = LayerStatistics()
        guard !inputs.isEmpty, !layers.isEmpty else { return stats }
        let interpreter = try ReferenceInterpreter(graph)
        var sums: [Int: [[Double]]] = [:]
        var rows: [Int: Int] = [:]
        for x in inputs {
            let values = try interpreter.runAll(.s8(x))
            for n in layers {
                let node = graph.nodes[n]
                guard let t = values[node.inputs[0]]?.int8 else { continue }
                let q = graph.type(node.inputs[0]).quantization.perTensorParameters ?? (1, 0)
                let real = t.map { Double(Int32($0) - q.zeroPoint) * Double(q.scale) }
                accumulate(graph, n, real, budget: max(1, maxRows / inputs.count), into: &sums[n, default: []], rows: &rows[n, default: 0])
            }
        }
        for (n, s) in sums {
            let count = Double(max(rows[n] ?? 1, 1))
            stats.moments[n] = s.map { m in Moments(k: Int(Double(m.count).squareRoot()), values: m.map { $0 / count }) }
        }
        return stats
    }

    /// Adds the input vectors of layer `n` for one sample (`x` real, the layer input's layout).
    static func accumulate(_ graph: Graph, _ n: Int, _ x: [Double], budget: Int, into sums: inout [[Double]], rows: inout Int) {
        let node = graph.nodes[n]
        let inShape = graph.type(node.inputs[0]).shape
        let w = graph.type(node.inputs[1]).shape
        func add(_ vector: [Double], _ slot: Int) {
            let k = vector.count
            if sums.count <= slot { sums.append(contentsOf: Array(repeating: [Double](repeating: 0, count: k * k), count: slot + 1 - sums.count)) }
            for i in 0..<k where vector[i] != 0 {
                let vi = vector[i]
                for j in 0..<k { sums[slot][i * k + j] += vi * vector[j] }
            }
        }
        switch node.op {
        case .fullyConnected:
            add(x, 0)
            rows += 1
        case .conv2d(let a):
            let windows = Windows(inShape, kernel: HW(w[1], w[2]), a.stride, a.dilation, a.padding)
            for p in windows.pixels(budget) {
                add(windows.vector(x, p, channels: 0..<inShape[3]), 0)
                rows += 1
            }
        case .depthwiseConv2d(let a):
            let windows = Windows(inShape, kernel: HW(w[1], w[2]), a.stride, a.dilation, a.padding)
            for p in windows.pixels(budget) {
                for c in 0..<inShape[3] { add(windows.vector(x, p, channels: c..<c + 1), c) }
                rows += 1
            }
        default:
            break
        }
    }
}

/// The windows of a conv over one NHWC sample.
struct Windows {
    let h: Int, w: Int, c: Int, kernel: HW, stride: HW, dilation: HW, pads: Pads, out: HW

    init(_ shape: [Int], kernel: HW, _ stride: HW, _ dilation: HW, _ padding: Padding) {
        h = shape[1]; w = shape[2]; c = shape[3]
        self.kernel = kernel; self.stride = stride; self.dilation = dilation
        pads = WindowGeometry.pads(input: HW(h, w), kernel: kernel, stride: stride, dilation: dilation, padding: padding)
        out = WindowGeometry.output(input: HW(h, w), kernel: kernel, stride: stride, dilation: dilation, padding: padding) ?? HW(0, 0)
    }

    /// Output pixels, evenly subsampled to at most `budget`.
    func pixels(_ budget: Int) -> [HW] {
        let total = out.h * out.w
        let step = max(1, (total + budget - 1) / budget)
        return Swift.stride(from: 0, to: total, by: step).map { HW($0 / out.w, $0 % out.w) }
    }

    /// The window of output pixel `p` over `channels`, in the weights' (ky, kx, c) order.
    func vector(_ x: [Double], _ p: HW, channels: Range<Int>) -> [Double] {
        var v: [Double] = []
        v.reserveCapacity(kernel.h * kernel.w * channels.count)
        for ky in 0..<kernel.h {
            for kx in 0..<kernel.w {
                let y = p.h * stride.h - pads.top + ky * dilation.h, xx = p.w * stride.w - pads.left + kx * dilation.w
                let inside = y >= 0 && y < h && xx >= 0 && xx < w
                for ch in channels { v.append(inside ? x[(y * w + xx) * c + ch] : 0) }
            }
        }
        return v
    }
}
