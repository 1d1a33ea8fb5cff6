import Foundation
import Testing
import TinycFrontends
import TinycIR
import TinycReference
import TinycSchedule

/// Patch-stage geometry checked by running it: tile by tile in Swift (`runPatched`) must give the
/// same bytes as the layer-by-layer run, for every legal split and a sweep of grids (square,
/// rectangular, not dividing the stage size), on real models.
enum PatchModels {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let mlperf = root.deletingLastPathComponent().appendingPathComponent("shared/models/mlperf-tiny")

    static func load(_ name: String) throws -> Graph {
        try TFLiteReader.read(contentsOf: mlperf.appendingPathComponent("\(name).tflite"))
    }

    static func randomInput(_ graph: Graph, seed: UInt64) -> [Int8] {
        var rng = SplitMix64(seed: seed)
        return (0..<graph.type(graph.inputs[0]).count).map { _ in Int8(truncatingIfNeeded: rng.next()) }
    }
}

@Test(arguments: ["vww_96_int8", "pretrainedResnet_quant", "kws_ref_model"])
func patchedRunEqualsLayerByLayerForEverySplit(model: String) throws {
    let graph = try PatchModels.load(model)
    let interpreter = try ReferenceInterpreter(graph)
    let splits = PatchStage.legalSplits(graph)
    #expect(!splits.isEmpty)
    let input = PatchModels.randomInput(graph, seed: 7)
    let expected = try interpreter.run(.s8(input))
    let grids = [HW(2, 2), HW(3, 2), HW(1, 4), HW(5, 3)]
    // every legal split with one grid, rotating through the grid list; the full sweep is below
    for (k, split) in splits.enumerated() {
        let stage = graph.type(graph.nodes[split - 1].outputs[0]).shape
        var grid = grids[k % grids.count]
        grid = HW(min(grid.h, stage[1]), min(grid.w, stage[2]))
        let patch = PatchGeometry(graph: graph, split: split, grid: grid)
        let got = try interpreter.runPatched(.s8(input), patch: patch)
        #expect(got == expected, "\(model): split \(split) grid \(grid)")
    }
}

/// A seeded random sweep over split × grid (grids up to 8×8, square or not, dividing the stage size
/// or not), tile by tile against layer by layer, on a fresh random input per plan.
@Test(arguments: ["vww_96_int8", "pretrainedResnet_quant", "kws_ref_model"])
func patchedRunEqualsLayerByLayerOverRandomPlans(model: String) throws {
    let graph = try PatchModels.load(model)
    let interpreter = try ReferenceInterpreter(graph)
    let splits = PatchStage.legalSplits(graph)
    var rng = SplitMix64(seed: 0x9A7C4)
    var nonSquare = 0, nonDividing = 0
    for trial in 0..<10 {
        let split = splits[Int(rng.next() % UInt64(splits.count))]
        let stage = graph.type(graph.nodes[split - 1].outputs[0]).shape
        let grid = HW(1 + Int(rng.next() % UInt64(min(8, stage[1]))), 1 + Int(rng.next() % UInt64(min(8, stage[2]))))
        if grid.h != grid.w { nonSquare += 1 }
        if stage[1] % grid.h != 0 || stage[2] % grid.w != 0 { nonDividing += 1 }
        let input = PatchModels.randomInput(graph, seed: UInt64(trial))
        let patch = PatchGeometry(graph: graph, split: split, grid: grid)
        #expect(try interpreter.runPatched(.s8(input), patch: patch) == interpreter.run(.s8(input)),
                "\(model): split \(split) grid \(grid)")
    }
    #expect(nonSquare > 0 && nonDividing > 0, "the sweep should include non-square and non-dividing grids")
}

/// The check above can fail: a tile geometry one row off gives different bytes. (On the first four
/// layers of vww alone, so the stage tensor is the output: vww's two-class output could hide it.)
@Test func aWrongTileGeometryIsCaught() throws {
    var graph = try PatchModels.load("vww_96_int8")
    graph.nodes = Array(graph.nodes.prefix(4))
    graph.outputs = [graph.nodes[3].outputs[0]]
    graph.compactTensors()
    let interpreter = try ReferenceInterpreter(graph)
    #expect(try interpreter.runPatched(.s8(PatchModels.randomInput(graph, seed: 3)), patch: PatchGeometry(graph: graph, split: 4, grid: HW(3, 3)))
            == interpreter.run(.s8(PatchModels.randomInput(graph, seed: 3))))
    var patch = PatchGeometry(graph: graph, split: 4, grid: HW(3, 3))
    let input = PatchModels.randomInput(graph, seed: 3)
    let first = graph.nodes[0].outputs[0]
    // drop the last row of the first layer's middle tile: the next layer now treats it as padding
    patch.rows[first]![1].upper -= 1
    #expect(try interpreter.runPatched(.s8(input), patch: patch) != interpreter.run(.s8(input)))
}
