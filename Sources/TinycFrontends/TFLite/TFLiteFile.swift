import TinycTFLiteFlatBuffers

/// A verified TFLite flatbuffer, read through the C view in `tinyc_tflite.h`. Everything handed
/// out is copied into Swift values, so nothing outlives the C model.
///
/// Only subgraph 0 (the model's main graph) is exposed: tinyc supports no control-flow ops, so
/// other subgraphs are never reached.
final class TFLiteFile {
    private let model: OpaquePointer

    struct Tensor {
        var name: String
        /// TensorType as stored: 0 FLOAT32, 2 INT32, 9 INT8, ...
        var type: Int8
        var shape: [Int]
        var buffer: Int
        var isVariable: Bool
        var isSparse: Bool
        var scales: [Float]
        var zeroPoints: [Int64]
        var quantizedDimension: Int
        var hasCustomQuantization: Bool
    }

    struct Operator {
        var opcodeIndex: Int
        /// -1 marks an omitted optional input.
        var inputs: [Int]
        var outputs: [Int]
        var options: tc_tfl_options
        var newShape: [Int]
        var squeezeDims: [Int]
        var hasCustomOptions: Bool
    }

    struct Opcode {
        var builtinCode: Int32
        var customCode: String
        var version: Int32
    }

    init(_ bytes: [UInt8]) throws(FrontendMessage) {
        var error = [CChar](repeating: 0, count: 512)
        let capacity = error.count
        let opened = bytes.withUnsafeBufferPointer { buffer in
            error.withUnsafeMutableBufferPointer { tc_tfl_open(buffer.baseAddress, buffer.count, $0.baseAddress, capacity) }
        }
        guard let opened else {
            throw FrontendMessage(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        model = opened
    }

    deinit { tc_tfl_close(model) }

    var version: Int { Int(tc_tfl_version(model)) }
    var description: String { Self.string(tc_tfl_description(model)) }
    var subgraphCount: Int { tc_tfl_subgraph_count(model) }
    var opcodeCount: Int { tc_tfl_opcode_count(model) }
    var bufferCount: Int { tc_tfl_buffer_count(model) }
    var tensorCount: Int { tc_tfl_tensor_count(model, 0) }
    var operatorCount: Int { tc_tfl_operator_count(model, 0) }
    var inputs: [Int] { Self.ints(tc_tfl_subgraph_inputs(model, 0)) }
    var outputs: [Int] { Self.ints(tc_tfl_subgraph_outputs(model, 0)) }

    func opcode(_ index: Int) -> Opcode? {
        var c = tc_tfl_opcode()
        guard index >= 0, tc_tfl_opcode(model, index, &c) == 0 else { return nil }
        return Opcode(builtinCode: c.builtin_code, customCode: Self.string(c.custom_code), version: c.version)
    }

    /// The bytes of buffer `index`; nil when the index is out of range or the data lies outside the file.
    func buffer(_ index: Int) -> [UInt8]? {
        var data: UnsafePointer<UInt8>?
        var size = 0
        guard index >= 0, tc_tfl_buffer(model, index, &data, &size) == 0 else { return nil }
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    func tensor(_ index: Int) -> Tensor? {
        var t = tc_tfl_tensor()
        guard index >= 0, tc_tfl_tensor(model, 0, index, &t) == 0 else { return nil }
        return Tensor(
            name: Self.string(t.name), type: t.type, shape: Self.ints(t.shape), buffer: Int(t.buffer),
            isVariable: t.is_variable, isSparse: t.has_sparsity,
            scales: t.scale.map { Array(UnsafeBufferPointer(start: $0, count: t.scale_count)) } ?? [],
            zeroPoints: t.zero_point.map { Array(UnsafeBufferPointer(start: $0, count: t.zero_point_count)) } ?? [],
            quantizedDimension: Int(t.quantized_dimension), hasCustomQuantization: t.has_quantization_details)
    }

    func `operator`(_ index: Int) -> Operator? {
        var o = tc_tfl_operator()
        guard index >= 0, tc_tfl_operator(model, 0, index, &o) == 0 else { return nil }
        return Operator(
            opcodeIndex: Int(o.opcode_index), inputs: Self.ints(o.inputs), outputs: Self.ints(o.outputs),
            options: o.options, newShape: Self.ints(o.options.new_shape), squeezeDims: Self.ints(o.options.squeeze_dims),
            hasCustomOptions: o.has_custom_options)
    }

    private static func ints(_ v: tc_tfl_ints) -> [Int] {
        guard let data = v.data else { return [] }
        return UnsafeBufferPointer(start: data, count: v.count).map { Int($0) }
    }

    private static func string(_ s: tc_tfl_string) -> String {
        guard let data = s.data else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: s.length), as: UTF8.self)
    }
}
