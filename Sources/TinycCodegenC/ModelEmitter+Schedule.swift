import TinycIR
import TinycSchedule

/// The memory techniques of the schedule in C: in-place depthwise, conv + residual add fusion, and
/// the patch stage (tile loops over layers `0..<split`, MCUNetV2).
extension ModelEmitter {
    /// Writes node `index`'s constants and returns the statements that run it outside the patch
    /// stage (for a patch-stage node the statements are unused: `emitPatchStage` writes its calls).
    func call(_ index: Int, into w: inout CWriter) throws(GraphError) -> [String] {
        let lines = try emitLayer(index, into: &w)
        let node = graph.nodes[index]
        if let conv = schedule.fusedAdds.first(where: { $0.value == index })?.key {
            return ["/* computed in the epilogue of layer \(conv) (\(CName.comment(graph.nodes[conv].name))) */"]
        }
        if let addIndex = schedule.fusedAdds[index] {
            let add = graph.nodes[addIndex]
            let c = node.outputs[0]
            let residual = add.inputs[0] == c ? add.inputs[1] : add.inputs[0]
            let (weights, bias) = constantOperands(index)
            return [
                "/* fused with \(CName.comment(add.name)): the sum is written over the residual operand in place */",
                "\(kernel(index).name)(&\(layerName(index)), &\(layerName(addIndex)), \(add.inputs[1] == c ? 1 : 0), "
                    + "\(arena(node.inputs[0])), \(weights), \(bias), \(arena(residual)), \(arena(add.outputs[0]))\(scratchOperand(index)));",
            ]
        }
        if schedule.inPlaceDepthwise.contains(index), schedule.patch.map({ index >= $0.split }) ?? true {
            return [inPlaceDepthwiseCall(index, params: "&\(layerName(index))")]
        }
        return lines
    }

    func inPlaceDepthwiseCall(_ index: Int, params: String) -> String {
        let (weights, bias) = constantOperands(index)
        return "\(kernel(index).name)(\(params), \(arena(graph.nodes[index].inputs[0])), \(weights), \(bias), "
            + "arena + \(schedule.memory.offsets[schedule.planes[index]!]!)); /* in place, one channel plane of scratch */"
    }

    /// Per patch-stage node and activation input `k`: the tile spans per grid row and column.
    func tableName(_ index: Int, _ k: Int, _ axis: String) -> String { "\(layerName(index))_\(axis)\(k == 0 ? "" : "\(k + 1)")" }

    func emitTileTables(_ patch: PatchGeometry, into w: inout CWriter) throws(GraphError) {
        w.line("/* Tile geometry of the patch stage: for each grid row (and column), the span of the layer's input tile")
        w.line(" * (start in the full tensor, size), of its output tile, and the padding before the input tile as the")
        w.line(" * kernel sees it (negative when the tile starts above the receptive field). */")
        w.line("typedef struct { int16_t in_start, in_size, out_start, out_size, pad; } tile_span;")
        w.line()
        for n in 0..<patch.split {
            let y = graph.nodes[n].outputs[0]
            for (k, x) in PatchStage.activationInputs(graph, n).enumerated() {
                for (axis, count) in [("rows", patch.grid.h), ("cols", patch.grid.w)] {
                    let spans = (0..<count).map { i -> [Int] in
                        let (a, b) = axis == "rows" ? (patch.rows[x]![i], patch.rows[y]![i]) : (patch.cols[x]![i], patch.cols[y]![i])
                        let pad = !PatchStage.isWindowed(graph, n) ? 0
                            : axis == "rows" ? patch.localPad(node: n, input: x, output: y, row: i)
                            : patch.localPad(node: n, input: x, output: y, col: i)
                        return [a.count > 0 ? a.lower : 0, a.count, b.count > 0 ? b.lower : 0, b.count, pad]
                    }
                    guard spans.allSatisfy({ $0.allSatisfy { abs($0) < 32768 } }) else {
                        throw .node(n, graph.nodes[n], "a tile span does not fit int16")
                    }
                    w.line("static const tile_span \(tableName(n, k, axis))[\(count)] = {"
                        + spans.map { "{\($0.map(String.init).joined(separator: ", "))}" }.joined(separator: ", ") + "};")
                }
            }
        }
        w.line()
        w.block("static void tile_window(tc_shape3 *in, tc_shape3 *out, tc_pad4 *pad, const tile_span *r, const tile_span *c)") { w in
            w.line("in->h = r->in_size; in->w = c->in_size;")
            w.line("out->h = r->out_size; out->w = c->out_size;")
            w.line("/* the kernels find the bottom/right edge from in->h and in->w */")
            w.line("pad->top = r->pad; pad->left = c->pad; pad->bottom = 0; pad->right = 0;")
        }
        w.line()
    }

    /// The tile loops: for every tile, layers `0..<split` on their tile buffers; the graph input is
    /// read in place with its row stride, the last layer writes straight into the stage buffer.
    func emitPatchStage(_ patch: PatchGeometry, calls: [[String]], into w: inout CWriter) {
        let stage = graph.type(patch.stageTensor).shape
        let layerMACs = Schedule.macs(graph, patch: nil)
        let extra = Double(schedule.macs - layerMACs) / Double(max(layerMACs, 1)) * 100
        w.line("/* Patch stage (MCUNetV2): layers 0-\(patch.split - 1) run on \(patch.grid.h)x\(patch.grid.w) tiles of the stage tensor")
        w.line(" * (the output of '\(CName.comment(graph.nodes[patch.split - 1].name))', \(Graph.format(graph.type(patch.stageTensor)))), which fills in place")
        w.line(" * at arena + \(offset(patch.stageTensor)).")
        w.line(" * Tile buffers are reused by every tile; halos are recomputed (\(String(format: "%+.1f", extra))% MACs in all). */")
        w.block("for (int ti = 0; ti < \(patch.grid.h); ti++)") { w in
            w.block("for (int tj = 0; tj < \(patch.grid.w); tj++)") { w in
                for n in 0..<patch.split {
                    w.line("/* \(CName.comment(graph.nodes[n].name)): \(CName.comment(irLine(n))) */")
                    w.block("") { w in tileCall(n, patch, stageRowStride: stage[2] * stage[3], into: &w) }
                }
            }
        }
    }

    func tileCall(_ n: Int, _ patch: PatchGeometry, stageRowStride: Int, into w: inout CWriter) {
        let node = graph.nodes[n]
        let name = layerName(n)
        let x = node.inputs[0], y = node.outputs[0]
        let yShape = graph.type(y).shape
        let inputs = PatchStage.activationInputs(graph, n)
        let full = { (t: TensorID) in graph.inputs.contains(t) || t == patch.stageTensor }
        if PatchStage.isWindowed(graph, n) {
            // Windowed op: the whole input tile, local padding, strided input/output when full-size.
            let type: String
            switch node.op {
            case .conv2d: type = "tc_conv2d_params"
            case .depthwiseConv2d: type = "tc_dwconv_params"
            default: type = "tc_pool_params"
            }
            w.line("const tile_span *r = &\(tableName(n, 0, "rows"))[ti], *c = &\(tableName(n, 0, "cols"))[tj];")
            w.line("\(type) p = \(name);")
            w.line("tile_window(&p.input, &p.output, &p.pad, r, c);")
            let xShape = graph.type(x).shape
            let input = full(x) ? "\(arena(x)) + ((size_t)r->in_start * \(xShape[2]) + c->in_start) * \(xShape[3])" : arena(x)
            if full(x) { w.line("p.in_row_stride = \(xShape[2] * xShape[3]);") }
            let output = y == patch.stageTensor
                ? "\(arena(y)) + ((size_t)r->out_start * \(yShape[2]) + c->out_start) * \(yShape[3])" : arena(y)
            if y == patch.stageTensor { w.line("p.out_row_stride = \(stageRowStride);") }
            let (weights, bias) = constantOperands(n)
            switch node.op {
            case .conv2d where kernel(n).name == "tc_conv2d_1x1_s8_dsp":
                // The pointwise kernel takes no padding: give it the crop of the input tile under
                // the output tile (the local pads are 0 or negative), with the tile's row stride.
                let c = xShape[3]
                w.line("p.in_row_stride = \(full(x) ? "\(xShape[2] * c)" : "c->in_size * \(c)");")
                w.line("p.input.h = r->out_size; p.input.w = c->out_size; p.pad.top = 0; p.pad.left = 0;")
                w.line("tc_conv2d_1x1_s8_dsp(&p, \(input) + ((size_t)(-r->pad) * p.in_row_stride + (size_t)(-c->pad) * \(c)), "
                    + "\(weights), \(bias), \(output));")
            case .depthwiseConv2d where schedule.inPlaceDepthwise.contains(n):
                w.line(inPlaceDepthwiseCall(n, params: "&p"))
            case .conv2d, .depthwiseConv2d:
                w.line("\(kernel(n).name)(&p, \(input), \(weights), \(bias), \(output)\(scratchOperand(n)));")
            default:
                w.line("\(kernel(n).name)(&p, \(input), \(output));")
            }
            return
        }
        // Element-wise op: one call per output row, each input read at the output tile's place
        // inside its own (possibly larger) tile.
        let c = yShape[3]
        w.line("const tile_span *r = &\(tableName(n, 0, "rows"))[ti], *c = &\(tableName(n, 0, "cols"))[tj];")
        var pointers: [String] = []
        for (k, t) in inputs.enumerated() {
            let rk = tableName(n, k, "rows"), ck = tableName(n, k, "cols")
            let shape = graph.type(t).shape
            if full(t) {
                pointers.append("\(arena(t)) + ((size_t)(r->out_start + y) * \(shape[2]) + c->out_start) * \(c)")
            } else {
                pointers.append("\(arena(t)) + ((size_t)(r->out_start - \(rk)[ti].in_start + y) * \(ck)[tj].in_size + c->out_start - \(ck)[tj].in_start) * \(c)")
            }
        }
        let output = y == patch.stageTensor
            ? "\(arena(y)) + ((size_t)(r->out_start + y) * \(yShape[2]) + c->out_start) * \(c)"
            : "\(arena(y)) + (size_t)y * c->out_size * \(c)"
        switch node.op {
        case .add:
            w.line("tc_add_params p = \(name);")
            w.line("p.size = c->out_size * \(c);")
            let second = node.inputs[1] == node.inputs[0] ? pointers[0] : pointers[1]
            w.line("for (int y = 0; y < r->out_size; y++)")
            w.line("    \(kernel(n).name)(&p, \(pointers[0]), \(second), \(output));")
        default:
            let (type, kernel) = kernelOfElementwise(n)
            w.line("\(type) p = \(name);")
            w.line("p.size = c->out_size * \(c);")
            w.line("for (int y = 0; y < r->out_size; y++)")
            w.line("    \(kernel)(&p, \(pointers[0]), \(output));")
        }
    }

    /// The params type and kernel of a standalone activation or requantize node.
    func kernelOfElementwise(_ n: Int) -> (String, String) {
        if case .clamp = try? IntegerParams.of(n, in: graph) { return ("tc_clamp_params", "tc_clamp_s8_ref") }
        return ("tc_requantize_params", "tc_requantize_s8_ref")
    }
}
