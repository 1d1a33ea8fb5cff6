import TinycIR

/// One TFLite operator -> one IR node (two for FULLY_CONNECTED with keep_num_dims). Options are
/// translated field by field; parameters TFLite passes as constant tensors (MEAN's axes, PAD's
/// paddings) become op attributes.
extension TFLiteImporter {
    mutating func addNode(_ op: TFLiteFile.Operator, _ builtin: TFLiteBuiltin) throws(FrontendMessage) {
        let o = op.options
        guard op.outputs.count == 1 else { throw FrontendMessage("has \(op.outputs.count) outputs; expected 1") }
        let output = try tensor(op.outputs[0], role: "output")

        /// The data inputs: `required` of them, then up to `optional` more (-1 = omitted).
        func inputs(_ required: Int, optional: Int = 0) throws(FrontendMessage) -> [TensorID] {
            guard (required...required + optional).contains(op.inputs.count) else {
                let expected = optional == 0 ? "\(required)" : "\(required) to \(required + optional)"
                throw FrontendMessage("takes \(expected) inputs, got \(op.inputs.count)")
            }
            var ids: [TensorID] = []
            for (k, t) in op.inputs.enumerated() {
                if t < 0, k >= required { continue }
                ids.append(try tensor(t, role: "input \(k)"))
            }
            return ids
        }

        switch builtin {
        case .conv2d:
            let conv = Conv2D(
                stride: HW(Int(o.stride_h), Int(o.stride_w)), dilation: HW(Int(o.dilation_h), Int(o.dilation_w)),
                padding: try padding(o.padding), activation: try activation(o.fused_activation))
            addNode(.conv2d(conv), inputs: dequantizingHybridWeights(try inputs(2, optional: 1)), output: output)
        case .depthwiseConv2d:
            let xs = dequantizingHybridWeights(try inputs(2, optional: 1))
            // TFLite derives the multiplier from the shapes; the stored option may be stale.
            let channels = graph.type(xs[0]).shape.last ?? 0, weightChannels = graph.type(xs[1]).shape.last ?? 0
            guard channels > 0, weightChannels % channels == 0 else {
                throw FrontendMessage("weights have \(weightChannels) channels, not a multiple of the \(channels) input channels")
            }
            let dw = DepthwiseConv2D(
                stride: HW(Int(o.stride_h), Int(o.stride_w)), dilation: HW(Int(o.dilation_h), Int(o.dilation_w)),
                padding: try padding(o.padding), depthMultiplier: weightChannels / channels,
                activation: try activation(o.fused_activation))
            addNode(.depthwiseConv2d(dw), inputs: xs, output: output)
        case .fullyConnected:
            guard o.weights_format == 0 else { throw FrontendMessage("shuffled weights format \(o.weights_format) is not supported") }
            let xs = dequantizingHybridWeights(try inputs(2, optional: 1))
            let fc = Op.fullyConnected(FullyConnected(activation: try activation(o.fused_activation)))
            let units = graph.type(xs[1]).shape.first ?? 0
            let outType = graph.type(output)
            if outType.shape == [1, units] {
                addNode(fc, inputs: xs, output: output)
            } else {
                // keep_num_dims: the same values with a [1, ..., units] shape.
                let flat = graph.addTensor(graph[output].name + "/flat", TensorType(shape: [1, units], dtype: outType.dtype, quantization: outType.quantization))
                addNode(fc, inputs: xs, output: flat)
                addNode(.reshape, inputs: [flat], output: output)
            }
        case .add:
            addNode(.add(try activation(o.fused_activation)), inputs: try inputs(2), output: output)
        case .maxPool2d, .averagePool2d:
            let pool = Pool2D(
                kernel: HW(Int(o.filter_h), Int(o.filter_w)), stride: HW(Int(o.stride_h), Int(o.stride_w)),
                padding: try padding(o.padding), activation: try activation(o.fused_activation))
            addNode(builtin == .maxPool2d ? .maxPool2d(pool) : .avgPool2d(pool), inputs: try inputs(1), output: output)
        case .mean:
            guard op.inputs.count == 2 else { throw FrontendMessage("takes 2 inputs (data, axes), got \(op.inputs.count)") }
            let x = try tensor(op.inputs[0], role: "input 0")
            let rank = graph.type(x).shape.count
            let axes = try constantInts(op.inputs[1], role: "axes").map { $0 < 0 ? $0 + rank : $0 }
            addNode(.mean(Mean(axes: Array(Set(axes)).sorted(), keepDims: o.keep_dims)), inputs: [x], output: output)
        case .reshape, .squeeze:
            // The new shape is the output tensor's; RESHAPE's optional shape input says the same.
            guard (1...2).contains(op.inputs.count) else { throw FrontendMessage("takes 1 or 2 inputs, got \(op.inputs.count)") }
            addNode(.reshape, inputs: [try tensor(op.inputs[0], role: "input 0")], output: output)
        case .softmax:
            addNode(.softmax(beta: o.beta), inputs: try inputs(1), output: output)
        case .pad, .padV2:
            // PADV2's third input is the fill value (a one-element constant quantized like the output).
            let count = builtin == .pad ? 2 : 3
            guard op.inputs.count == count else {
                throw FrontendMessage("takes \(count) inputs (data, paddings\(count == 3 ? ", value" : "")), got \(op.inputs.count)")
            }
            let x = try tensor(op.inputs[0], role: "input 0")
            let value = count == 3 ? [try tensor(op.inputs[2], role: "constant value")] : []
            let p = try constantInts(op.inputs[1], role: "paddings")
            guard p.count == 8, graph.type(x).shape.count == 4 else {
                throw FrontendMessage("only 4-D NHWC inputs with [4, 2] paddings are supported, got \(graph.type(x).shape) and \(p.count) padding values")
            }
            guard p[0] == 0, p[1] == 0, p[6] == 0, p[7] == 0 else {
                throw FrontendMessage("only spatial padding is supported (batch and channel paddings must be 0), got \(p)")
            }
            addNode(.pad(Pads(top: p[2], bottom: p[3], left: p[4], right: p[5])), inputs: [x] + value, output: output)
        case .concatenation:
            guard try activation(o.fused_activation) == .none else {
                throw FrontendMessage("a fused activation on CONCATENATION is not supported")
            }
            guard !op.inputs.isEmpty else { throw FrontendMessage("has no inputs") }
            var xs: [TensorID] = []
            for (k, t) in op.inputs.enumerated() { xs.append(try tensor(t, role: "input \(k)")) }
            let rank = graph.type(xs[0]).shape.count
            let axis = Int(o.axis) < 0 ? Int(o.axis) + rank : Int(o.axis)
            addNode(.concat(axis: axis), inputs: xs, output: output)
        case .relu:
            addNode(.activation(.relu), inputs: try inputs(1), output: output)
        case .relu6:
            addNode(.activation(.relu6), inputs: try inputs(1), output: output)
        case .logistic:
            addNode(.logistic, inputs: try inputs(1), output: output)
        case .quantize:
            let x = try inputs(1)
            guard graph.type(x[0]).dtype == .s8, graph.type(output).dtype == .s8 else {
                throw FrontendMessage("QUANTIZE from \(graph.type(x[0]).dtype.rawValue) to \(graph.type(output).dtype.rawValue) is supported only int8 → int8, or float → int8 on the model input")
            }
            addNode(.requantize, inputs: x, output: output)
        case .dequantize:
            throw FrontendMessage("DEQUANTIZE is supported only as the last op, turning an int8 model output into float")
        }
    }

    private func padding(_ raw: Int8) throws(FrontendMessage) -> Padding {
        switch raw {
        case 0: return .same
        case 1: return .valid
        default: throw FrontendMessage("unknown padding \(raw)")
        }
    }

    private func activation(_ raw: Int8) throws(FrontendMessage) -> Activation {
        switch raw {
        case 0: return .none
        case 1: return .relu
        case 3: return .relu6
        default:
            let names: [Int8: String] = [2: "RELU_N1_TO_1", 4: "TANH", 5: "SIGN_BIT"]
            throw FrontendMessage("fused activation \(names[raw] ?? "\(raw)") is not supported (tinyc fuses NONE, RELU and RELU6)")
        }
    }
}
