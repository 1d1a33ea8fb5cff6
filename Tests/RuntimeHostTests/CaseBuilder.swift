import Foundation
import TinycIR
import TinycSchedule

/// Seeded random choices for test cases (SplitMix64, so every run builds the same cases).
struct CaseRandom {
    var rng: SplitMix64
    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func int(_ range: ClosedRange<Int>) -> Int { rng.next(in: range) }
    mutating func bool() -> Bool { rng.next(below: 2) == 1 }
    /// Uniform int8 over the whole range.
    mutating func int8s(_ n: Int) -> [Int8] { (0..<n).map { _ in Int8(truncatingIfNeeded: rng.next(in: -128...127)) } }
    /// Symmetric int8 weights in [-127, 127] (TFLite never uses -128 for weights).
    mutating func weights(_ n: Int) -> [Int8] { (0..<n).map { _ in Int8(truncatingIfNeeded: rng.next(in: -127...127)) } }
    /// Log-uniform in [lo, hi].
    mutating func scale(_ lo: Double, _ hi: Double) -> Float {
        Float(exp(log(lo) + (log(hi) - log(lo)) * rng.nextDouble()))
    }
    /// Any int8 zero point.
    mutating func zeroPoint() -> Int32 { Int32(rng.next(in: -128...127)) }
    /// `count` inputs of `pixels · channels` values where each channel clusters around its own random
    /// level (±27): global means and the logits after them then vary from input to input, which
    /// uniform noise (whose means all sit near -0.5) would not give.
    mutating func clusteredInputs(pixels: Int, channels: Int, count: Int = 3) -> [[Int8]] {
        (0..<count).map { _ in
            let centers = (0..<channels).map { _ in int(-100...100) }
            return (0..<pixels * channels).map { k in Int8(clamping: centers[k % channels] + int(-27...27)) }
        }
    }

    /// `count` random inputs of `n` values each.
    mutating func inputs(_ n: Int, count: Int = 3) -> [[Int8]] { (0..<count).map { _ in int8s(n) } }
}

/// A per-tensor int8 quantization.
struct Q: Hashable {
    var scale: Float, zeroPoint: Int32
    var quantization: Quantization { .perTensor(scale: scale, zeroPoint: zeroPoint) }
}

/// Builds quantized graphs with random but valid TFLite int8 parameters: output scales are chosen
/// from the expected spread of the accumulator, so outputs use most of the int8 range and clamp
/// only sometimes.
struct CaseBuilder {
    var graph: Graph
    var rnd: CaseRandom

    init(name: String, seed: UInt64) {
        graph = Graph(name: name)
        rnd = CaseRandom(seed: seed)
    }

    func q(_ t: TensorID) -> Q {
        let (s, z) = graph.type(t).quantization.perTensorParameters!
        return Q(scale: s, zeroPoint: z)
    }
    func shape(_ t: TensorID) -> [Int] { graph.type(t).shape }

    /// A random activation quantization: scale in [0.005, 0.1], any zero point.
    mutating func randomQ() -> Q { Q(scale: rnd.scale(0.005, 0.1), zeroPoint: rnd.zeroPoint()) }

    mutating func input(_ shape: [Int], _ q: Q) -> TensorID {
        let id = graph.addTensor("input", TensorType(shape: shape, dtype: .s8, quantization: q.quantization))
        graph.inputs = [id]
        return id
    }

    mutating func input(_ shape: [Int]) -> TensorID {
        let qq = randomQ()
        return input(shape, qq)
    }

    /// Appends a node whose output shape comes from `ShapeInference` (or `shape`, for reshape).
    @discardableResult
    mutating func node(_ op: Op, _ inputs: [TensorID], _ q: Q, shape: [Int]? = nil) throws -> TensorID {
        let index = graph.nodes.count
        let out = graph.addTensor("t\(graph.tensors.count)", TensorType(shape: shape ?? [1], dtype: .s8, quantization: q.quantization))
        graph.nodes.append(Node(op: op, inputs: inputs, outputs: [out], name: "\(op.name)_\(index)"))
        if shape == nil { graph[out].type.shape = try ShapeInference.outputShape(of: index, in: graph) }
        graph.outputs = [out]
        return out
    }

    /// A constant int8 activation-like tensor (flash operand of add / concat) with quantization `q`.
    mutating func constant(_ shape: [Int], _ q: Q) -> TensorID {
        graph.addTensor("k\(graph.tensors.count)", TensorType(shape: shape, dtype: .s8, quantization: q.quantization),
                        data: ConstantData(int8: rnd.int8s(shape.reduce(1, *))))
    }

    /// Weight scales: one (per tensor) or one per channel, log-uniform in [0.002, 0.02].
    mutating func weightQuantization(channels: Int, perChannel: Bool, axis: Int) -> (Quantization, [Float]) {
        if perChannel {
            let s = (0..<channels).map { _ in rnd.scale(0.002, 0.02) }
            return (.perChannel(scales: s, zeroPoints: Array(repeating: 0, count: channels), axis: axis), s)
        }
        let s = rnd.scale(0.002, 0.02)
        return (.perTensor(scale: s, zeroPoint: 0), Array(repeating: s, count: channels))
    }

    /// Output quantization of a layer with `taps` products per output, and the weight scales
    /// rescaled to match. The real accumulator has a spread of about s_in·s_w·74²·√taps (uniform
    /// int8 operands); it is mapped to ±~48 output steps, with a random factor so some outputs clamp.
    /// For relu6 the output scale comes first (6/s = 60…200 steps, zero point low enough that 6 fits
    /// mostly) and the weight scales are scaled so the accumulator spread fills it; for relu the
    /// zero point sits in the lower part of the range, so the clamp at zero matters but the positive
    /// half keeps many steps.
    /// `outScale` fixes the output scale (and rescales the weights to fill it), e.g. logits before a
    /// softmax that should not be one-hot.
    mutating func layerQuantization(_ act: Activation, sIn: Float, weightScales: inout [Float], taps: Int, outScale: Float? = nil) -> Q {
        let sW = weightScales.reduce(0, +) / Float(weightScales.count)
        let spread = sIn * max(sW, 1e-4) * 74 * 74 * Float(taps).squareRoot()
        if let outScale {
            let factor = outScale * 48 * rnd.scale(0.6, 1.6) / spread
            weightScales = weightScales.map { $0 * factor }
            return Q(scale: outScale, zeroPoint: act == .none ? rnd.zeroPoint() : Int32(rnd.int(-128...20)))
        }
        switch act {
        case .none:
            return Q(scale: spread / 48 * rnd.scale(0.6, 1.6), zeroPoint: rnd.zeroPoint())
        case .relu:
            return Q(scale: spread / 48 * rnd.scale(0.6, 1.6), zeroPoint: Int32(rnd.int(-128...20)))
        case .relu6:
            let steps = rnd.int(60...200)
            let out = Q(scale: 6 / Float(steps), zeroPoint: Int32(rnd.int(-128...max(-128, 127 - steps + 10))))
            let factor = out.scale * 48 * rnd.scale(0.6, 1.6) / spread
            weightScales = weightScales.map { $0 * factor }
            return out
        }
    }

    /// The weight quantization for `scales` (per tensor when all are equal and `perChannel` is false).
    func weightQuantization(_ scales: [Float], perChannel: Bool, axis: Int) -> Quantization {
        perChannel ? .perChannel(scales: scales, zeroPoints: Array(repeating: 0, count: scales.count), axis: axis)
            : .perTensor(scale: scales[0], zeroPoint: 0)
    }

    /// An int32 bias of about one accumulator spread per channel.
    mutating func bias(_ channels: Int, taps: Int, sIn: Float, weightScales: [Float]) -> TensorID {
        let spread = Int(74 * 74 * Float(taps).squareRoot())
        let values = (0..<channels).map { _ in Int32(rnd.int(-spread...spread)) }
        let q = Quantization.perChannel(scales: weightScales.map { $0 * sIn }, zeroPoints: Array(repeating: 0, count: channels), axis: 0)
        return graph.addTensor("bias\(graph.tensors.count)", TensorType(shape: [channels], dtype: .s32, quantization: q), data: ConstantData(int32: values))
    }

    @discardableResult
    mutating func conv2d(_ x: TensorID, outChannels: Int, kernel: HW, _ attrs: Conv2D, bias: Bool, perChannel: Bool, outQ: Q? = nil) throws -> TensorID {
        let inC = shape(x)[3]
        var (_, scales) = weightQuantization(channels: outChannels, perChannel: perChannel, axis: 0)
        let taps = kernel.h * kernel.w * inC
        let sIn = q(x).scale
        let lq = layerQuantization(attrs.activation, sIn: sIn, weightScales: &scales, taps: taps)
        let w = graph.addTensor("w\(graph.tensors.count)", TensorType(shape: [outChannels, kernel.h, kernel.w, inC], dtype: .s8,
                                                                      quantization: weightQuantization(scales, perChannel: perChannel, axis: 0)),
                                data: ConstantData(int8: rnd.weights(outChannels * kernel.h * kernel.w * inC)))
        var inputs = [x, w]
        if bias { inputs.append(self.bias(outChannels, taps: taps, sIn: sIn, weightScales: scales)) }
        return try node(.conv2d(attrs), inputs, outQ ?? lq)
    }

    @discardableResult
    mutating func depthwise(_ x: TensorID, kernel: HW, _ attrs: DepthwiseConv2D, bias: Bool, perChannel: Bool, outQ: Q? = nil) throws -> TensorID {
        let outC = shape(x)[3] * attrs.depthMultiplier
        var (_, scales) = weightQuantization(channels: outC, perChannel: perChannel, axis: 3)
        let taps = kernel.h * kernel.w
        let sIn = q(x).scale
        let lq = layerQuantization(attrs.activation, sIn: sIn, weightScales: &scales, taps: taps)
        let w = graph.addTensor("w\(graph.tensors.count)", TensorType(shape: [1, kernel.h, kernel.w, outC], dtype: .s8,
                                                                      quantization: weightQuantization(scales, perChannel: perChannel, axis: 3)),
                                data: ConstantData(int8: rnd.weights(kernel.h * kernel.w * outC)))
        var inputs = [x, w]
        if bias { inputs.append(self.bias(outC, taps: taps, sIn: sIn, weightScales: scales)) }
        return try node(.depthwiseConv2d(attrs), inputs, outQ ?? lq)
    }

    @discardableResult
    mutating func fullyConnected(_ x: TensorID, outFeatures: Int, activation: Activation, bias: Bool, perChannel: Bool, outScale: Float? = nil) throws -> TensorID {
        let inF = shape(x).reduce(1, *)
        var (_, scales) = weightQuantization(channels: outFeatures, perChannel: perChannel, axis: 0)
        let sIn = q(x).scale
        let lq = layerQuantization(activation, sIn: sIn, weightScales: &scales, taps: inF, outScale: outScale)
        let w = graph.addTensor("w\(graph.tensors.count)", TensorType(shape: [outFeatures, inF], dtype: .s8,
                                                                      quantization: weightQuantization(scales, perChannel: perChannel, axis: 0)),
                                data: ConstantData(int8: rnd.weights(outFeatures * inF)))
        var inputs = [x, w]
        if bias { inputs.append(self.bias(outFeatures, taps: inF, sIn: sIn, weightScales: scales)) }
        return try node(.fullyConnected(FullyConnected(activation: activation)), inputs, lq)
    }

    /// An add with its own output quantization, wide enough for the sum.
    @discardableResult
    /// relu: zero point in the lower part of the range; relu6: 6 spans 60…200 steps.
    mutating func add(_ a: TensorID, _ b: TensorID, _ act: Activation) throws -> TensorID {
        let s = (q(a).scale + q(b).scale) * rnd.scale(0.4, 1.2)
        let out: Q
        switch act {
        case .none: out = Q(scale: s, zeroPoint: rnd.zeroPoint())
        case .relu: out = Q(scale: s, zeroPoint: Int32(rnd.int(-128...20)))
        case .relu6:
            let steps = rnd.int(60...200)
            out = Q(scale: 6 / Float(steps), zeroPoint: Int32(rnd.int(-128...max(-128, 127 - steps + 10))))
        }
        return try node(.add(act), [a, b], out)
    }
}

extension Activation {
    static let all: [Activation] = [.none, .relu, .relu6]
}

extension Padding {
    /// "same", "valid", "pad[t,b,l,r]".
    var caseName: String {
        switch self {
        case .same: "same"
        case .valid: "valid"
        case .explicit(let p): "pad[\(p.top),\(p.bottom),\(p.left),\(p.right)]"
        }
    }
}

/// `array[i % count]`: cycles attribute lists of co-prime lengths through a table, so every value
/// of every list appears and combinations vary.
func cycle<T>(_ array: [T], _ i: Int) -> T { array[i % array.count] }
