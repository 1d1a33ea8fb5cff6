import Foundation
import Testing
import TinycIR
@testable import TinycReference

// Hand-computed float graphs, one op each.

@Test func floatConvSameStride2PadsBottomRightOnly() throws {
    // 4×4 input 1…16, 3×3 ones, stride 2, SAME: TFLite pads 0 before and 1 after.
    var g = TestGraph()
    let x = g.input([1, 4, 4, 1])
    let w = g.constant([1, 3, 3, 1], floats: Array(repeating: 1, count: 9))
    let b = g.constant([1], floats: [0.5])
    try g.node(.conv2d(Conv2D(stride: HW(2, 2), padding: .same)), [x, w, b])
    let y = try runFloat(g, (1...16).map(Float.init))
    #expect(y == [54.5, 45.5, 72.5, 54.5])
}

@Test func floatConvDilatedValid() throws {
    var g = TestGraph()
    let x = g.input([1, 5, 5, 1])
    let w = g.constant([1, 3, 3, 1], floats: Array(repeating: 1, count: 9))
    try g.node(.conv2d(Conv2D(dilation: HW(2, 2))), [x, w])
    // Taps at rows/cols 0, 2, 4 of the grid 1…25.
    #expect(try runFloat(g, (1...25).map(Float.init)) == [117])
}

@Test func floatConvMultiChannelWithRelu() throws {
    // 1×1 conv, 2 → 2 channels: y = relu(W·x + b) per pixel.
    var g = TestGraph()
    let x = g.input([1, 1, 2, 2])
    let w = g.constant([2, 1, 1, 2], floats: [1, -1, 0.5, 2])
    let b = g.constant([2], floats: [0, -10])
    try g.node(.conv2d(Conv2D(activation: .relu)), [x, w, b])
    // pixel0 = (3, 1): (2, 1.5 + 2 − 10 < 0); pixel1 = (1, 4): (−3 → 0, 0.5 + 8 − 10 < 0).
    #expect(try runFloat(g, [3, 1, 1, 4]) == [2, 0, 0, 0])
}

@Test func floatDepthwiseMultiplier2() throws {
    var g = TestGraph()
    let x = g.input([1, 2, 2, 2])
    // [1, KH, KW, C·m]: output channels 0, 1 read input channel 0; 2, 3 read channel 1.
    let w = g.constant([1, 2, 2, 4], floats: [1, 1, 2, 0, 1, -1, 2, 0, 1, 1, 2, 0, 1, -1, 2, 1])
    let b = g.constant([4], floats: [1, 2, 3, 4])
    try g.node(.depthwiseConv2d(DepthwiseConv2D(depthMultiplier: 2)), [x, w, b])
    // channel 0 = 1, 2, 3, 4; channel 1 = 5, 6, 7, 8.
    #expect(try runFloat(g, [1, 5, 2, 6, 3, 7, 4, 8]) == [11, 0, 55, 12])
}

@Test func floatFullyConnectedFlattensInput() throws {
    var g = TestGraph()
    let x = g.input([1, 1, 1, 3])
    let w = g.constant([2, 3], floats: [1, 0, -1, 0.5, 0.5, 0.5])
    let b = g.constant([2], floats: [0.1, -1])
    try g.node(.fullyConnected(FullyConnected(activation: .relu)), [x, w, b])
    #expect(try runFloat(g, [1, 2, 3]) == [0, 2])
}

@Test func floatAvgPoolExcludesPadding() throws {
    var g = TestGraph()
    let x = g.input([1, 1, 4, 1])
    try g.node(.avgPool2d(Pool2D(kernel: HW(1, 3), padding: .same)), [x])
    #expect(allClose(try runFloat(g, [-3, -4, 5, -2]), [-3.5, -2.0 / 3, -1.0 / 3, 1.5]))
}

@Test func floatMaxPoolSame() throws {
    var g = TestGraph()
    let x = g.input([1, 2, 2, 1])
    try g.node(.maxPool2d(Pool2D(kernel: HW(2, 2), padding: .same)), [x])
    #expect(try runFloat(g, [-100, 50, 7, -128]) == [50, 50, 7, -128])
}

@Test func floatMeanOverHeightAndWidth() throws {
    var g = TestGraph()
    let x = g.input([1, 2, 2, 2])
    try g.node(.mean(Mean()), [x])
    #expect(try runFloat(g, [1, -9, 3, -10, -4, -9, 64.5, -9]) == [16.125, -9.25])
}

@Test func floatSoftmaxIsStableAndUsesBeta() throws {
    var g = TestGraph()
    let x = g.input([2, 2])
    try g.node(.softmax(beta: 1), [x])
    let y = try runFloat(g, [0, -1, 1000, 0])
    #expect(allClose(y, [0.7310586, 0.2689414, 1, 0]))

    var h = TestGraph()
    let z = h.input([1, 2])
    try h.node(.softmax(beta: 2), [z])
    let e2 = Float(Foundation.exp(2.0))
    #expect(allClose(try runFloat(h, [1, 0]), [e2 / (1 + e2), 1 / (1 + e2)]))
}

@Test func floatBatchNormOverLastDimension() throws {
    var g = TestGraph()
    let x = g.input([1, 1, 1, 2])
    let gamma = g.constant([2], floats: [2, 1])
    let beta = g.constant([2], floats: [0.5, 0])
    let mean = g.constant([2], floats: [0, 1])
    let variance = g.constant([2], floats: [3, 0.25])
    try g.node(.batchNorm(epsilon: 1), [x, gamma, beta, mean, variance])
    #expect(allClose(try runFloat(g, [1, 2]), [1.5, 1 / Float(1.25).squareRoot()]))
}

@Test func floatAddWithRelu6() throws {
    var g = TestGraph()
    let x = g.input([1, 4])
    let c = g.constant([1, 4], floats: [1, 1, 1, 1])
    try g.node(.add(.relu6), [x, c])
    #expect(try runFloat(g, [-3, 0.5, 4, 9]) == [0, 1.5, 5, 6])
}

@Test func floatStandaloneActivationAndReshape() throws {
    var g = TestGraph()
    let x = g.input([1, 2, 2, 1])
    let r = try g.node(.activation(.relu), [x])
    try g.node(.reshape, [r], shape: [1, 4])
    #expect(try runFloat(g, [-1, 2, -3, 4]) == [0, 2, 0, 4])
}

@Test func floatPadWithZeros() throws {
    var g = TestGraph()
    let x = g.input([1, 1, 2, 1])
    try g.node(.pad(Pads(top: 1, bottom: 0, left: 0, right: 1)), [x])
    #expect(try runFloat(g, [1, 2]) == [0, 0, 0, 1, 2, 0])
}

@Test func floatConcatAlongEachAxis() throws {
    // 4-D along channels: per pixel, x's channels then c's.
    var g = TestGraph()
    let x = g.input([1, 1, 2, 1])
    let c = g.constant([1, 1, 2, 2], floats: [3, 4, 5, 6])
    try g.node(.concat(axis: 3), [x, c])
    #expect(try runFloat(g, [1, 2]) == [1, 3, 4, 2, 5, 6])

    // 4-D along height: x's rows, then c's rows.
    var h = TestGraph()
    let y = h.input([1, 1, 2, 1])
    let d = h.constant([1, 2, 2, 1], floats: [3, 4, 5, 6])
    try h.node(.concat(axis: 1), [y, d])
    #expect(try runFloat(h, [1, 2]) == [1, 2, 3, 4, 5, 6])

    // 2-D along features, three inputs.
    var k = TestGraph()
    let z = k.input([1, 2])
    let e = k.constant([1, 1], floats: [9])
    try k.node(.concat(axis: 1), [e, z, e])
    #expect(try runFloat(k, [1, 2]) == [9, 1, 2, 9])
}

@Test func runAllReturnsEveryNonConstantTensor() throws {
    var g = TestGraph()
    let x = g.input([1, 2])
    let c = g.constant([1, 2], floats: [1, 1])
    let s = try g.node(.add(.none), [x, c])
    let r = try g.node(.activation(.relu), [s])
    let all = try g.interpreter().runAll(.f32([-3, 2]))
    #expect(Set(all.keys) == [x, s, r])
    #expect(all[s] == .f32([-2, 3]))
    #expect(all[r] == .f32([0, 3]))
}
