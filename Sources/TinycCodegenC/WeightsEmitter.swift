import TinycIR

/// Names of the constant arrays: `w<tensor index>`, stable across runs.
enum WeightsNaming {
    static func symbol(_ id: TensorID) -> String { "w\(id.index)" }
    /// The model's shared base-3 ternary stream (KernelLibrary.base3Stream).
    static let base3Stream = "w_base3"
}

/// Weights and biases as `const` arrays, so the linker places them in flash.
extension ModelEmitter {
    /// Constant tensors read by nodes, in tensor order, except base-3 ternary tensors (they live
    /// in the shared stream).
    var constantTensors: [TensorID] {
        graph.tensors.indices.map(TensorID.init).filter { graph.isConstant($0) && !isBase3($0) }
    }

    func isBase3(_ id: TensorID) -> Bool {
        graph.type(id).dtype == .ternary && schedule.kernels.packing(of: id) == .base3
    }

    /// The tensors of the shared base-3 stream in stream order, with their first weight's index.
    var base3Tensors: [(id: TensorID, first: Int)] {
        schedule.kernels.base3Stream(graph).first.map { (id: $0.key, first: $0.value) }.sorted { $0.first < $1.first }
    }

    /// Declaration comment of the shared base-3 stream: which tensor starts where.
    func base3Comment(_ w: inout CWriter) {
        w.line("/* Every base-3 ternary weight tensor, one after the other, packed 5 per byte (TC_TERNARY_BASE3);")
        w.line(" * a kernel gets the stream and the index of its tensor's first weight:")
        for (id, first) in base3Tensors {
            w.line(" *   weight \(first): '\(CName.comment(graph[id].name))': \(Graph.format(graph.type(id)))")
        }
        w.line(" */")
    }

    func weightsHeader() -> String {
        var w = CWriter()
        banner(&w, "Constant tensors of model '\(CName.comment(graph.name))' (defined in \(model)_weights.c).")
        let guardName = "\(macroPrefix)_WEIGHTS_H"
        w.line("#ifndef \(guardName)")
        w.line("#define \(guardName)")
        w.line()
        w.line("#include <stdint.h>")
        w.line()
        for id in constantTensors {
            let t = graph.type(id)
            w.line("/* '\(CName.comment(graph[id].name))': \(Graph.format(t))\(ternaryComment(id)) */")
            w.line("extern const \(cType(t.dtype)) \(WeightsNaming.symbol(id))[\(elements(id))];")
        }
        let stream = schedule.kernels.base3Stream(graph)
        if stream.weights > 0 {
            base3Comment(&w)
            w.line("extern const uint8_t \(WeightsNaming.base3Stream)[\(TernaryPacking.base3.bytes(count: stream.weights))];")
        }
        w.line()
        w.line("#endif /* \(guardName) */")
        return w.text
    }

    func weightsSource() -> String {
        var w = CWriter()
        banner(&w, "Constant tensors of model '\(CName.comment(graph.name))': weights in the layout the kernels read.")
        w.line("#include \"\(model)_weights.h\"")
        for id in constantTensors {
            let t = graph.type(id)
            let data = graph.constants[id]!
            w.line()
            w.line("/* '\(CName.comment(graph[id].name))': \(Graph.format(t))\(ternaryComment(id)) */")
            w.line("const \(cType(t.dtype)) \(WeightsNaming.symbol(id))[\(elements(id))]\(placement(weightsSection)) = {")
            switch t.dtype {
            case .s8: w.values(data.int8, perLine: 16)
            case .ternary: w.values(schedule.kernels.packing(of: id).pack(data.int8), perLine: 16) { String(format: "0x%02x", $0) }
            case .s4: w.values(Int4Packing.pack(data.int8), perLine: 16) { String(format: "0x%02x", $0) }
            case .s32: w.values(data.int32, perLine: 8) { $0 == Int32.min ? "(-2147483647 - 1)" : "\($0)" }
            case .f32: w.values(data.floats, perLine: 8) { CName.float($0) }
            }
            w.line("};")
        }
        let stream = schedule.kernels.base3Stream(graph)
        if stream.weights > 0 {
            let values = base3Tensors.flatMap { graph.constants[$0.id]!.int8 }
            w.line()
            base3Comment(&w)
            w.line("const uint8_t \(WeightsNaming.base3Stream)[\(TernaryPacking.base3.bytes(count: stream.weights))]\(placement(weightsSection)) = {")
            w.values(TernaryPacking.base3.pack(values), perLine: 16) { String(format: "0x%02x", $0) }
            w.line("};")
        }
        return w.text
    }

    /// Array elements of constant `id`: its values, or the bytes of a packed ternary or int4 stream.
    func elements(_ id: TensorID) -> Int {
        let t = graph.type(id)
        return t.dtype.isLowBitWeight ? schedule.kernels.flashBytes(graph, id) : t.count
    }

    /// ", packed as ..." for a ternary or int4 tensor.
    func ternaryComment(_ id: TensorID) -> String {
        if graph.type(id).dtype == .s4 { return ", packed 2 per byte, low nibble first (TFLite int4)" }
        guard graph.type(id).dtype == .ternary else { return "" }
        let p = schedule.kernels.packing(of: id)
        return p == .twoBit ? ", packed 4 per byte as 2-bit codes t + 1 (TC_TERNARY_2BIT)"
            : ", packed 5 per byte in base 3 (TC_TERNARY_BASE3)"
    }

    func cType(_ d: DType) -> String {
        switch d {
        case .ternary, .s4: "uint8_t"
        case .s8: "int8_t"
        case .s32: "int32_t"
        case .f32: "float"
        }
    }
}
