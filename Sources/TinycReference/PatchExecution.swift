import TinycIR
import TinycSchedule

/// The sizes and local padding of one windowed op on one tile (see `PatchGeometry`).
struct TileWindow {
    var inH: Int, inW: Int, outH: Int, outW: Int
    var padTop: Int, padLeft: Int

    func apply(to g: inout Window) {
        g.inH = inH; g.inW = inW; g.outH = outH; g.outW = outW
        g.pads.top = padTop; g.pads.left = padLeft
        g.pads.bottom = 0; g.pads.right = 0  // unused: taps past the tile are past the tensor
    }
}

extension ReferenceInterpreter {
    /// Runs the graph with the patch stage of `patch`, tile by tile, exactly as the generated C
    /// does: every node of the stage computes only its tile's region from the tiles of its inputs
    /// (element-wise ops read the crop of a larger input tile), the stage tensor's tiles are
    /// assembled into the full stage tensor, and the rest of the graph runs as usual.
    ///
    /// Equal to `run(_:)` for every legal plan; tests check that over sweeps of splits and grids,
    /// which checks the geometry independently of the C code generator.
    ///
    /// `tileHook`, when given, sees (and may change) every tile of every stage tensor as soon as it
    /// exists — the input tile, then each node's output tile — with the grid row and column: the
    /// value-driven patch experiment (`ValueDrivenPatch.swift`) classifies and requantizes tiles there.
    public func runPatched(_ input: TensorValue, patch: PatchGeometry,
                           tileHook: ((_ tensor: TensorID, _ row: Int, _ col: Int, _ values: inout [Int8]) -> Void)? = nil)
        throws(GraphError) -> TensorValue {
        var values = [TensorValue?](repeating: nil, count: graph.tensors.count)
        for (id, value) in constantValues { values[id.index] = value }
        let inputID = graph.inputs[0]
        guard input.count == graph.type(inputID).count, let full = input.int8 else {
            throw GraphError(.graph, "runPatched needs the int8 input of \(graph.type(inputID).count) values")
        }
        values[inputID.index] = input
        let stageShape = graph.type(patch.stageTensor).shape
        var stage = [Int8](repeating: 0, count: graph.type(patch.stageTensor).count)
        for i in 0..<patch.grid.h {
            for j in 0..<patch.grid.w {
                // Tile data of every stage tensor, dense rows × cols × C.
                var tiles: [TensorID: [Int8]] = [inputID: Self.crop(full, graph.type(inputID).shape, patch.region(inputID, i, j))]
                tileHook?(inputID, i, j, &tiles[inputID]!)
                for n in 0..<patch.split {
                    let node = graph.nodes[n]
                    let out = node.outputs[0]
                    let outRegion = patch.region(out, i, j)
                    var operands = values
                    // Element-wise ops keep these sizes; windowed ops set their input's below.
                    var tile = TileWindow(inH: outRegion.rows.count, inW: outRegion.cols.count,
                                          outH: outRegion.rows.count, outW: outRegion.cols.count, padTop: 0, padLeft: 0)
                    for t in PatchStage.activationInputs(graph, n) {
                        let region = patch.region(t, i, j)
                        let c = graph.type(t).shape[3]
                        if !PatchStage.isWindowed(graph, n) {
                            // Element-wise: the part of the input tile under the output tile.
                            let data = Self.crop(tiles[t]!, [1, region.rows.count, region.cols.count, c],
                                                 TileRegion(rows: Span(outRegion.rows.lower - region.rows.lower, outRegion.rows.upper - region.rows.lower),
                                                            cols: Span(outRegion.cols.lower - region.cols.lower, outRegion.cols.upper - region.cols.lower)))
                            operands[t.index] = .s8(data)
                        } else {
                            operands[t.index] = .s8(tiles[t]!)
                            tile = TileWindow(
                                inH: region.rows.count, inW: region.cols.count,
                                outH: outRegion.rows.count, outW: outRegion.cols.count,
                                padTop: patch.localPad(node: n, input: t, output: out, row: i),
                                padLeft: patch.localPad(node: n, input: t, output: out, col: j))
                        }
                    }
                    let x = try Operands(index: n, graph: graph, values: operands)
                    let y = try evaluate(n, x, tile: tile)
                    guard var data = y.int8 else { throw .node(n, node, "runPatched supports int8 graphs only") }
                    tileHook?(out, i, j, &data)
                    tiles[out] = data
                }
                // The stage tile goes to its place in the stage tensor.
                let region = patch.region(patch.stageTensor, i, j)
                let c = stageShape[3], tile = tiles[patch.stageTensor]!
                for r in 0..<region.rows.count {
                    for col in 0..<region.cols.count {
                        let dst = ((region.rows.lower + r) * stageShape[2] + region.cols.lower + col) * c
                        let src = (r * region.cols.count + col) * c
                        stage.replaceSubrange(dst..<(dst + c), with: tile[src..<(src + c)])
                    }
                }
            }
        }
        values[patch.stageTensor.index] = .s8(stage)
        for n in patch.split..<graph.nodes.count {
            let operands = try Operands(index: n, graph: graph, values: values)
            values[graph.nodes[n].outputs[0].index] = try evaluate(n, operands)
        }
        guard let output = values[graph.outputs[0].index] else {
            throw GraphError(.tensor(name: graph[graph.outputs[0]].name), "graph output was not computed")
        }
        return output
    }

    /// Rows × cols of an `[1, H, W, C]` tensor, dense.
    static func crop(_ data: [Int8], _ shape: [Int], _ region: TileRegion) -> [Int8] {
        let w = shape[2], c = shape[3]
        var out: [Int8] = []
        out.reserveCapacity(region.rows.count * region.cols.count * c)
        for r in 0..<region.rows.count {
            let start = ((region.rows.lower + r) * w + region.cols.lower) * c
            out.append(contentsOf: data[start..<(start + region.cols.count * c)])
        }
        return out
    }
}
