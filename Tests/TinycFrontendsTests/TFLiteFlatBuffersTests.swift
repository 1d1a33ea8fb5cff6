import Foundation
import Testing
import TinycTFLiteFlatBuffers

/// The C view of a TFLite flatbuffer (`tinyc_tflite.h`), on the four MLPerf Tiny int8 models: the
/// facts checked here were read independently with TensorFlow's own schema bindings. Then the
/// failure side: empty, short, truncated, mislabelled and random files are all rejected with a
/// message, never a crash. (Scripts/fuzz-tflite-reader.sh goes further under ASan/UBSan.)
struct TFLiteFlatBuffersTests {
    static let models = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/models/mlperf-tiny").standardized

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: models.appendingPathComponent("\(name).tflite")))
    }

    /// Opens `bytes`; on failure returns nil and the reader's message.
    static func open(_ bytes: [UInt8], capacity: Int = 256) -> (model: OpaquePointer?, error: String) {
        var error = [CChar](repeating: 0x55, count: capacity)
        let model = bytes.withUnsafeBufferPointer { b in
            error.withUnsafeMutableBufferPointer { tc_tfl_open(b.baseAddress, b.count, $0.baseAddress, capacity) }
        }
        let message = capacity == 0 ? "" : String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (model, message)
    }

    static func expectRejected(_ bytes: [UInt8], containing part: String, _ what: String,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        let (model, error) = open(bytes)
        #expect(model == nil, "\(what) should be rejected", sourceLocation: sourceLocation)
        #expect(error.contains(part), "\(what): '\(error)' should contain '\(part)'", sourceLocation: sourceLocation)
        tc_tfl_close(model)
    }

    static func ints(_ v: tc_tfl_ints) -> [Int] {
        guard let data = v.data else { return [] }
        return UnsafeBufferPointer(start: data, count: v.count).map { Int($0) }
    }

    static func string(_ s: tc_tfl_string) -> String {
        guard let data = s.data else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: s.length), as: UTF8.self)
    }

    static func tensor(_ m: OpaquePointer, _ i: Int) -> tc_tfl_tensor? {
        var t = tc_tfl_tensor()
        return tc_tfl_tensor(m, 0, i, &t) == 0 ? t : nil
    }

    static func op(_ m: OpaquePointer, _ i: Int) -> tc_tfl_operator? {
        var o = tc_tfl_operator()
        return tc_tfl_operator(m, 0, i, &o) == 0 ? o : nil
    }

    static func builtinCodes(_ m: OpaquePointer) -> [Int32] {
        (0..<tc_tfl_opcode_count(m)).map { i in
            var c = tc_tfl_opcode()
            return tc_tfl_opcode(m, i, &c) == 0 ? c.builtin_code : -1
        }
    }

    /// Builtin op code -> number of operators using it, in subgraph 0.
    static func opCounts(_ m: OpaquePointer) -> [Int32: Int] {
        let codes = builtinCodes(m)
        var counts: [Int32: Int] = [:]
        for i in 0..<tc_tfl_operator_count(m, 0) {
            counts[codes[Int(op(m, i)!.opcode_index)], default: 0] += 1
        }
        return counts
    }

    // BuiltinOperator values.
    static let ADD: Int32 = 0, AVERAGE_POOL_2D: Int32 = 1, CONV_2D: Int32 = 3, DEPTHWISE_CONV_2D: Int32 = 4
    static let DEQUANTIZE: Int32 = 6, FULLY_CONNECTED: Int32 = 9, RESHAPE: Int32 = 22, SOFTMAX: Int32 = 25
    static let QUANTIZE: Int32 = 114

    struct Expected: Sendable {
        var name: String
        var tensors: Int, operators: Int, buffers: Int
        var opcodes: [Int32]
        var opCounts: [Int32: Int]
        var input: (index: Int, shape: [Int], scale: Float, zeroPoint: Int64)
        var output: (index: Int, shape: [Int], scale: Float, zeroPoint: Int64)
    }

    static let expected: [Expected] = [
        Expected(
            name: "vww_96_int8", tensors: 89, operators: 31, buffers: 91,
            opcodes: [CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, RESHAPE, FULLY_CONNECTED, SOFTMAX, QUANTIZE, DEQUANTIZE],
            opCounts: [CONV_2D: 14, DEPTHWISE_CONV_2D: 13, AVERAGE_POOL_2D: 1, RESHAPE: 1, FULLY_CONNECTED: 1, SOFTMAX: 1],
            input: (0, [1, 96, 96, 3], 0.003921568859368563, -128), output: (88, [1, 2], 0.00390625, -128)),
        Expected(
            name: "kws_ref_model", tensors: 35, operators: 13, buffers: 37,
            opcodes: [CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, RESHAPE, FULLY_CONNECTED, SOFTMAX],
            opCounts: [CONV_2D: 5, DEPTHWISE_CONV_2D: 4, AVERAGE_POOL_2D: 1, RESHAPE: 1, FULLY_CONNECTED: 1, SOFTMAX: 1],
            input: (0, [1, 49, 10, 1], 0.5847029089927673, 83), output: (34, [1, 12], 0.00390625, -128)),
        Expected(
            name: "pretrainedResnet_quant", tensors: 38, operators: 16, buffers: 40,
            opcodes: [CONV_2D, ADD, AVERAGE_POOL_2D, RESHAPE, FULLY_CONNECTED, SOFTMAX, QUANTIZE, DEQUANTIZE],
            opCounts: [CONV_2D: 9, ADD: 3, AVERAGE_POOL_2D: 1, RESHAPE: 1, FULLY_CONNECTED: 1, SOFTMAX: 1],
            input: (0, [1, 32, 32, 3], 1.0, -128), output: (37, [1, 10], 0.00390625, -128)),
        Expected(
            name: "ad01_int8", tensors: 31, operators: 10, buffers: 33,
            opcodes: [FULLY_CONNECTED], opCounts: [FULLY_CONNECTED: 10],
            input: (0, [1, 640], 0.3910152316093445, 89), output: (30, [1, 640], 0.36449846625328064, 96)),
    ]

    @Test(arguments: expected.map(\.name))
    func readsTheModelStructure(name: String) throws {
        let e = Self.expected.first { $0.name == name }!
        let (opened, error) = Self.open(try Self.bytes(name))
        let m = try #require(opened, "\(name): \(error)")
        defer { tc_tfl_close(m) }
        #expect(error.isEmpty)
        #expect(tc_tfl_version(m) == 3)
        #expect(Self.string(tc_tfl_description(m)) == "MLIR Converted.")
        #expect(tc_tfl_subgraph_count(m) == 1)
        #expect(Self.string(tc_tfl_subgraph_name(m, 0)) == "main")
        #expect(tc_tfl_tensor_count(m, 0) == e.tensors)
        #expect(tc_tfl_operator_count(m, 0) == e.operators)
        #expect(tc_tfl_buffer_count(m) == e.buffers)
        #expect(Self.builtinCodes(m) == e.opcodes)
        #expect(Self.opCounts(m) == e.opCounts)

        #expect(Self.ints(tc_tfl_subgraph_inputs(m, 0)) == [e.input.index])
        #expect(Self.ints(tc_tfl_subgraph_outputs(m, 0)) == [e.output.index])
        for (index, shape, scale, zeroPoint) in [e.input, e.output] {
            let t = try #require(Self.tensor(m, index))
            #expect(t.type == 9)  // INT8
            #expect(t.has_shape && Self.ints(t.shape) == shape)
            #expect(t.scale_count == 1 && t.scale[0] == scale)
            #expect(t.zero_point_count == 1 && t.zero_point[0] == zeroPoint)
            #expect(!t.is_variable && !t.has_sparsity && !t.has_quantization_details)
        }
    }

    /// Every constant tensor's buffer holds exactly shape-product elements of its type.
    @Test(arguments: expected.map(\.name))
    func constantBuffersMatchTheirShapes(name: String) throws {
        let m = try #require(Self.open(try Self.bytes(name)).model)
        defer { tc_tfl_close(m) }
        let elementBytes: [Int8: Int] = [0: 4, 2: 4, 4: 8, 9: 1]  // FLOAT32, INT32, INT64, INT8
        var constants = 0
        for i in 0..<tc_tfl_tensor_count(m, 0) {
            let t = try #require(Self.tensor(m, i))
            var data: UnsafePointer<UInt8>?
            var size = 0
            #expect(tc_tfl_buffer(m, Int(t.buffer), &data, &size) == 0)
            guard size > 0 else { continue }
            constants += 1
            let bytes = try #require(elementBytes[t.type], "tensor \(i) has type \(t.type)")
            #expect(size == Self.ints(t.shape).reduce(1, *) * bytes, "tensor \(i) \(Self.string(t.name))")
        }
        #expect(constants >= tc_tfl_operator_count(m, 0))  // at least one weight per op in these CNNs/MLPs
        var empty: UnsafePointer<UInt8>?
        var size = 1
        #expect(tc_tfl_buffer(m, 0, &empty, &size) == 0 && empty == nil && size == 0)  // the sentinel
    }

    @Test func decodesConvPoolAndFullyConnectedOptions() throws {
        let m = try #require(Self.open(try Self.bytes("vww_96_int8")).model)
        defer { tc_tfl_close(m) }
        // Operator 0: the stem convolution, 3x3 stride 2, SAME, fused ReLU.
        let conv = try #require(Self.op(m, 0))
        #expect(Self.ints(conv.inputs) == [0, 44, 3] && Self.ints(conv.outputs) == [58])
        #expect(conv.options.type == 1)  // Conv2DOptions
        #expect(conv.options.padding == 0 && conv.options.stride_w == 2 && conv.options.stride_h == 2)
        #expect(conv.options.fused_activation == 1 && conv.options.dilation_w == 1 && conv.options.dilation_h == 1)
        #expect(!conv.has_custom_options)
        // Its weights: OHWI [8, 3, 3, 3], per-channel along dimension 0, 216 bytes.
        let w = try #require(Self.tensor(m, 44))
        #expect(Self.ints(w.shape) == [8, 3, 3, 3] && w.scale_count == 8 && w.zero_point_count == 8)
        #expect(w.quantized_dimension == 0 && Self.string(w.name) == "model/conv2d/Conv2D")
        var data: UnsafePointer<UInt8>?
        var size = 0
        #expect(tc_tfl_buffer(m, Int(w.buffer), &data, &size) == 0 && size == 216 && w.buffer == 45)

        let dw = try #require(Self.op(m, 1))
        #expect(dw.options.type == 2 && dw.options.padding == 0 && dw.options.stride_w == 1)
        #expect(dw.options.depth_multiplier == 1 && dw.options.fused_activation == 1 && dw.options.dilation_h == 1)
        let dwWeights = try #require(Self.tensor(m, 5))
        #expect(Self.ints(dwWeights.shape) == [1, 3, 3, 8] && dwWeights.quantized_dimension == 3 && dwWeights.scale_count == 8)

        let pool = try #require(Self.op(m, 27))
        #expect(pool.options.type == 5 && pool.options.padding == 1)
        #expect(pool.options.stride_w == 3 && pool.options.stride_h == 3 && pool.options.filter_w == 3 && pool.options.filter_h == 3)
        let reshape = try #require(Self.op(m, 28))
        #expect(reshape.options.type == 0 && Self.ints(reshape.inputs) == [85, 2])
        let fc = try #require(Self.op(m, 29))
        #expect(fc.options.type == 8 && fc.options.fused_activation == 0 && fc.options.weights_format == 0)
        #expect(!fc.options.keep_num_dims && !fc.options.asymmetric_quantize_inputs)
        let softmax = try #require(Self.op(m, 30))
        #expect(softmax.options.type == 9 && softmax.options.beta == 1.0)

        // Out of range: non-zero status, zeroed struct.
        #expect(Self.op(m, 31) == nil && Self.tensor(m, 89) == nil)
        var t = tc_tfl_tensor()
        #expect(tc_tfl_tensor(m, 1, 0, &t) != 0 && tc_tfl_tensor_count(m, 1) == 0)
        var c = tc_tfl_opcode()
        #expect(tc_tfl_opcode(m, 8, &c) != 0 && tc_tfl_buffer(m, 91, &data, &size) != 0)
        var versions: [Int32] = []
        for i in 0..<8 where tc_tfl_opcode(m, i, &c) == 0 { versions.append(c.version) }
        #expect(versions == [3, 3, 2, 1, 4, 2, 1, 2])
    }

    @Test func decodesPoolWindowsAndAddOptions() throws {
        let kws = try #require(Self.open(try Self.bytes("kws_ref_model")).model)
        defer { tc_tfl_close(kws) }
        let pool = try #require(Self.op(kws, 9))
        #expect(pool.options.filter_w == 5 && pool.options.filter_h == 25)
        #expect(pool.options.stride_w == 5 && pool.options.stride_h == 25)
        let conv = try #require(Self.tensor(kws, 17))
        #expect(Self.ints(conv.shape) == [64, 10, 4, 1] && conv.scale_count == 64)

        let resnet = try #require(Self.open(try Self.bytes("pretrainedResnet_quant")).model)
        defer { tc_tfl_close(resnet) }
        let add = try #require(Self.op(resnet, 3))
        #expect(add.options.type == 11 && add.options.fused_activation == 1 && Self.ints(add.inputs) == [22, 24])

        let ad01 = try #require(Self.open(try Self.bytes("ad01_int8")).model)
        defer { tc_tfl_close(ad01) }
        let fc = try #require(Self.op(ad01, 0))
        #expect(fc.options.type == 8 && fc.options.fused_activation == 1 && Self.ints(fc.inputs) == [0, 11, 1])
        let w = try #require(Self.tensor(ad01, 11))
        var data: UnsafePointer<UInt8>?
        var size = 0
        #expect(tc_tfl_buffer(ad01, Int(w.buffer), &data, &size) == 0 && size == 128 * 640)
    }

    // MARK: - Rejected files

    @Test func rejectsEmptyAndShortFiles() {
        Self.expectRejected([], containing: "file is 0 bytes, too short for a TFLite flatbuffer", "empty file")
        Self.expectRejected([1, 2, 3], containing: "file is 3 bytes, too short", "3 bytes")
        Self.expectRejected(Array("\u{8}\0\0\0TFL3".utf8), containing: "file is 8 bytes", "header only")
        // A NULL error buffer, or a short one, is fine.
        #expect([UInt8]().withUnsafeBufferPointer { tc_tfl_open($0.baseAddress, 0, nil, 0) } == nil)
        let (model, error) = Self.open([1, 2, 3], capacity: 8)
        #expect(model == nil && error == "file is")
    }

    @Test(arguments: expected.map(\.name))
    func rejectsTruncatedFiles(name: String) throws {
        let bytes = try Self.bytes(name)
        for length in [16, 17, 100, 1000, bytes.count / 4, bytes.count / 2, bytes.count - 1000, bytes.count - 4] {
            Self.expectRejected(Array(bytes.prefix(length)), containing: "the flatbuffer verifier rejected the file",
                                "\(name) cut to \(length) of \(bytes.count) bytes")
        }
    }

    @Test func rejectsAWrongIdentifier() throws {
        var bytes = try Self.bytes("kws_ref_model")
        bytes.replaceSubrange(4..<8, with: Array("TFL2".utf8))
        Self.expectRejected(bytes, containing: "no TFL3 file identifier: not a TFLite model", "TFL2")
        // A root offset pointing past the end.
        bytes = try Self.bytes("kws_ref_model")
        bytes.replaceSubrange(0..<4, with: [0xf0, 0xff, 0xff, 0x7f])
        Self.expectRejected(bytes, containing: "verifier rejected", "root offset out of range")
    }

    @Test func rejectsRandomBytes() {
        var state: UInt64 = 0x7f1_7e
        func next() -> UInt8 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        for size in [16, 64, 1000, 50_000] {
            var bytes = (0..<size).map { _ in next() }
            Self.expectRejected(bytes, containing: "no TFL3 file identifier", "\(size) random bytes")
            bytes.replaceSubrange(4..<8, with: Array("TFL3".utf8))
            let (model, error) = Self.open(bytes)
            #expect(model == nil && !error.isEmpty, "\(size) random bytes with an identifier")
            tc_tfl_close(model)
        }
    }
}
