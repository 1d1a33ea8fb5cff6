import Testing
import TinycIR
@testable import TinycReference

// Hand-computed int8 graphs: every expected value is derived in the comments with TFLite Micro's
// integer arithmetic (MBQM = SRDHM then RoundingDivideByPOT, ALGORITHMS.md §3).

@Test func int8Conv1x1PerChannel() throws {
    // x q(0.5, −1), weights per channel (0.25, 0.125), y q(1, 3).
    // M0 = 0.125 → (2^30, −2), M1 = 0.0625 → (2^30, −3); input offset +1.
    var g = TestGraph()
    let x = g.input([1, 1, 2, 2], .s8, pt(0.5, -1))
    let w = g.constant([2, 1, 1, 2], int8: [2, -1, 4, 8], pc([0.25, 0.125]))
    let b = g.constant([2], int32: [10, -20])
    try g.node(.conv2d(Conv2D()), [x, w, b], .s8, pt(1, 3))
    // pixel0 x+1 = (4, −4): oc0 8+4+10 = 22 → SRDHM 11 → /4 = 2.75 → 3 → +3 = 6
    //                      oc1 16−32−20 = −36 → −18 → /8 = −2.25 → −2 → +3 = 1
    // pixel1 x+1 = (2, 128): oc0 4−128+10 = −114 → −57 → −14.25 → −14 → −11
    //                       oc1 8+1024−20 = 1012 → 506 → 63.25 → 63 → 66
    #expect(try runInt8(g, [3, -5, 1, 127]) == [6, 1, -11, 66])
}

@Test func int8Conv3x3SameSkipsTapsOutsideTheImage() throws {
    // x q(1, 10): raw 11…19 are the reals 1…9. Ones weights, y q(0.5, −128), M = 2 → (2^30, 2).
    // Border taps are skipped (not read as raw 0, which would add −10·(weights) per tap).
    var g = TestGraph()
    let x = g.input([1, 3, 3, 1], .s8, pt(1, 10))
    let w = g.constant([1, 3, 3, 1], int8: Array(repeating: 1, count: 9), pc([1]))
    try g.node(.conv2d(Conv2D(padding: .same, activation: .relu)), [x, w], .s8, pt(0.5, -128))
    // Window sums of the grid 1…9: 12 21 16 / 27 45 33 / 24 39 28, ×2 − 128.
    let expected: [Int8] = [-104, -86, -96, -74, -38, -62, -80, -50, -72]
    #expect(try runInt8(g, (11...19).map { Int8($0) }) == expected)
}

@Test func int8DepthwiseMultiplier2() throws {
    // Scales 1 except output channel 2 (0.5): its M = 0.5 → (2^30, 0): SRDHM(55, 2^30) = 28.
    var g = TestGraph()
    let x = g.input([1, 2, 2, 2], .s8, pt(1, 0))
    let w = g.constant([1, 2, 2, 4], int8: [1, 1, 2, 0, 1, -1, 2, 0, 1, 1, 2, 0, 1, -1, 2, 1], pc([1, 1, 0.5, 1], axis: 3))
    let b = g.constant([4], int32: [1, 2, 3, 4])
    try g.node(.depthwiseConv2d(DepthwiseConv2D(depthMultiplier: 2)), [x, w, b], .s8, pt(1, 0))
    #expect(try runInt8(g, [1, 5, 2, 6, 3, 7, 4, 8]) == [11, 0, 28, 12])
}

@Test func int8FullyConnectedPerTensor() throws {
    // x q(0.5, 0), w q(0.5) per tensor, y q(0.25, −5): M = float(0.5·0.5)/0.25 = 1 → (2^30, 1).
    var g = TestGraph()
    let x = g.input([1, 3], .s8, pt(0.5, 0))
    let w = g.constant([2, 3], int8: [1, 2, 3, -4, 0, 4], pt(0.5, 0))
    let b = g.constant([2], int32: [1, -1])
    try g.node(.fullyConnected(FullyConnected()), [x, w, b], .s8, pt(0.25, -5))
    // o0 = 10 + 40 + 90 + 1 = 141 → 141 − 5 = 136 → 127; o1 = −40 + 120 − 1 = 79 → 74.
    #expect(try runInt8(g, [10, 20, 30]) == [127, 74])
}

@Test func int8AvgPoolWithPaddingAndNegativeSums() throws {
    // Windows (count excludes padding): −7/2 = −3.5 → −4, −2/3 → −1, −1/3 → 0, 3/2 = 1.5 → 2.
    var g = TestGraph()
    let x = g.input([1, 1, 4, 1], .s8, pt(1, 0))
    try g.node(.avgPool2d(Pool2D(kernel: HW(1, 3), padding: .same)), [x], .s8, pt(1, 0))
    #expect(try runInt8(g, [-3, -4, 5, -2]) == [-4, -1, 0, 2])

    // Same with explicit pads and a fused relu (clamp at the zero point 0).
    var h = TestGraph()
    let y = h.input([1, 1, 4, 1], .s8, pt(1, 0))
    try h.node(.avgPool2d(Pool2D(kernel: HW(1, 3), padding: .explicit(Pads(top: 0, bottom: 0, left: 1, right: 1)), activation: .relu)), [y], .s8, pt(1, 0))
    #expect(try runInt8(h, [-3, -4, 5, -2]) == [0, 0, 0, 2])
}

@Test func int8MaxPoolThenActivationClamp() throws {
    var g = TestGraph()
    let x = g.input([1, 2, 2, 1], .s8, pt(1, 0))
    try g.node(.maxPool2d(Pool2D(kernel: HW(2, 2), padding: .same)), [x], .s8, pt(1, 0))
    #expect(try runInt8(g, [-100, 50, 7, -128]) == [50, 50, 7, -128])

    // relu6 with y q(0.1, −20) clamps to [−20, 40].
    var h = TestGraph()
    let y = h.input([1, 2, 2, 1], .s8, pt(0.1, -20))
    try h.node(.maxPool2d(Pool2D(kernel: HW(2, 2), padding: .same, activation: .relu6)), [y], .s8, pt(0.1, -20))
    #expect(try runInt8(h, [-100, 50, 7, -128]) == [40, 40, 7, -20])
}

@Test func int8AddWithDifferentScales() throws {
    // a q(0.5, −10), b q(0.25, 5), y q(1, 0). twice_max = 1: M1 = 0.5 → (2^30, 0),
    // M2 = 0.25 → (2^30, −1), Mout = 2^−20 → (2^30, −19).
    // Last element: a = −59, b = 30.5 → −28.5·2^20 → SRDHM −14.25·2^20 → /2^19 = −28.5 → −29.
    var g = TestGraph()
    let x = g.input([1, 4], .s8, pt(0.5, -10))
    let c = g.constant([1, 4], int8: [5, 9, -128, 127], pt(0.25, 5))
    try g.node(.add(.none), [x, c], .s8, pt(1, 0))
    #expect(try runInt8(g, [-10, 0, 127, -128]) == [0, 6, 35, -29])
}

@Test func int8MeanRoundsHalfUp() throws {
    // x q(0.5, −2), y q(0.25, 1): base M = 2 → (2^30, 2); N = 4 folds into (2^30, 0).
    // ch0: Σ(x + 2) = 129 → SRDHM(129, 2^30) = 65 (64.5 half up) → 66.
    // ch1: Σ(x + 2) = −73 → −36 (−36.5 half up) → −35.
    var g = TestGraph()
    let x = g.input([1, 2, 2, 2], .s8, pt(0.5, -2))
    try g.node(.mean(Mean()), [x], .s8, pt(0.25, 1))
    #expect(try runInt8(g, [0, -20, 4, -21, -10, -20, 127, -20]) == [66, -35])
}

@Test func int8PadFillsWithZeroPoint() throws {
    var g = TestGraph()
    let x = g.input([1, 1, 2, 1], .s8, pt(0.5, -7))
    try g.node(.pad(Pads(top: 1, bottom: 0, left: 0, right: 1)), [x], .s8, pt(0.5, -7))
    #expect(try runInt8(g, [1, 2]) == [-7, -7, -7, 1, 2, -7])
}

@Test func int8ConcatReshapeAndClamp() throws {
    var g = TestGraph()
    let x = g.input([1, 1, 2, 1], .s8, pt(0.1, 0))
    let c = g.constant([1, 1, 2, 2], int8: [3, 4, 5, 6], pt(0.1, 0))
    let cat = try g.node(.concat(axis: 3), [x, c], .s8, pt(0.1, 0))
    let r = try g.node(.reshape, [cat], .s8, pt(0.1, 0), shape: [1, 6])
    // Standalone relu6: clamp to [q(0), q(6)] = [0, 60].
    try g.node(.activation(.relu6), [r], .s8, pt(0.1, 0))
    #expect(try runInt8(g, [-1, 100]) == [0, 3, 4, 60, 5, 6])
}
