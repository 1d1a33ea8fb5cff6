import Foundation
import Testing
import TinycIR
@testable import TinycReference

// logistic, requantize, standalone relu/relu6 between quantizations, broadcasting add, pad and
// mean with shared quantization: hand-computed TFLM values (MBQM = SRDHM then RoundingDivideByPOT).
// Every expected int8 value was also produced by tflite-micro 0.dev20261023182759 (the pinned
// oracle) on a one-op .tflite model with the same quantization.

/// All 256 int8 inputs, −128 … 127.
let everyInt8 = (-128...127).map { Int8($0) }

// MARK: logistic

/// TFLM's int8 LOGISTIC for x q(0.1, 0), every input −128 … 127 (tflite-micro 0.dev20261023182759).
let logisticTable01: [Int8] =
    Array(repeating: -128, count: 66) + Array(repeating: -127, count: 11) + [
        -126, -126, -126, -126, -126, -125, -125, -125, -125, -124, -124, -123, -123, -122, -122, -121,
        -120, -120, -119, -118, -117, -116, -115, -113, -112, -110, -109, -107, -105, -102, -100, -97,
        -95, -92, -88, -85, -81, -77, -73, -69, -64, -59, -54, -49, -43, -37, -31, -25, -19, -13, -6, 0,
        6, 13, 19, 25, 31, 37, 43, 49, 54, 59, 64, 69, 73, 77, 81, 85, 88, 92, 95, 97, 100, 102, 105,
        107, 109, 110, 112, 113, 115, 116, 117, 118, 119, 120, 120, 121, 122, 122, 123, 123, 124, 124,
        125, 125, 125, 125, 126, 126, 126, 126, 126,
    ] + Array(repeating: 127, count: 76)

@Test func int8LogisticMatchesTFLMOnEveryInput() throws {
    #expect(logisticTable01.count == 256)
    var g = TestGraph()
    let x = g.input([1, 256], .s8, pt(0.1, 0))
    try g.node(.logistic, [x], .s8, pt(1.0 / 256, -128))
    #expect(try runInt8(g, everyInt8) == logisticTable01)
}

@Test func int8LogisticHandComputed() throws {
    // x q(0.1, 0): multiplier 1717986944 = 13421773·2^7, shift 24, radius 120.
    // x = 1: MBQM(1) = 2^24·1717986944/2^31 = 13421773 = 0.1 in Q4.27; σ(0.1) = 0.52498 → ·256
    //        = 134.4 → RoundingDivideByPOT(·, 23) = 134 → 6.
    // x = 0: the fixed-point logistic returns exactly 1/2 = 2^30 → 128 → 0.
    // x = ±120: |d| ≥ radius saturates without evaluating (σ(12)·256 = 255.998 would round to 256).
    // x = 119: σ(11.9) = 0.99999318 → 255.998 → 256 → 128 → clamped to 127.
    var g = TestGraph()
    let x = g.input([1, 6], .s8, pt(0.1, 0))
    try g.node(.logistic, [x], .s8, pt(1.0 / 256, -128))
    #expect(try runInt8(g, [1, 0, -1, 120, -120, 119]) == [6, 0, -6, 127, -128, 127])

    // x q(2, 10): shift 29, radius floor(15·2^27/2^29) = 3, so only d = x − 10 ∈ {−2…2} is
    // evaluated: σ(±2)·256 = 225.4 / 30.6, σ(±4)·256 = 251.5 / 4.6 → 97, −97, 123, −123;
    // d = ±3 saturate (σ(6)·256 = 255.4 would be 127 anyway).
    var h = TestGraph()
    let y = h.input([1, 7], .s8, pt(2, 10))
    try h.node(.logistic, [y], .s8, pt(1.0 / 256, -128))
    #expect(try runInt8(h, [7, 8, 9, 10, 11, 12, 13]) == [-128, -123, -97, 0, 97, 123, 127])

    // x q(0.03, 5): radius 480 exceeds every int8 difference; the ends are σ(−3.99) and σ(3.66).
    var k = TestGraph()
    let z = k.input([1, 4], .s8, pt(0.03, 5))
    try k.node(.logistic, [z], .s8, pt(1.0 / 256, -128))
    #expect(try runInt8(k, [-128, 5, 6, 127]) == [-123, 0, 2, 122])
}

@Test func floatLogistic() throws {
    var g = TestGraph()
    let x = g.input([1, 3])
    try g.node(.logistic, [x])
    let y = try runFloat(g, [0, 2, -30])
    #expect(allClose(y, [0.5, 0.880797, 9.357623e-14], 1e-6))
}

// MARK: requantize and relu/relu6 between quantizations

@Test func int8RequantizeHandComputed() throws {
    // q(0.5, 3) → q(0.25, −10): M = 2 → (2^30, 2): y = 2·(x − 3) − 10.
    var g = TestGraph()
    let x = g.input([1, 4], .s8, pt(0.5, 3))
    try g.node(.requantize, [x], .s8, pt(0.25, -10))
    #expect(try runInt8(g, [7, 10, 100, -128]) == [-2, 4, 127, -128])

    // q(0.3, −4) → q(0.7, 9): M = 0.42857 → (1840700374, −1). x = 3: 7·3/7 = 3.0 → 12;
    // x = −60: −56·0.42857 = −24 → −15; x = 127: 131·0.42857 = 56.14 → 65.
    var h = TestGraph()
    let y = h.input([1, 4], .s8, pt(0.3, -4))
    try h.node(.requantize, [y], .s8, pt(0.7, 9))
    #expect(try runInt8(h, [3, -60, 127, -4]) == [12, -15, 65, 9])
}

@Test func int8ReluRequantizesWithDoubleRounding() throws {
    // q(0.02, −30) → q(0.05, −100): M = 0.4 → (1717986854, −1), clamp below at −100.
    // d = 1: SRDHM = round(0.8) = 1, RoundingDivideByPOT(1, 1) = 1 (0.5 away from zero) → −99,
    // although 0.4 rounds to 0 in one step. d = 4: round(3.2) = 3 → 1.5 → 2 → −98.
    var g = TestGraph()
    let x = g.input([1, 7], .s8, pt(0.02, -30))
    try g.node(.activation(.relu), [x], .s8, pt(0.05, -100))
    #expect(try runInt8(g, [-128, -30, -29, -28, -26, 0, 127]) == [-100, -100, -99, -99, -98, -88, -37])
}

@Test func int8ReluScaleRatioIsDividedInDouble() throws {
    // With s_in/s_out in double the multiplier is 1183425118; TFLM's older float division gave
    // 1183425152, which turns x = 93 into −25 instead of −26.
    var g = TestGraph()
    let x = g.input([1, 1], .s8, pt(0.0689304918050766, 0))
    try g.node(.activation(.relu), [x], .s8, pt(0.06254181265830994, -128))
    #expect(try runInt8(g, [93]) == [-26])
}

@Test func int8Relu6ClampsRawValuesToTheInputRange() throws {
    // x q(0.05, −20): 0 → −20, 6 → round(120) − 20 = 100. The output quantization q(0.1, 7) is
    // ignored, as in TFLM's Relu6Quantized.
    var g = TestGraph()
    let x = g.input([1, 6], .s8, pt(0.05, -20))
    try g.node(.activation(.relu6), [x], .s8, pt(0.1, 7))
    #expect(try runInt8(g, [-128, -21, 0, 99, 101, 127]) == [-20, -20, 0, 99, 100, 100])
}

@Test func floatRequantizeIsTheIdentity() throws {
    var g = TestGraph()
    let x = g.input([1, 3])
    try g.node(.requantize, [x])
    #expect(try runFloat(g, [1.5, -2, 0]) == [1.5, -2, 0])
}

// MARK: broadcasting add

@Test func int8AddBroadcastsAPerChannelConstant() throws {
    // a q(0.5, −10) [1, 2, 1, 2], b q(0.25, 5) [2] constant, y q(1, 0); multipliers as in
    // int8AddWithDifferentScales: y = round(0.5·(a + 10) + 0.25·(b − 5)) (ties away from zero
    // through the double rounding). b = (9, 1) adds (+1, −1).
    var g = TestGraph()
    let x = g.input([1, 2, 1, 2], .s8, pt(0.5, -10))
    let c = g.constant([2], int8: [9, 1], pt(0.25, 5))
    try g.node(.add(.none), [x, c], .s8, pt(1, 0))
    // (−10, −10) → (0 + 1, 0 − 1); (0, 2) → (5 + 1, 6 − 1).
    #expect(try runInt8(g, [-10, -10, 0, 2]) == [1, -1, 6, 5])
}

@Test func int8AddBroadcastsBothOperands() throws {
    // a [1, 2, 1] (rows) + b [1, 1, 3] (columns) → [1, 2, 3], all q(1, 0): the output scale 1 and
    // both input scales 1 give y = a + b exactly (well inside int8).
    var g = TestGraph()
    let x = g.input([1, 2, 1], .s8, pt(1, 0))
    let c = g.constant([1, 1, 3], int8: [1, 2, 3], pt(1, 0))
    try g.node(.add(.none), [c, x], .s8, pt(1, 0))
    #expect(g.graph.type(g.graph.outputs[0]).shape == [1, 2, 3])
    #expect(try runInt8(g, [10, 20]) == [11, 12, 13, 21, 22, 23])
}

@Test func floatAddBroadcasts() throws {
    var g = TestGraph()
    let x = g.input([1, 2, 2, 3])
    let b = g.constant([3], floats: [100, 200, 300])
    try g.node(.add(.relu), [x, b])
    #expect(try runFloat(g, (1...12).map { Float($0) - 150 }) == [0, 52, 153, 0, 55, 156, 0, 58, 159, 0, 61, 162])
}

// MARK: pad

@Test func int8PadFillsWithTheOutputZeroPointAndCopiesRawInput() throws {
    // TFLM PAD: x q(0.1, 5) → y q(0.2, −7): the fill is z_out = −7, the input bytes are copied.
    var g = TestGraph()
    let x = g.input([1, 1, 2, 3], .s8, pt(0.1, 5))
    try g.node(.pad(Pads(top: 1, bottom: 0, left: 0, right: 1)), [x], .s8, pt(0.2, -7))
    #expect(try runInt8(g, [1, 2, 3, 4, 5, 6]) == [-7, -7, -7, -7, -7, -7, -7, -7, -7, 1, 2, 3, 4, 5, 6, -7, -7, -7])
}

@Test func int8PadV2FillsWithTheConstantValue() throws {
    var g = TestGraph()
    let x = g.input([1, 1, 2, 3], .s8, pt(0.1, 5))
    let v = g.constant([1], int8: [33], pt(0.2, -7))
    try g.node(.pad(Pads(top: 1, bottom: 0, left: 0, right: 1)), [x, v], .s8, pt(0.2, -7))
    #expect(try runInt8(g, [1, 2, 3, 4, 5, 6]) == [33, 33, 33, 33, 33, 33, 33, 33, 33, 1, 2, 3, 4, 5, 6, 33, 33, 33])
}

@Test func floatPadWithValue() throws {
    var g = TestGraph()
    let x = g.input([1, 1, 1, 2])
    let v = g.constant([1], floats: [-1.5])
    try g.node(.pad(Pads(top: 0, bottom: 0, left: 1, right: 0)), [x, v])
    #expect(try runFloat(g, [3, 4]) == [-1.5, -1.5, 3, 4])
}

// MARK: mean

@Test func int8MeanWithSharedQuantizationStillRequantizes() throws {
    // TFLM's EvalIntegerMean takes QuantizedMeanOrSum even when scale and zero point match:
    // M = 1 → (2^30, 1), N = 4 folds to (2^30, −1). Σ = 11: SRDHM(11, 2^30) = 6 (5.5 half up),
    // RoundingDivideByPOT(6, 1) = 3; Σ = −11: −5 (−5.5 half up) → −3 (−2.5 away from zero).
    // A truncating Σ/N (reference_ops::Mean, an older TFLM path) would give 2 and −2.
    var g = TestGraph()
    let x = g.input([1, 2, 2, 2], .s8, pt(0.05, 0))
    try g.node(.mean(Mean()), [x], .s8, pt(0.05, 0))
    #expect(try runInt8(g, [1, -1, 2, -2, 3, -3, 5, -5]) == [3, -3])
}
