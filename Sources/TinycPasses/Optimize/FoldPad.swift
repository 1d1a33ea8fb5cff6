import TinycIR

/// Folds a standalone PAD into the convolution or depthwise convolution that reads it, as explicit
/// padding: `pad → conv(valid)` becomes `conv(explicit pads)` (ALGORITHMS.md §2.2). Keras puts a
/// `ZeroPadding2D` before every stride-2 depthwise of MobileNetV2, and the TFLite converter keeps
/// it as a PAD op; folded, the padded tensor is never stored (less SRAM, no copy) and the
/// convolution stays spatially local, so it can run in a patch stage.
///
/// Exact: the kernels skip taps outside the input, which contribute `w·(x − z_in)` = 0 exactly
/// when the padded value is the input zero point (int8: PAD pads with its output zero point, which
/// is the conv's input zero point; PADV2 only when its value equals it) or 0 (float). Pooling is
/// never folded: max pool ignores skipped taps and average pool does not count them, unlike padded
/// values. The pad's output must have no other reader and not be a graph output.
extension Pass {
    public static let foldPad = Pass("fold-pad") { (graph: inout Graph) throws(GraphError) in
        var index = 0
        while index < graph.nodes.count {
            let node = graph.nodes[index]
            guard case .pad(let pads) = node.op, let consumer = foldTarget(index, in: graph) else {
                index += 1
                continue
            }
            var conv = graph.nodes[consumer]
            let x = graph.type(node.inputs[0]).shape
            let padded = HW(x[1] + pads.top + pads.bottom, x[2] + pads.left + pads.right)
            func merge(_ kernel: HW, _ stride: HW, _ dilation: HW, _ padding: Padding) -> Padding {
                let p = WindowGeometry.pads(input: padded, kernel: kernel, stride: stride, dilation: dilation, padding: padding)
                return .explicit(Pads(top: p.top + pads.top, bottom: p.bottom + pads.bottom,
                                      left: p.left + pads.left, right: p.right + pads.right))
            }
            let w = graph.type(conv.inputs[1]).shape
            switch conv.op {
            case .conv2d(var a):
                a.padding = merge(HW(w[1], w[2]), a.stride, a.dilation, a.padding)
                conv.op = .conv2d(a)
            case .depthwiseConv2d(var a):
                a.padding = merge(HW(w[1], w[2]), a.stride, a.dilation, a.padding)
                conv.op = .depthwiseConv2d(a)
            default:
                index += 1
                continue
            }
            conv.inputs[0] = node.inputs[0]
            graph.nodes[consumer] = conv
            graph.nodes.remove(at: index)
        }
        graph.compactTensors()
    }

    /// The conv/depthwise node that pad node `index` can fold into, if any.
    private static func foldTarget(_ index: Int, in graph: Graph) -> Int? {
        let pad = graph.nodes[index]
        let y = pad.outputs[0]
        guard let readers = graph.consumers()[y], readers.count == 1, !graph.outputs.contains(y),
              graph.type(y).shape.count == 4 else { return nil }
        let consumer = readers[0]
        let conv = graph.nodes[consumer]
        guard conv.inputs[0] == y, !conv.inputs.dropFirst().contains(y) else { return nil }
        switch conv.op {
        case .conv2d, .depthwiseConv2d: break
        default: return nil
        }
        // The padded value must be what a skipped tap stands for.
        let type = graph.type(y)
        let zeroPoint: Int = type.dtype == .s8 ? Int(type.quantization.perTensorParameters?.zeroPoint ?? 0) : 0
        guard type.dtype != .s8 || type.quantization == graph.type(pad.inputs[0]).quantization else { return nil }
        if pad.inputs.count > 1 {
            guard let data = graph.constants[pad.inputs[1]] else { return nil }
            let value: Int
            switch graph.type(pad.inputs[1]).dtype {
            case .s8: value = Int(data.int8.first ?? 0)
            case .f32: guard data.floats.first == 0 else { return nil }; value = 0
            default: return nil
            }
            guard value == zeroPoint else { return nil }
        }
        return consumer
    }
}
