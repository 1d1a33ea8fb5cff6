import Testing
import TinycIR
@testable import TinycSchedule

/// A residual block: x → conv → a → conv → b; add(x, b) → y → conv → z (output).
///
///     step 0: a = conv(x)        x: [0, 2] (read again by the add)
///     step 1: b = conv(a)        a: [0, 1]   b: [1, 2]
///     step 2: y = add(x, b)      y: [2, 3]
///     step 3: z = conv(y)        z: [3, 3] (graph output)
private func residualGraph() -> (Graph, x: TensorID, a: TensorID, b: TensorID, y: TensorID, z: TensorID) {
    var g = Graph(name: "residual")
    let act = TensorType(shape: [1, 4, 4, 3], dtype: .s8)  // 48 B
    let x = g.addTensor("x", act)
    let w1 = g.addTensor(
        "w1", TensorType(shape: [3, 1, 1, 3], dtype: .s8), data: ConstantData(int8: .init(repeating: 1, count: 9)))
    let a = g.addTensor("a", TensorType(shape: [1, 4, 4, 5], dtype: .s8))  // 80 B
    let w2 = g.addTensor(
        "w2", TensorType(shape: [3, 1, 1, 5], dtype: .s8), data: ConstantData(int8: .init(repeating: 1, count: 15)))
    let b = g.addTensor("b", act)
    let y = g.addTensor("y", act)
    let z = g.addTensor("z", TensorType(shape: [1, 4, 4, 1], dtype: .f32))  // 64 B
    let w3 = g.addTensor("w3", TensorType(shape: [1, 1, 1, 3], dtype: .s8), data: ConstantData(int8: [1, 1, 1]))
    g.inputs = [x]
    g.outputs = [z]
    g.nodes = [
        Node(op: .conv2d(Conv2D()), inputs: [x, w1], outputs: [a], name: "conv1"),
        Node(op: .conv2d(Conv2D()), inputs: [a, w2], outputs: [b], name: "conv2"),
        Node(op: .add(.none), inputs: [x, b], outputs: [y], name: "add"),
        Node(op: .conv2d(Conv2D()), inputs: [y, w3], outputs: [z], name: "conv3"),
    ]
    return (g, x, a, b, y, z)
}

@Test func livenessOfResidualBlockCoversSecondConsumer() {
    let (g, x, a, b, y, z) = residualGraph()
    let buffers = Liveness.buffers(of: g, alignment: 1)
    #expect(buffers == [
        Buffer(tensor: x, size: 48, first: 0, last: 2),
        Buffer(tensor: a, size: 80, first: 0, last: 1),
        Buffer(tensor: b, size: 48, first: 1, last: 2),
        Buffer(tensor: y, size: 48, first: 2, last: 3),
        Buffer(tensor: z, size: 64, first: 3, last: 3),
    ])
    #expect(Liveness.liveBytes(buffers, steps: 4) == [128, 176, 144, 112])
}

@Test func livenessRoundsSizesUpToAlignment() {
    let (g, _, _, _, _, _) = residualGraph()
    #expect(Liveness.buffers(of: g, alignment: 16).map(\.size) == [48, 80, 48, 48, 64])
    #expect(Liveness.buffers(of: g, alignment: 32).map(\.size) == [64, 96, 64, 64, 64])
    #expect(Liveness.buffers(of: g, alignment: 100).map(\.size) == [100, 100, 100, 100, 100])
}

@Test func outputsLiveToLastStepAndDeadValuesLiveOneStep() {
    // Two outputs: `early` is produced at step 0 and must survive to step 2;
    // `dead` is produced at step 1 and never read (it still needs room while its node runs).
    var g = Graph(name: "outputs")
    let t = TensorType(shape: [1, 2, 2, 1], dtype: .s8)  // 4 B
    let x = g.addTensor("x", t)
    let early = g.addTensor("early", t)
    let dead = g.addTensor("dead", t)
    let late = g.addTensor("late", t)
    g.addTensor("unused", t)  // referenced by nothing: no buffer
    g.inputs = [x]
    g.outputs = [early, late]
    g.nodes = [
        Node(op: .activation(.relu), inputs: [x], outputs: [early], name: "n0"),
        Node(op: .activation(.relu), inputs: [x], outputs: [dead], name: "n1"),
        Node(op: .activation(.relu), inputs: [x], outputs: [late], name: "n2"),
    ]
    let buffers = Liveness.buffers(of: g, alignment: 4)
    #expect(buffers == [
        Buffer(tensor: x, size: 4, first: 0, last: 2),
        Buffer(tensor: early, size: 4, first: 0, last: 2),
        Buffer(tensor: dead, size: 4, first: 1, last: 1),
        Buffer(tensor: late, size: 4, first: 2, last: 2),
    ])
}

@Test func liveBytesSumsOverlappingIntervals() {
    let buffers = [
        Buffer(tensor: TensorID(0), size: 10, first: 0, last: 0),
        Buffer(tensor: TensorID(1), size: 5, first: 0, last: 3),
        Buffer(tensor: TensorID(2), size: 7, first: 2, last: 3),
    ]
    #expect(Liveness.liveBytes(buffers, steps: 5) == [15, 5, 12, 12, 0])
    #expect(Liveness.liveBytes([], steps: 3) == [0, 0, 0])
}
