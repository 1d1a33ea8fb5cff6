import TinycIR

/// Names of the constant arrays: `w<tensor index>`, stable across runs.
enum WeightsNaming {
    static func symbol(_ id: TensorID) -> String { "w\(id.index)" }
}

/// Weights and biases as `const` arrays, so the linker places them in flash.
extension ModelEmitter {
    /// Constant tensors read by nodes, in tensor order.
    var constantTensors: [TensorID] {
        graph.tensors.indices.map(TensorID.init).filter { graph.isConstant($0) }
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
            w.line("/* '\(CName.comment(graph[id].name))': \(Graph.format(t)) */")
            w.line("extern const \(cType(t.dtype)) \(WeightsNaming.symbol(id))[\(t.count)];")
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
            w.line("/* '\(CName.comment(graph[id].name))': \(Graph.format(t)) */")
            w.line("const \(cType(t.dtype)) \(WeightsNaming.symbol(id))[\(t.count)] = {")
            switch t.dtype {
            case .s8: w.values(data.int8, perLine: 16)
            case .s32: w.values(data.int32, perLine: 8) { $0 == Int32.min ? "(-2147483647 - 1)" : "\($0)" }
            case .f32: w.values(data.floats, perLine: 8) { CName.float($0) }
            }
            w.line("};")
        }
        return w.text
    }

    func cType(_ d: DType) -> String {
        switch d {
        case .s8: "int8_t"
        case .s32: "int32_t"
        case .f32: "float"
        }
    }
}
