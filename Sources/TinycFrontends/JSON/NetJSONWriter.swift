import Foundation
import TinycIR

/// Writes a `Graph` as net.json v1 with all constant data inline (base64). `tinyc compile` stores the
/// quantized graph this way in its output directory, so `tinyc run --check` re-reads exactly the
/// graph the C was generated from. Output is deterministic (fixed key order, shortest float form).
public enum NetJSONWriter {
    public static func write(_ graph: Graph) -> String {
        var lines: [String] = []
        lines.append("{")
        lines.append("  \"format\": \"tinyc-net\",")
        lines.append("  \"version\": 1,")
        lines.append("  \"name\": \(quote(graph.name)),")
        lines.append("  \"inputs\": [\(graph.inputs.map { quote(graph[$0].name) }.joined(separator: ", "))],")
        lines.append("  \"outputs\": [\(graph.outputs.map { quote(graph[$0].name) }.joined(separator: ", "))],")
        lines.append("  \"tensors\": [")
        let tensors = graph.tensors.indices.map { i -> String in
            let t = graph.tensors[i]
            var fields = [
                "\"name\": \(quote(t.name))",
                "\"shape\": [\(t.type.shape.map(String.init).joined(separator: ", "))]",
                "\"dtype\": \"\(t.type.dtype.rawValue)\"",
            ]
            if let q = quantization(t.type.quantization) { fields.append("\"quantization\": \(q)") }
            if let data = graph.constants[TensorID(i)] {
                fields.append("\"data\": {\"base64\": \"\(Data(data.bytes).base64EncodedString())\"}")
            }
            return "    {" + fields.joined(separator: ", ") + "}"
        }
        lines.append(tensors.joined(separator: ",\n"))
        lines.append("  ],")
        lines.append("  \"nodes\": [")
        let nodes = graph.nodes.map { node -> String in
            let fields = [
                "\"name\": \(quote(node.name))",
                "\"op\": \"\(jsonOpName(node.op))\"",
                "\"inputs\": [\(node.inputs.map { quote(graph[$0].name) }.joined(separator: ", "))]",
                "\"outputs\": [\(node.outputs.map { quote(graph[$0].name) }.joined(separator: ", "))]",
                "\"attrs\": {\(attributes(node, graph).joined(separator: ", "))}",
            ]
            return "    {" + fields.joined(separator: ", ") + "}"
        }
        lines.append(nodes.joined(separator: ",\n"))
        lines.append("  ]")
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    static func jsonOpName(_ op: Op) -> String { op.name }

    static func quantization(_ q: Quantization) -> String? {
        // A float scale is written as the double it converts to exactly, so reading it back (as a
        // double, then to float) gives the same float bit for bit.
        func list(_ v: [Float]) -> String { "[" + v.map { "\(Double($0))" }.joined(separator: ", ") + "]" }
        func list(_ v: [Int32]) -> String { "[" + v.map { "\($0)" }.joined(separator: ", ") + "]" }
        switch q {
        case .none: return nil
        case .perTensor(let s, let z): return "{\"scale\": [\(Double(s))], \"zero_point\": [\(z)]}"
        case .perChannel(let s, let z, let axis): return "{\"scale\": \(list(s)), \"zero_point\": \(list(z)), \"axis\": \(axis)}"
        }
    }

    static func attributes(_ node: Node, _ graph: Graph) -> [String] {
        func hw(_ v: HW) -> String { "[\(v.h), \(v.w)]" }
        func padding(_ p: Padding) -> String {
            switch p {
            case .same: "\"same\""
            case .valid: "\"valid\""
            case .explicit(let x): "[\(x.top), \(x.bottom), \(x.left), \(x.right)]"
            }
        }
        switch node.op {
        case .conv2d(let a):
            return ["\"stride\": \(hw(a.stride))", "\"dilation\": \(hw(a.dilation))", "\"padding\": \(padding(a.padding))", "\"activation\": \"\(a.activation.name)\""]
        case .depthwiseConv2d(let a):
            return ["\"stride\": \(hw(a.stride))", "\"dilation\": \(hw(a.dilation))", "\"padding\": \(padding(a.padding))",
                    "\"depth_multiplier\": \(a.depthMultiplier)", "\"activation\": \"\(a.activation.name)\""]
        case .fullyConnected(let a):
            return ["\"activation\": \"\(a.activation.name)\""]
        case .add(let act):
            return ["\"activation\": \"\(act.name)\""]
        case .maxPool2d(let a), .avgPool2d(let a):
            return ["\"kernel\": \(hw(a.kernel))", "\"stride\": \(hw(a.stride))", "\"padding\": \(padding(a.padding))", "\"activation\": \"\(a.activation.name)\""]
        case .mean(let a):
            return ["\"axes\": [\(a.axes.map(String.init).joined(separator: ", "))]", "\"keep_dims\": \(a.keepDims)"]
        case .activation, .logistic, .requantize:
            return []
        case .reshape:
            return ["\"shape\": [\(graph.type(node.outputs[0]).shape.map(String.init).joined(separator: ", "))]"]
        case .softmax(let beta):
            return ["\"beta\": \(Double(beta))"]
        case .pad(let p):
            return ["\"paddings\": [[0, 0], [\(p.top), \(p.bottom)], [\(p.left), \(p.right)], [0, 0]]"]
        case .concat(let axis):
            return ["\"axis\": \(axis)"]
        case .batchNorm(let eps):
            return ["\"epsilon\": \(Double(eps))"]
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
