import Foundation
import TinycIR

/// Reads net.json v1 (docs/net-json.md) into a verified `Graph`.
///
/// Every problem is a `FrontendError` naming the file and the tensor, node or key it is about; the
/// reader never traps on malformed input. Nodes may appear in any order: they are sorted
/// topologically here, and a cycle is reported with the nodes on it.
public enum NetJSONReader {
    public static func read(contentsOf url: URL) throws(FrontendError) -> Graph {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FrontendError(file: url.path, "cannot read the file: \(error.localizedDescription)")
        }
        let stem = url.deletingPathExtension().lastPathComponent
        return try read(data, file: url.path, defaultName: stem, baseDirectory: url.deletingLastPathComponent())
    }

    /// Parses `data`; sidecar weight files are resolved against `baseDirectory`.
    public static func read(_ data: Data, file: String, defaultName: String, baseDirectory: URL) throws(FrontendError) -> Graph {
        let root: JSONValue
        do { root = try JSONDecoder().decode(JSONValue.self, from: data) } catch {
            throw FrontendError(file: file, "malformed JSON: \(describe(error))")
        }
        do throws(FrontendMessage) {
            var graph = try build(root, defaultName: defaultName, baseDirectory: baseDirectory)
            try sortTopologically(&graph)
            do { try Verifier.verify(graph) } catch { throw FrontendMessage(error.description) }
            return graph
        } catch {
            throw FrontendError(file: file, error.text)
        }
    }

    private static func describe(_ error: Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return underlying ?? context.debugDescription
        }
        return "\(error)"
    }

    private static func build(_ root: JSONValue, defaultName: String, baseDirectory: URL) throws(FrontendMessage) -> Graph {
        var top = try JSONObjectReader(root, context: "top level")
        let format = try top.required("format", "a string", \.string)
        guard format == "tinyc-net" else { throw FrontendMessage("'format' must be \"tinyc-net\", got \"\(format)\"") }
        let version = try top.required("version", "an integer", \.int)
        guard version == 1 else { throw FrontendMessage("unsupported version \(version) (this tinyc reads version 1)") }
        let name = try top.optional("name", "a string", \.string) ?? defaultName
        let weightsFile = try top.optional("weights_file", "a string", \.string)
        let inputNames = try top.required("inputs", "a list of tensor names", { $0.array?.compactMap(\.string) })
        let outputNames = try top.required("outputs", "a list of tensor names", { $0.array?.compactMap(\.string) })
        let tensorValues = try top.required("tensors", "a list", \.array)
        let nodeValues = try top.required("nodes", "a list", \.array)
        try top.finish()

        var weights = WeightsFile(name: weightsFile, baseDirectory: baseDirectory)
        var graph = Graph(name: name)
        var ids: [String: TensorID] = [:]
        for (i, value) in tensorValues.enumerated() {
            let tensor = try readTensor(value, index: i, weights: &weights)
            guard ids[tensor.name] == nil else { throw FrontendMessage("tensor '\(tensor.name)' is declared twice") }
            ids[tensor.name] = graph.addTensor(tensor.name, tensor.type, data: tensor.data)
        }
        func resolve(_ name: String, _ role: String) throws(FrontendMessage) -> TensorID {
            guard let id = ids[name] else { throw FrontendMessage("\(role) '\(name)' is not declared in 'tensors'") }
            return id
        }
        for n in inputNames { graph.inputs.append(try resolve(n, "graph input")) }
        for n in outputNames { graph.outputs.append(try resolve(n, "graph output")) }

        var nodeNames = Set<String>()
        for (i, value) in nodeValues.enumerated() {
            var r = try JSONObjectReader(value, context: "node #\(i)")
            let nodeName = try r.required("name", "a string", \.string)
            guard nodeNames.insert(nodeName).inserted else { throw FrontendMessage("node '\(nodeName)' is declared twice") }
            let context = "node '\(nodeName)'"
            let opName = try r.required("op", "a string", \.string)
            let inputs = try r.required("inputs", "a list of tensor names", { $0.array?.compactMap(\.string) })
            let outputs = try r.required("outputs", "a list of tensor names", { $0.array?.compactMap(\.string) })
            let attrs = try r.optional("attrs", "an object", { $0.object.map { JSONValue.object($0) } }) ?? .object([:])
            try r.finish()
            var inputIDs: [TensorID] = []
            for t in inputs {
                guard let id = ids[t] else { throw FrontendMessage("\(context): input '\(t)' is not declared in 'tensors'") }
                inputIDs.append(id)
            }
            var outputIDs: [TensorID] = []
            for t in outputs {
                guard let id = ids[t] else { throw FrontendMessage("\(context): output '\(t)' is not declared in 'tensors'") }
                outputIDs.append(id)
            }
            let inputRank = inputIDs.first.map { graph.type($0).shape.count } ?? 0
            let op = try NetJSONOps.op(opName, attrs: attrs, context: context, inputRank: inputRank)
            graph.nodes.append(Node(op: op, inputs: inputIDs, outputs: outputIDs, name: nodeName))
        }
        return graph
    }

    private struct ParsedTensor {
        var name: String
        var type: TensorType
        var data: ConstantData?
    }

    private static func readTensor(_ value: JSONValue, index: Int, weights: inout WeightsFile) throws(FrontendMessage) -> ParsedTensor {
        var r = try JSONObjectReader(value, context: "tensor #\(index)")
        let name = try r.required("name", "a string", \.string)
        let context = "tensor '\(name)'"
        let shape = try r.required("shape", "a list of integers", \.ints)
        let dtypeName = try r.required("dtype", "a string", \.string)
        let quantValue = try r.optional("quantization", "an object", { $0.object.map { JSONValue.object($0) } })
        let dataValue = try r.optional("data", "an object", { $0.object.map { JSONValue.object($0) } })
        try r.finish()

        guard let dtype = DType(rawValue: dtypeName) else {
            throw FrontendMessage("\(context): unsupported dtype '\(dtypeName)' (supported: \(DType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else {
            throw FrontendMessage("\(context): dimensions must be positive integers, got \(shape)")
        }
        var elements = 1
        for d in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: d)
            guard !overflow, product < 1 << 31 else { throw FrontendMessage("\(context): shape \(shape) is too large (2^31 elements at most)") }
            elements = product
        }
        var type = TensorType(shape: shape, dtype: dtype)
        if let quantValue { type.quantization = try readQuantization(quantValue, shape: shape, context: context) }
        var data: ConstantData?
        if let dataValue {
            var d = try JSONObjectReader(dataValue, context: "\(context) data")
            let base64 = try d.optional("base64", "a string", \.string)
            let offset = try d.optional("offset", "an integer", \.int)
            let length = try d.optional("length", "an integer", \.int)
            try d.finish()
            let bytes: [UInt8]
            if let base64 {
                guard offset == nil, length == nil else { throw FrontendMessage("\(context): data has both 'base64' and 'offset'/'length'") }
                guard let decoded = Data(base64Encoded: base64) else { throw FrontendMessage("\(context): data is not valid base64") }
                bytes = [UInt8](decoded)
            } else if let offset, let length {
                bytes = try weights.slice(offset: offset, length: length, context: context)
            } else {
                throw FrontendMessage("\(context): data needs 'base64', or 'offset' and 'length' into weights_file")
            }
            guard bytes.count == type.byteCount else {
                throw FrontendMessage("\(context): data has \(bytes.count) bytes, \(dtype.rawValue)\(shape) needs \(type.byteCount)")
            }
            data = ConstantData(bytes: bytes)
        }
        return ParsedTensor(name: name, type: type, data: data)
    }

    private static func readQuantization(_ value: JSONValue, shape: [Int], context: String) throws(FrontendMessage) -> Quantization {
        var q = try JSONObjectReader(value, context: "\(context) quantization")
        let scales = try q.required("scale", "a list of numbers", { v in v.array.flatMap { a in a.compactMap(\.double).count == a.count ? a.compactMap(\.double) : nil } })
        let zeroPoints = try q.optional("zero_point", "a list of integers", \.ints) ?? Array(repeating: 0, count: scales.count)
        let axis = try q.optional("axis", "an integer", \.int) ?? 0
        try q.finish()
        guard !scales.isEmpty, scales.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw FrontendMessage("\(context): quantization scales must be positive and finite, got \(scales)")
        }
        guard zeroPoints.count == scales.count else {
            throw FrontendMessage("\(context): \(scales.count) scales but \(zeroPoints.count) zero points")
        }
        guard zeroPoints.allSatisfy({ (-128...127).contains($0) }) || zeroPoints.allSatisfy({ $0 == 0 }) else {
            throw FrontendMessage("\(context): zero points must lie in [-128, 127], got \(zeroPoints)")
        }
        if scales.count == 1 { return .perTensor(scale: Float(scales[0]), zeroPoint: Int32(zeroPoints[0])) }
        guard axis >= 0, axis < shape.count, shape[axis] == scales.count else {
            throw FrontendMessage("\(context): \(scales.count) per-channel scales do not match axis \(axis) of shape \(shape)")
        }
        return .perChannel(scales: scales.map { Float($0) }, zeroPoints: zeroPoints.map { Int32($0) }, axis: axis)
    }

    /// Orders nodes so every node comes after the producers of its inputs (Kahn's algorithm, stable:
    /// among ready nodes the one listed first in the file goes first).
    static func sortTopologically(_ graph: inout Graph) throws(FrontendMessage) {
        var producer: [TensorID: Int] = [:]
        for (i, node) in graph.nodes.enumerated() {
            for o in node.outputs {
                if let other = producer[o] {
                    throw FrontendMessage("tensor '\(graph[o].name)' is the output of both node '\(graph.nodes[other].name)' and node '\(node.name)'")
                }
                if graph.isConstant(o) { throw FrontendMessage("node '\(node.name)': output '\(graph[o].name)' is a constant (it has data)") }
                producer[o] = i
            }
        }
        let available = Set(graph.inputs).union(graph.constants.keys)
        var pending = [Int](repeating: 0, count: graph.nodes.count)
        var dependents = [[Int]](repeating: [], count: graph.nodes.count)
        for (i, node) in graph.nodes.enumerated() {
            for t in Set(node.inputs) where !available.contains(t) {
                guard let p = producer[t] else {
                    throw FrontendMessage("node '\(node.name)': input '\(graph[t].name)' is neither a graph input, a constant, nor produced by any node")
                }
                pending[i] += 1
                dependents[p].append(i)
            }
        }
        var ready = (0..<graph.nodes.count).filter { pending[$0] == 0 }
        var order: [Int] = []
        while !ready.isEmpty {
            ready.sort()
            let i = ready.removeFirst()
            order.append(i)
            for d in dependents[i] {
                pending[d] -= 1
                if pending[d] == 0 { ready.append(d) }
            }
        }
        guard order.count == graph.nodes.count else {
            let stuck = (0..<graph.nodes.count).filter { pending[$0] > 0 }.map { "'\(graph.nodes[$0].name)'" }
            throw FrontendMessage("the graph has a cycle through nodes \(stuck.joined(separator: ", "))")
        }
        graph.nodes = order.map { graph.nodes[$0] }
    }
}

/// The sidecar weights file, loaded on first use.
struct WeightsFile {
    let name: String?
    let baseDirectory: URL
    private var bytes: [UInt8]?

    init(name: String?, baseDirectory: URL) {
        self.name = name
        self.baseDirectory = baseDirectory
    }

    mutating func slice(offset: Int, length: Int, context: String) throws(FrontendMessage) -> [UInt8] {
        guard let name else { throw FrontendMessage("\(context): data uses offset/length but the model has no 'weights_file'") }
        if bytes == nil {
            let url = baseDirectory.appendingPathComponent(name)
            guard let data = try? Data(contentsOf: url) else {
                throw FrontendMessage("cannot read weights_file '\(url.path)'")
            }
            bytes = [UInt8](data)
        }
        let all = bytes ?? []
        guard offset >= 0, length >= 0, offset <= all.count, length <= all.count - offset else {
            throw FrontendMessage("\(context): data [offset \(offset), length \(length)] lies outside weights_file '\(name)' (\(all.count) bytes; truncated file?)")
        }
        return Array(all[offset..<offset + length])
    }
}
