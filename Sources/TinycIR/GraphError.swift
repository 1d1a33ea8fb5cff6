/// A problem with a graph, located at a node or a tensor. Messages are written by the stage that
/// finds the problem; `description` adds the location so every error names what it is about.
public struct GraphError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Location: Hashable, Sendable {
        case graph
        case node(index: Int, name: String, op: String)
        case tensor(name: String)
    }

    public var location: Location
    public var message: String

    public init(_ location: Location, _ message: String) {
        self.location = location
        self.message = message
    }

    public static func node(_ index: Int, _ node: Node, _ message: String) -> GraphError {
        GraphError(.node(index: index, name: node.name, op: node.op.name), message)
    }

    public var description: String {
        switch location {
        case .graph: message
        case .node(_, let name, let op): "node '\(name)' (\(op)): \(message)"
        case .tensor(let name): "tensor '\(name)': \(message)"
        }
    }
}
