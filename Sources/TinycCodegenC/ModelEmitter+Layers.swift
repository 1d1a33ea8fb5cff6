import TinycIR
import TinycSchedule

/// One `static const` params struct per layer and the kernel call that uses it.
extension ModelEmitter {
    /// Writes node `index`'s constants to `w` and returns the statement(s) that run it.
    func emitLayer(_ index: Int, into w: inout CWriter) throws(GraphError) -> [String] {
        let node = graph.nodes[index]
        let name = layerName(index)
        let x = graph.type(node.inputs[0]).shape
        let y = graph.type(node.outputs[0]).shape
        let params = try IntegerParams.of(index, in: graph)
        w.line("/* \(CName.comment(node.name)): \(CName.comment(irLine(index))) */")
        func shape3(_ s: [Int]) -> String { "{.h = \(s[1]), .w = \(s[2]), .c = \(s[3])}" }
        func pads(_ p: Pads) -> String { "{.top = \(p.top), .bottom = \(p.bottom), .left = \(p.left), .right = \(p.right)}" }
        func hw(_ v: HW) -> String { "{.h = \(v.h), .w = \(v.w)}" }
        func multipliers(_ m: [QuantMath.Multiplier]) {
            w.line("static const int32_t \(name)_mult[\(m.count)] = {")
            w.values(m.map(\.mult), perLine: 8)
            w.line("};")
            w.line("static const int32_t \(name)_shift[\(m.count)] = {")
            w.values(m.map(\.shift), perLine: 16)
            w.line("};")
        }
        // Fields shared by the conv, depthwise and fully connected params structs.
        func requantization(_ w: inout CWriter, _ p: IntegerParams.Conv) {
            w.line(".input_offset = \(p.inputOffset), .output_offset = \(p.outputOffset), .act_min = \(p.actMin), .act_max = \(p.actMax),")
            w.line(".out_mult = \(name)_mult, .out_shift = \(name)_shift,")
        }
        func window(_ w: inout CWriter, _ k: [Int], _ stride: HW, _ dilation: HW) {
            w.line(".input = \(shape3(x)), .output = \(shape3(y)),")
            w.line(".kernel = {.h = \(k[1]), .w = \(k[2])}, .stride = \(hw(stride)), .dilation = \(hw(dilation)),")
        }
        let (weights, bias) = constantOperands(index)
        let io = "\(arena(node.inputs[0])), \(weights), \(bias), \(arena(node.outputs[0]))\(scratchOperand(index))"
        let kernelName = kernel(index).name

        switch (node.op, params) {
        case (.conv2d(let a), .conv(let p)):
            let k = graph.type(node.inputs[1]).shape
            multipliers(p.multipliers)
            emitFoldedBias(index, p, into: &w)
            w.block("static const tc_conv2d_params \(name) =", trailer: ";") { w in
                window(&w, k, a.stride, a.dilation)
                w.line(".pad = \(pads(p.pads)),")
                requantization(&w, p)
            }
            w.line()
            return ["\(kernelName)(&\(name), \(io));"]
        case (.depthwiseConv2d(let a), .conv(let p)):
            let k = graph.type(node.inputs[1]).shape
            multipliers(p.multipliers)
            emitFoldedBias(index, p, into: &w)
            w.block("static const tc_dwconv_params \(name) =", trailer: ";") { w in
                window(&w, k, a.stride, a.dilation)
                w.line(".pad = \(pads(p.pads)), .depth_multiplier = \(a.depthMultiplier),")
                requantization(&w, p)
            }
            w.line()
            return ["\(kernelName)(&\(name), \(io));"]
        case (.fullyConnected, .conv(let p)):
            let k = graph.type(node.inputs[1]).shape
            multipliers(p.multipliers)
            emitFoldedBias(index, p, into: &w)
            if kernel(index).packedWeights {
                let words = PackedWeights.fullyConnected(graph.constants[node.inputs[1]]!.int8, outFeatures: k[0], inFeatures: k[1])
                w.line("/* the weights in tc_fc_s8_dsp's layout (tc_fc_s8_dsp_pack_weights), as little-endian words (aligned) */")
                w.line("static const uint32_t \(name)_weights_p[\(words.count)]\(placement(weightsSection)) = {")
                w.values(words, perLine: 8) { String(format: "0x%08xu", $0) }
                w.line("};")
            }
            w.block("static const tc_fc_params \(name) =", trailer: ";") { w in
                w.line(".in_features = \(k[1]), .out_features = \(k[0]),")
                requantization(&w, p)
            }
            w.line()
            return ["\(kernelName)(&\(name), \(io));"]
        case (.maxPool2d(let a), .pool(let p, let lo, let hi)), (.avgPool2d(let a), .pool(let p, let lo, let hi)):
            w.block("static const tc_pool_params \(name) =", trailer: ";") { w in
                w.line(".input = \(shape3(x)), .output = \(shape3(y)),")
                w.line(".kernel = \(hw(a.kernel)), .stride = \(hw(a.stride)), .pad = \(pads(p)),")
                w.line(".act_min = \(lo), .act_max = \(hi),")
            }
            w.line()
            return ["\(kernelName)(&\(name), \(arena(node.inputs[0])), \(arena(node.outputs[0])));"]
        case (.add, .add(let p)):
            let io = "\(arena(node.inputs[0])), \(arena(node.inputs[1])), \(arena(node.outputs[0]))"
            func arithmetic(_ w: inout CWriter) {
                w.line(".size = \(graph.type(node.outputs[0]).count),")
                w.line(".input1_offset = \(p.input1Offset), .input2_offset = \(p.input2Offset), .output_offset = \(p.outputOffset),")
                w.line(".left_shift = \(p.leftShift),")
                w.line(".input1_mult = \(p.input1.mult), .input1_shift = \(p.input1.shift),")
                w.line(".input2_mult = \(p.input2.mult), .input2_shift = \(p.input2.shift),")
                w.line(".output_mult = \(p.output.mult), .output_shift = \(p.output.shift),")
                w.line(".act_min = \(p.actMin), .act_max = \(p.actMax),")
            }
            let b = graph.type(node.inputs[1]).shape
            // TFLM adds elementwise when the shapes match (after leading 1s), else broadcasts.
            if Broadcast.extended(x, to: y.count) == Broadcast.extended(b, to: y.count) {
                w.block("static const tc_add_params \(name) =", trailer: ";", arithmetic)
                w.line()
                return ["\(kernelName)(&\(name), \(io));"]
            }
            let loops = Broadcast.collapsed(shape: y, Broadcast.strides(of: x, in: y), Broadcast.strides(of: b, in: y))
            func list(_ v: [Int]) -> String { "{" + v.map(String.init).joined(separator: ", ") + "}" }
            w.block("static const tc_add_broadcast_params \(name) =", trailer: ";") { w in
                w.block(".add =", trailer: ",", arithmetic)
                w.line(".rank = \(loops.shape.count), .shape = \(list(loops.shape)),")
                w.line(".stride1 = \(list(loops.strides1)), .stride2 = \(list(loops.strides2)),")
            }
            w.line()
            return ["tc_add_broadcast_s8_ref(&\(name), \(io));"]
        case (.mean, .mean(let p)):
            w.block("static const tc_mean_params \(name) =", trailer: ";") { w in
                w.line(".input = \(shape3(x)),")
                w.line(".input_offset = \(p.inputOffset), .output_offset = \(p.outputOffset),")
                w.line(".mult = \(p.multiplier.mult), .shift = \(p.multiplier.shift),")
                w.line(".act_min = \(p.actMin), .act_max = \(p.actMax),")
            }
            w.line()
            return ["tc_mean_s8_ref(&\(name), \(arena(node.inputs[0])), \(arena(node.outputs[0])));"]
        case (.softmax, .softmax(let p)):
            let depth = y.last ?? 1
            w.block("static const tc_softmax_params \(name) =", trailer: ";") { w in
                w.line(".rows = \(graph.type(node.outputs[0]).count / depth), .depth = \(depth),")
                w.line(".input_multiplier = \(p.inputMultiplier), .input_left_shift = \(p.inputLeftShift), .diff_min = \(p.diffMin),")
            }
            w.line()
            return ["tc_softmax_s8_ref(&\(name), \(arena(node.inputs[0])), \(arena(node.outputs[0])));"]
        case (.pad(let p), .pad(let value)):
            w.block("static const tc_pad_params \(name) =", trailer: ";") { w in
                w.line(".input = \(shape3(x)), .output = \(shape3(y)),")
                w.line(".pad = \(pads(p)), .pad_value = \(value),")
            }
            w.line()
            return ["tc_pad_s8_ref(&\(name), \(arena(node.inputs[0])), \(arena(node.outputs[0])));"]
        case (.activation, .clamp(let lo, let hi)):
            w.block("static const tc_clamp_params \(name) =", trailer: ";") { w in
                w.line(".size = \(graph.type(node.outputs[0]).count), .act_min = \(lo), .act_max = \(hi),")
            }
            w.line()
            return ["tc_clamp_s8_ref(&\(name), \(arena(node.inputs[0])), \(arena(node.outputs[0])));"]
        case (.activation, .requantize(let p)), (.requantize, .requantize(let p)):
            w.block("static const tc_requantize_params \(name) =", trailer: ";") { w in
                w.line(".size = \(graph.type(node.outputs[0]).count),")
                w.line(".input_offset = \(p.inputOffset), .output_offset = \(p.outputOffset),")
                w.line(".mult = \(p.multiplier.mult), .shift = \(p.multiplier.shift),")
                w.line(".act_min = \(p.actMin), .act_max = \(p.actMax),")
            }
            w.line()
            return ["tc_requantize_s8_ref(&\(name), \(arena(node.inputs[0])), \(arena(node.outputs[0])));"]
        case (.logistic, .logistic(let p)):
            w.block("static const tc_logistic_params \(name) =", trailer: ";") { w in
                w.line(".size = \(graph.type(node.outputs[0]).count),")
                w.line(".input_zero_point = \(p.inputZeroPoint), .input_range_radius = \(p.inputRangeRadius),")
                w.line(".input_multiplier = \(p.inputMultiplier), .input_left_shift = \(p.inputLeftShift),")
            }
            w.line()
            return ["tc_logistic_s8_ref(&\(name), \(arena(node.inputs[0])), \(arena(node.outputs[0])));"]
        case (.reshape, .copy):
            return ["memcpy(\(arena(node.outputs[0])), \(arena(node.inputs[0])), \(graph.type(node.outputs[0]).count));"]
        case (.concat(let axis), .copy):
            let outer = y[..<axis].reduce(1, *)
            let inner = node.inputs.map { graph.type($0).shape[axis...].reduce(1, *) }
            w.line("static const int32_t \(name)_inner[\(inner.count)] = {\(inner.map(String.init).joined(separator: ", "))};")
            w.line("static const tc_concat_params \(name) = {.outer = \(outer), .count = \(inner.count), .inner = \(name)_inner};")
            w.line()
            let inputs = node.inputs.map { "(const int8_t *)\(arena($0))" }.joined(separator: ", ")
            return ["{", "    const int8_t *const inputs[\(inner.count)] = {\(inputs)};",
                    "    tc_concat_s8_ref(&\(name), inputs, \(arena(node.outputs[0])));", "}"]
        default:
            throw .node(index, node, "no int8 C kernel for this op (is the graph quantized?)")
        }
    }
}

extension ModelEmitter {
    /// The kernel node `index` runs with, in the context the schedule puts it in: the epilogue-fused
    /// conv + add, in-place depthwise, a patch-stage tile, or plain.
    func kernel(_ index: Int) -> KernelLibrary.Choice { schedule.kernel(graph, index) }

    /// `static const` folded bias of node `index` when its kernel takes one (FoldedBias).
    func emitFoldedBias(_ index: Int, _ p: IntegerParams.Conv, into w: inout CWriter) {
        guard kernel(index).foldedBias else { return }
        let values = FoldedBias.of(index, in: graph, inputOffset: p.inputOffset)
        w.line("/* bias + input_offset * sum of each output channel's taps (the _dsp kernels' folded bias) */")
        w.line("static const int32_t \(foldedBiasName(index))[\(values.count)]\(placement(weightsSection)) = {")
        w.values(values, perLine: 8) { $0 == Int32.min ? "(-2147483647 - 1)" : "\($0)" }
        w.line("};")
    }
}
