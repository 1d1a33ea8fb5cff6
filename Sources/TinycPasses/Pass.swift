import TinycIR

/// A named transformation of a graph. The pipeline verifies the graph after every pass.
public struct Pass: Sendable {
    public let name: String
    public let run: @Sendable (inout Graph) throws(GraphError) -> Void

    public init(_ name: String, _ run: @escaping @Sendable (inout Graph) throws(GraphError) -> Void) {
        self.name = name
        self.run = run
    }
}

/// What the standard pipeline needs to know.
public struct PipelineOptions: Sendable {
    /// Float input samples for post-training quantization (ignored for already-quantized models).
    public var calibration: [[Float]]
    /// Post-training ternarization of every conv / depthwise / fully connected layer (nil: off).
    public var ternarize: TernaryScale?
    public init(calibration: [[Float]] = [], ternarize: TernaryScale? = nil) {
        self.calibration = calibration
        self.ternarize = ternarize
    }
}

public enum Pipeline {
    /// The default pipeline, in order. Read this to know what tinyc does to a model.
    public static func standard(_ options: PipelineOptions) -> [Pass] {
        [
            .foldBatchNorm,       // conv + batch_norm -> conv with scaled weights and bias
            .fuseActivations,     // conv + relu6 -> conv {act=relu6}
            .foldPad,             // pad + conv(valid) -> conv(explicit pads), when exact
            .eliminateDeadNodes,  // nodes that no output depends on
        ] + (options.ternarize.map { [.ternarize($0)] } ?? []) + [  // float weights -> ternary, when asked
            .quantize(calibration: options.calibration),  // float -> int8 (no-op for int8 models)
        ]
    }

    /// Runs `passes` in order, verifying the graph after each one. `observe` sees the graph after
    /// every pass (for `--print-ir`).
    public static func run(
        _ passes: [Pass], on graph: Graph, observe: (String, Graph) -> Void = { _, _ in }
    ) throws(GraphError) -> Graph {
        var g = graph
        try Verifier.verify(g)
        for pass in passes {
            try pass.run(&g)
            do { try Verifier.verify(g) } catch {
                throw GraphError(error.location, "after pass \(pass.name): \(error.message)")
            }
            observe(pass.name, g)
        }
        return g
    }
}
