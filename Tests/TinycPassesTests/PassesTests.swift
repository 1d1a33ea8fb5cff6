import Foundation
import Testing
import TinycFrontends
import TinycIR
import TinycPasses
import TinycReference

/// Each pass on the digits example and on small hand-built graphs: structure (textual IR) and
/// numerics (the float reference interpreter gives the same outputs before and after).
struct PassesTests {
    static let digits = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Examples/digits/digits.json").standardized

    /// Deterministic float inputs in [0, 1].
    static func inputs(_ n: Int, count: Int) -> [[Float]] {
        var state: UInt64 = 12345
        return (0..<count).map { _ in
            (0..<n).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Float(state >> 40) / Float(1 << 24)
            }
        }
    }

    func outputs(_ g: Graph, _ xs: [[Float]]) throws -> [[Float]] {
        let r = try ReferenceInterpreter(g)
        return try xs.map { try r.run(.f32($0)).floats ?? [] }
    }

    @Test func foldBatchNormKeepsTheFunction() throws {
        var g = try NetJSONReader.read(contentsOf: Self.digits)
        let xs = Self.inputs(64, count: 8)
        let before = try outputs(g, xs)
        try Pass.foldBatchNorm.run(&g)
        try Verifier.verify(g)
        #expect(!g.nodes.contains { $0.op.name == "batch_norm" })
        let after = try outputs(g, xs)
        for (a, b) in zip(before, after) {
            for (u, v) in zip(a, b) { #expect(abs(u - v) < 1e-5) }
        }
    }

    @Test func batchNormWithoutAFoldableProducerBecomesADepthwiseConv() throws {
        var g = Graph(name: "bn")
        let x = g.addTensor("x", TensorType(shape: [1, 2, 2, 2], dtype: .f32))
        let params = (0..<4).map { i in
            g.addTensor("p\(i)", TensorType(shape: [2], dtype: .f32), data: ConstantData(floats: [Float(i) + 0.5, 2]))
        }
        let y = g.addTensor("y", TensorType(shape: [1, 2, 2, 2], dtype: .f32))
        g.nodes = [Node(op: .batchNorm(epsilon: 0), inputs: [x] + params, outputs: [y], name: "bn")]
        g.inputs = [x]
        g.outputs = [y]
        let xs = Self.inputs(8, count: 3)
        let before = try outputs(g, xs)
        try Pass.foldBatchNorm.run(&g)
        #expect(g.nodes.map(\.op.name) == ["depthwise_conv2d"])
        let after = try outputs(g, xs)
        for (a, b) in zip(before, after) {
            for (u, v) in zip(a, b) { #expect(abs(u - v) < 1e-5) }
        }
    }

    @Test func fusesActivationsIntoTheirProducers() throws {
        var g = try NetJSONReader.read(contentsOf: Self.digits)
        try Pass.foldBatchNorm.run(&g)
        try Pass.fuseActivations.run(&g)
        try Verifier.verify(g)
        let ops = g.nodes.map(\.op.name)
        #expect(!ops.contains("relu") && !ops.contains("relu6"))
        #expect(g.nodes[0].op.fusedActivation == .relu)   // conv1 + bn1 + relu1
        #expect(g.nodes[1].op.fusedActivation == .relu6)  // dw2 + relu6_2
        #expect(g.description.contains("= conv2d %0, "))
    }

    @Test func doesNotFuseIntoAProducerWithAnotherReader() throws {
        // x -> conv -> c; c -> relu -> r; c is also a graph output, so relu must stay.
        var g = Graph(name: "keep")
        let x = g.addTensor("x", TensorType(shape: [1, 2, 2, 1], dtype: .f32))
        let w = g.addTensor("w", TensorType(shape: [1, 1, 1, 1], dtype: .f32), data: ConstantData(floats: [2]))
        let c = g.addTensor("c", TensorType(shape: [1, 2, 2, 1], dtype: .f32))
        let r = g.addTensor("r", TensorType(shape: [1, 2, 2, 1], dtype: .f32))
        g.nodes = [Node(op: .conv2d(Conv2D()), inputs: [x, w], outputs: [c], name: "conv"),
                   Node(op: .activation(.relu), inputs: [c], outputs: [r], name: "relu"),
                   Node(op: .add(.none), inputs: [c, r], outputs: [g.addTensor("s", TensorType(shape: [1, 2, 2, 1], dtype: .f32))], name: "add")]
        g.inputs = [x]
        g.outputs = [g.nodes[2].outputs[0]]
        try Pass.fuseActivations.run(&g)
        #expect(g.nodes.map(\.op.name) == ["conv2d", "relu", "add"])
    }

    @Test func removesDeadNodes() throws {
        var g = try NetJSONReader.read(contentsOf: Self.digits)
        // Make the mean the output: the fully connected layer and softmax become dead.
        let mean = g.nodes.first { $0.op.name == "mean" }!.outputs[0]
        g.outputs = [mean]
        try Pass.eliminateDeadNodes.run(&g)
        try Verifier.verify(g)
        #expect(g.nodes.last?.op.name == "mean")
        #expect(!g.nodes.contains { $0.op.name == "softmax" || $0.op.name == "fully_connected" })
    }

    @Test func quantizesToAVerifiedInt8GraphCloseToFloat() throws {
        let source = try NetJSONReader.read(contentsOf: Self.digits)
        let calib = Self.inputs(64, count: 32)
        let q = try Pipeline.run(Pipeline.standard(PipelineOptions(calibration: calib)), on: source)
        #expect(q.type(q.inputs[0]).dtype == .s8)
        #expect(q.tensors.allSatisfy { $0.type.dtype == .s8 || $0.type.dtype == .s32 })
        #expect(q.type(q.outputs[0]).quantization == .perTensor(scale: 1.0 / 256, zeroPoint: -128))
        // The max pool shares its input's quantization (TFLite's int8 rule).
        let pool = q.nodes.first { $0.op.name == "max_pool2d" }!
        #expect(q.type(pool.inputs[0]).quantization == q.type(pool.outputs[0]).quantization)
        let f = try ReferenceInterpreter(Pipeline.run([.foldBatchNorm], on: source))
        let i8 = try ReferenceInterpreter(q)
        let (s, z) = q.type(q.inputs[0]).quantization.perTensorParameters!
        // Random inputs are far from digits, so logits are close and softmax magnifies small
        // differences: bound the mean error and the top-1 agreement, not every probability.
        var sum: Float = 0, agree = 0
        for x in calib {
            let expected = try f.run(.f32(x)).floats!
            let got = ReferenceInterpreter.dequantize(try i8.run(.s8(ReferenceInterpreter.quantize(x, scale: s, zeroPoint: z))).int8!, scale: 1.0 / 256, zeroPoint: -128)
            sum += zip(expected, got).map { abs($0 - $1) }.reduce(0, +) / Float(got.count)
            if expected.firstIndex(of: expected.max()!) == got.firstIndex(of: got.max()!) { agree += 1 }
        }
        #expect(sum / Float(calib.count) < 0.03)
        #expect(agree >= calib.count * 3 / 4)
    }

    @Test func quantizeNeedsCalibrationForFloatModels() throws {
        let source = try NetJSONReader.read(contentsOf: Self.digits)
        #expect(throws: GraphError.self) { try Pipeline.run(Pipeline.standard(PipelineOptions()), on: source) }
    }

    @Test func aReshapeAfterSoftmaxKeepsSoftmaxQuantization() throws {
        var g = Graph(name: "sm")
        let x = g.addTensor("x", TensorType(shape: [1, 4], dtype: .f32))
        let w = g.addTensor("w", TensorType(shape: [3, 4], dtype: .f32), data: ConstantData(floats: (0..<12).map { Float($0 % 5) - 2 }))
        let f = g.addTensor("f", TensorType(shape: [1, 3], dtype: .f32))
        let p = g.addTensor("p", TensorType(shape: [1, 3], dtype: .f32))
        let y = g.addTensor("y", TensorType(shape: [1, 1, 1, 3], dtype: .f32))
        g.nodes = [Node(op: .fullyConnected(FullyConnected()), inputs: [x, w], outputs: [f], name: "fc"),
                   Node(op: .softmax(beta: 1), inputs: [f], outputs: [p], name: "softmax"),
                   Node(op: .reshape, inputs: [p], outputs: [y], name: "reshape")]
        g.inputs = [x]
        g.outputs = [y]
        let q = try Pipeline.run(Pipeline.standard(PipelineOptions(calibration: Self.inputs(4, count: 8))), on: g)
        #expect(q.type(q.outputs[0]).quantization == .perTensor(scale: 1.0 / 256, zeroPoint: -128))
    }

    /// fc → add (+ a broadcast per-channel constant) → pad (with a value) → logistic: logistic's output
    /// is bound to (1/256, −128); pad's input, value and output share one quantization; the int8
    /// graph verifies and follows the float one.
    @Test func quantizesLogisticBroadcastAddAndPadWithValue() throws {
        var g = Graph(name: "ops")
        let x = g.addTensor("x", TensorType(shape: [1, 4], dtype: .f32))
        let w = g.addTensor("w", TensorType(shape: [6, 4], dtype: .f32), data: ConstantData(floats: (0..<24).map { Float($0 % 5) - 2 }))
        let f = g.addTensor("f", TensorType(shape: [1, 6], dtype: .f32))
        let r = g.addTensor("r", TensorType(shape: [1, 1, 2, 3], dtype: .f32))
        let k = g.addTensor("k", TensorType(shape: [3], dtype: .f32), data: ConstantData(floats: [0.5, -1, 2]))
        let a = g.addTensor("a", TensorType(shape: [1, 1, 2, 3], dtype: .f32))
        let v = g.addTensor("v", TensorType(shape: [1], dtype: .f32), data: ConstantData(floats: [-0.25]))
        let p = g.addTensor("p", TensorType(shape: [1, 2, 2, 3], dtype: .f32))
        let y = g.addTensor("y", TensorType(shape: [1, 2, 2, 3], dtype: .f32))
        g.nodes = [Node(op: .fullyConnected(FullyConnected()), inputs: [x, w], outputs: [f], name: "fc"),
                   Node(op: .reshape, inputs: [f], outputs: [r], name: "reshape"),
                   Node(op: .add(.none), inputs: [r, k], outputs: [a], name: "add"),
                   Node(op: .pad(Pads(top: 1, bottom: 0, left: 0, right: 0)), inputs: [a, v], outputs: [p], name: "pad"),
                   Node(op: .logistic, inputs: [p], outputs: [y], name: "sig")]
        g.inputs = [x]
        g.outputs = [y]
        let calibration = Self.inputs(4, count: 8)
        let q = try Pipeline.run(Pipeline.standard(PipelineOptions(calibration: calibration)), on: g)
        #expect(q.type(q.outputs[0]).quantization == .perTensor(scale: 1.0 / 256, zeroPoint: -128))
        let pad = try #require(q.nodes.first { $0.op.name == "pad" })
        #expect(Set(pad.inputs.map { q.type($0).quantization } + [q.type(pad.outputs[0]).quantization]).count == 1)
        let floatOut = try outputs(g, calibration)
        let int8 = try ReferenceInterpreter(q)
        let (s, z) = q.type(q.outputs[0]).quantization.perTensorParameters!
        for (input, expected) in zip(calibration, floatOut) {
            let (si, zi) = q.type(q.inputs[0]).quantization.perTensorParameters!
            let out = try int8.run(.s8(ReferenceInterpreter.quantize(input, scale: si, zeroPoint: zi))).int8!
            let real = ReferenceInterpreter.dequantize(out, scale: s, zeroPoint: z)
            #expect(zip(real, expected).allSatisfy { abs($0 - $1) < 0.05 }, "\(real) vs \(expected)")
        }
    }
}
