import Foundation

/// The integer parameters of a quantized node, computed once at compile time exactly as TFLite
/// Micro's Prepare functions do. The reference interpreter and the C code generator both read them,
/// so the Swift oracle and the emitted `tc_*_params` structs can never disagree on a constant.
public enum IntegerParams: Hashable, Sendable {
    /// conv2d, depthwise_conv2d and fully_connected.
    case conv(Conv)
    /// max_pool2d / avg_pool2d (input and output share scale and zero point).
    case pool(pads: Pads, actMin: Int32, actMax: Int32)
    /// add; broadcasting changes only which elements meet, not the arithmetic.
    case add(Add)
    case mean(Mean)
    case softmax(Softmax)
    case logistic(Logistic)
    /// requantize, and a standalone relu whose input and output quantization differ.
    case requantize(Requantize)
    /// The raw int8 fill value: the output zero point (TFLM PAD) or the constant value (PADV2).
    case pad(value: Int32)
    /// relu6 (always: TFLM clamps raw values), and relu when input and output share quantization.
    case clamp(actMin: Int32, actMax: Int32)
    /// reshape and concat move bytes only.
    case copy

    public struct Conv: Hashable, Sendable {
        public var pads: Pads
        public var inputOffset: Int32, outputOffset: Int32
        public var actMin: Int32, actMax: Int32
        /// One per output channel.
        public var multipliers: [QuantMath.Multiplier]
    }

    public struct Add: Hashable, Sendable {
        public var input1Offset: Int32, input2Offset: Int32, outputOffset: Int32
        public var leftShift: Int32
        public var input1: QuantMath.Multiplier, input2: QuantMath.Multiplier, output: QuantMath.Multiplier
        public var actMin: Int32, actMax: Int32
    }

    public struct Mean: Hashable, Sendable {
        public var inputOffset: Int32, outputOffset: Int32
        /// Already rescaled by 1/N (TFLite QuantizedMeanOrSum).
        public var multiplier: QuantMath.Multiplier
        public var actMin: Int32, actMax: Int32
    }

    public struct Softmax: Hashable, Sendable {
        public var inputMultiplier: Int32, inputLeftShift: Int32, diffMin: Int32
    }

    /// TFLM CalculateArithmeticOpDataLogistic (int8): the input is rescaled into Q4.27; inputs at or
    /// beyond ±`inputRangeRadius` (in steps from the zero point) saturate to −128 / 127.
    public struct Logistic: Hashable, Sendable {
        public var inputZeroPoint: Int32, inputRangeRadius: Int32
        public var inputMultiplier: Int32, inputLeftShift: Int32
    }

    /// y = clamp(MultiplyByQuantizedMultiplier(x + inputOffset, multiplier) + outputOffset, actMin, actMax).
    public struct Requantize: Hashable, Sendable {
        public var inputOffset: Int32, outputOffset: Int32
        public var multiplier: QuantMath.Multiplier
        public var actMin: Int32, actMax: Int32
    }

    /// Parameters of node `index` of a quantized graph. Throws when a multiplier is out of the range
    /// the TFLite kernels accept (e.g. an add whose output scale is tiny compared to its inputs).
    public static func of(_ index: Int, in graph: Graph) throws(GraphError) -> IntegerParams {
        let node = graph.nodes[index]
        let x = graph.type(node.inputs[0])
        let y = graph.type(node.outputs[0])
        let (sIn, zIn) = x.quantization.perTensorParameters ?? (1, 0)
        let (sOut, zOut) = y.quantization.perTensorParameters ?? (1, 0)
        func range(_ act: Activation) -> (min: Int32, max: Int32) {
            QuantMath.activationRange(act, scale: sOut, zeroPoint: zOut)
        }
        func conv(_ pads: Pads, _ act: Activation, channels: Int, floatProduct: Bool) -> IntegerParams {
            let w = graph.type(node.inputs[1]).quantization
            let multipliers = (0..<channels).map { c -> QuantMath.Multiplier in
                // TFLM conv/depthwise form the product in double; its per-tensor FULLY_CONNECTED
                // (GetQuantizedConvolutionMultipler) multiplies the float scales first.
                // A single scale (per-tensor, or per-channel with one entry) is broadcast over channels.
                let sW = w.scales.count == 1 ? w.scales[0] : w.scale(channel: c)
                let product = floatProduct ? Double(sIn * sW) : Double(sIn) * Double(sW)
                return QuantMath.quantizeMultiplier(product / Double(sOut))
            }
            let r = range(act)
            return .conv(Conv(pads: pads, inputOffset: -zIn, outputOffset: zOut, actMin: r.min, actMax: r.max, multipliers: multipliers))
        }
        func windowPads(_ kernel: HW, _ stride: HW, _ dilation: HW, _ padding: Padding) -> Pads {
            WindowGeometry.pads(input: HW(x.shape[1], x.shape[2]), kernel: kernel, stride: stride, dilation: dilation, padding: padding)
        }

        // Scales must be finite; activation scales positive, weight scales non-negative (0 = dead channel).
        var activations = [node.inputs[0], node.outputs[0]]
        if case .add = node.op { activations.append(node.inputs[1]) }
        for t in node.inputs + node.outputs {
            for s in graph.type(t).quantization.scales where !s.isFinite || s < 0 || (s == 0 && activations.contains(t)) {
                throw .node(index, node, "tensor '\(graph[t].name)' has scale \(s); scales must be finite and positive")
            }
        }

        switch node.op {
        case .conv2d(let a):
            let w = graph.type(node.inputs[1]).shape
            return conv(windowPads(HW(w[1], w[2]), a.stride, a.dilation, a.padding), a.activation, channels: w[0], floatProduct: false)
        case .depthwiseConv2d(let a):
            let w = graph.type(node.inputs[1]).shape
            return conv(windowPads(HW(w[1], w[2]), a.stride, a.dilation, a.padding), a.activation, channels: w[3], floatProduct: false)
        case .fullyConnected(let a):
            let w = graph.type(node.inputs[1])
            let perTensor = w.quantization.scales.count == 1
            return conv(.zero, a.activation, channels: w.shape[0], floatProduct: perTensor)
        case .maxPool2d(let a), .avgPool2d(let a):
            let r = range(a.activation)
            return .pool(pads: windowPads(a.kernel, a.stride, .one, a.padding), actMin: r.min, actMax: r.max)
        case .add(let act):
            let (s2, z2) = graph.type(node.inputs[1]).quantization.perTensorParameters ?? (1, 0)
            let leftShift: Int32 = 20
            let twiceMax = 2 * Double(max(sIn, s2))
            let m1 = QuantMath.quantizeMultiplier(Double(sIn) / twiceMax)
            let m2 = QuantMath.quantizeMultiplier(Double(s2) / twiceMax)
            let realOut = twiceMax / (Double(1 << leftShift) * Double(sOut))
            guard realOut < 1 else {
                throw .node(index, node, "output scale \(sOut) is too small for input scales \(sIn) and \(s2) (TFLite add needs 2·max(s1,s2) < 2^20·s_out)")
            }
            let r = range(act)
            return .add(Add(input1Offset: -zIn, input2Offset: -z2, outputOffset: zOut, leftShift: leftShift,
                            input1: m1, input2: m2, output: QuantMath.quantizeMultiplier(realOut), actMin: r.min, actMax: r.max))
        case .mean:
            // TFLM EvalIntegerMean takes QuantizedMeanOrSum for every int8 MEAN, also when input and
            // output share scale and zero point (checked against the pinned TFLM build).
            let n = Int64(x.shape[1] * x.shape[2])
            let base = QuantMath.quantizeMultiplier(Double(sIn) / Double(sOut))
            // TFLite QuantizedMeanOrSum folds 1/N into the multiplier: shift by up to log2(N) bits
            // (at most 32, and keeping the final shift ≥ −31), then divide with truncation.
            var k = Int32(63 - UInt64(n).leadingZeroBitCount)
            k = min(k, 32, 31 + base.shift)
            let mult = Int32(truncatingIfNeeded: (Int64(base.mult) << Int64(k)) / n)
            return .mean(Mean(inputOffset: -zIn, outputOffset: zOut,
                              multiplier: QuantMath.Multiplier(mult: mult, shift: base.shift - k),
                              actMin: Int32(Int8.min), actMax: Int32(Int8.max)))
        case .softmax(let beta):
            // TFLM CalculateSoftmaxParams: kScaledDiffIntegerBits = 5, input scaled into Q5.26.
            let scaledDiffIntegerBits = 5
            let real = min(Double(beta) * Double(sIn) * Double(1 << (31 - scaledDiffIntegerBits)), Double((Int64(1) << 31) - 1))
            // TFLite QuantizeMultiplierGreaterThanOne requires real > 1 (so the shift is ≥ 1).
            guard real > 1 else {
                throw .node(index, node, "beta \(beta) × input scale \(sIn) is too small for the int8 softmax (TFLite needs beta·s_in·2^26 > 1)")
            }
            let m = QuantMath.quantizeMultiplier(real)
            let maxInputRescaled = Double((1 << scaledDiffIntegerBits) - 1) * Double(Int64(1) << (31 - scaledDiffIntegerBits))
                / Double(Int64(1) << Int64(m.shift))
            return .softmax(Softmax(inputMultiplier: m.mult, inputLeftShift: m.shift, diffMin: -Int32(maxInputRescaled.rounded(.down))))
        case .logistic:
            return .logistic(try logistic(sIn, zIn, index, node))
        case .requantize:
            // TFLM PrepareQuantizeReference: QuantizeMultiplier(s_in / s_out) in double; no int8 → int8
            // special case (its XOR-0x80 fast path is for int8 ↔ uint8 only).
            return .requantize(try requantize(sIn, zIn, sOut, zOut, act: .none, index, node))
        case .pad:
            // TFLM PadEval: the output zero point (PAD) or the raw constant value (PADV2).
            if node.inputs.count == 2, let value = graph.constants[node.inputs[1]]?.int8.first {
                return .pad(value: Int32(value))
            }
            return .pad(value: zOut)
        case .activation(.relu6):
            // TFLM Relu6Prepare/Relu6Quantized: clamps raw values to the INPUT's quantized 0 and 6
            // (FloatToQuantizedType), whatever the output quantization.
            let r = QuantMath.activationRange(.relu6, scale: sIn, zeroPoint: zIn)
            return .clamp(actMin: r.min, actMax: r.max)
        case .activation(let act):
            // TFLM ReluPrepare/ReluQuantized: requantize (s_in / s_out in double), clamp to
            // [max(−128, z_out), 127]. With the multiplier exactly 1.0 = (2^30, 1),
            // MultiplyByQuantizedMultiplier is the identity on int8 differences (2x·2^30 / 2^31 = x),
            // so equal zero points make it a plain clamp.
            let p = try requantize(sIn, zIn, sOut, zOut, act: act, index, node)
            if p.multiplier == QuantMath.Multiplier(mult: 1 << 30, shift: 1), zIn == zOut {
                return .clamp(actMin: p.actMin, actMax: p.actMax)
            }
            return .requantize(p)
        case .reshape, .concat:
            return .copy
        case .batchNorm:
            throw .node(index, node, "batch_norm has no integer kernel; it must be folded before quantization")
        }
    }

    /// The rescaling x → MBQM(x − z_in, s_in/s_out) + z_out clamped to `act`'s range in the output.
    static func requantize(_ sIn: Float, _ zIn: Int32, _ sOut: Float, _ zOut: Int32, act: Activation,
                           _ index: Int, _ node: Node) throws(GraphError) -> Requantize {
        let m = QuantMath.quantizeMultiplier(Double(sIn) / Double(sOut))
        // TFLM shifts x left by up to `shift` bits (1 << 31 would overflow int32).
        guard m.shift <= 30 else {
            throw .node(index, node, "input scale \(sIn) is too large for output scale \(sOut) (ratio ≥ 2^30)")
        }
        let r = QuantMath.activationRange(act, scale: sOut, zeroPoint: zOut)
        return Requantize(inputOffset: -zIn, outputOffset: zOut, multiplier: m, actMin: r.min, actMax: r.max)
    }

    /// TFLM CalculateArithmeticOpDataLogistic (int8): input_real_multiplier = s_in · 2^27 (4 integer
    /// bits) in double, split by frexp into a Q0.31 multiplier (TfLiteRound, no renormalisation: the
    /// float scale has 24 significant bits, so the product is exact) and a left shift;
    /// CalculateInputRadius(4, shift, 31) = floor(15 · 2^27 / 2^shift).
    static func logistic(_ sIn: Float, _ zIn: Int32, _ index: Int, _ node: Node) throws(GraphError) -> Logistic {
        let inputIntegerBits = 4
        let real = Double(sIn) * Double(1 << (31 - inputIntegerBits))
        let (fraction, exponent) = frexp(real)
        // TFLM computes 1LL << shift: defined for 0…62. (Scales outside [2^−28, 2^35) are not real models.)
        guard (0...62).contains(exponent) else {
            throw .node(index, node, "input scale \(sIn) is outside the range the TFLM int8 logistic handles")
        }
        let multiplier = Int32((fraction * 0x1p31).rounded(.toNearestOrAwayFromZero))
        let maxInputRescaled = Double((1 << inputIntegerBits) - 1) * Double(1 << (31 - inputIntegerBits)) / Double(sign: .plus, exponent: exponent, significand: 1)
        return Logistic(inputZeroPoint: zIn, inputRangeRadius: Int32(maxInputRescaled.rounded(.down)),
                        inputMultiplier: multiplier, inputLeftShift: Int32(exponent))
    }
}
