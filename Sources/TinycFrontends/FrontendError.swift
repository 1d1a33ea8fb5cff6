/// A model file tinyc cannot read, with the file and the place in it (node, tensor or key).
public struct FrontendError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var message: String
    public init(file: String, _ message: String) {
        self.file = file
        self.message = message
    }
    public var description: String { "\(file): \(message)" }
}

/// An error message without the file name (the reader adds it).
struct FrontendMessage: Error {
    var text: String
    init(_ text: String) { self.text = text }
}
