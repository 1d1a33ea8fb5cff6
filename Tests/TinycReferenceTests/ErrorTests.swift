import Testing
import TinycIR
@testable import TinycReference

// Problems with a graph or an input are GraphErrors, never traps.

func simpleInt8Graph() throws -> TestGraph {
    var g = TestGraph()
    let x = g.input([1, 2, 2, 1], .s8, pt(0.5, 0))
    try g.node(.maxPool2d(Pool2D(kernel: HW(2, 2))), [x], .s8, pt(0.5, 0))
    return g
}

@Test func wrongInputSizeIsAGraphError() throws {
    let interpreter = try simpleInt8Graph().interpreter()
    #expect(throws: GraphError.self) { try interpreter.run(.s8([1, 2, 3])) }
    #expect(throws: GraphError.self) { try interpreter.run(.s8([])) }
    #expect(throws: GraphError.self) { try interpreter.runAll(.s8(Array(repeating: 0, count: 5))) }
    do {
        _ = try interpreter.run(.s8([1, 2, 3]))
    } catch {
        #expect(error.location == .graph)
        #expect(error.message.contains("needs 4 values, got 3"))
    }
}

@Test func wrongInputTypeIsAGraphError() throws {
    let interpreter = try simpleInt8Graph().interpreter()
    #expect(throws: GraphError.self) { try interpreter.run(.f32([1, 2, 3, 4])) }
    #expect(throws: GraphError.self) { try interpreter.run(.s32([1, 2, 3, 4])) }
}

@Test func invalidGraphsAreRejectedOnConstruction() throws {
    // A window entirely inside the padding (rejected by shape inference or by the interpreter).
    #expect(throws: GraphError.self) {
        var pool = TestGraph()
        let x = pool.input([1, 1, 2, 1])
        try pool.node(.avgPool2d(Pool2D(kernel: HW(1, 1), padding: .explicit(Pads(top: 0, bottom: 0, left: 2, right: 0)))), [x])
        _ = try pool.interpreter()
    }

    // int8 softmax whose β·s_in is too small for TFLite's multiplier.
    var soft = TestGraph()
    let y = soft.input([1, 4], .s8, pt(1e-9, 0))
    try soft.node(.softmax(beta: 1), [y], .s8, pt(1.0 / 256, -128))
    #expect(throws: GraphError.self) { try soft.interpreter() }

    // A zero activation scale.
    var zero = TestGraph()
    let z = zero.input([1, 4], .s8, pt(0, 0))
    try zero.node(.activation(.relu), [z], .s8, pt(0, 0))
    #expect(throws: GraphError.self) { try zero.interpreter() }

    // An int8 add whose second operand is a float constant.
    var mixed = TestGraph()
    let a = mixed.input([1, 2], .s8, pt(1, 0))
    let c = mixed.constant([1, 2], floats: [1, 2])
    try mixed.node(.add(.none), [a, c], .s8, pt(1, 0))
    #expect(throws: GraphError.self) { try mixed.interpreter() }

    // Two graph inputs (the Verifier's rule).
    var two = TestGraph()
    _ = two.input([1, 2])
    two.graph.inputs.append(two.graph.addTensor("second", TensorType(shape: [1, 2], dtype: .f32)))
    #expect(throws: GraphError.self) { try two.interpreter() }
}

@Test func extremeQuantizationParametersDoNotTrap() throws {
    // Tiny output scale with a relu6: activation range saturates instead of overflowing.
    var g = TestGraph()
    let x = g.input([1, 1, 1, 2], .s8, pt(1, 0))
    let w = g.constant([2, 1, 1, 2], int8: [127, -127, -127, 127], pc([1e-30, 0]))
    let b = g.constant([2], int32: [Int32.max, Int32.min])
    try g.node(.conv2d(Conv2D(activation: .relu6)), [x, w, b], .s8, pt(1e-38, 127))
    let y = try runInt8(g, [-128, 127])
    #expect(y.count == 2)
}
