/// A parsed JSON document. Decoded with Foundation's JSONDecoder (which reports the line and column
/// of syntax errors); the strict, key-checking reading is done by `JSONObjectReader`.
enum JSONValue: Decodable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    /// What the value is, for "expected X, got Y" messages.
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "an object"
        }
    }

    var int: Int? {
        if case .number(let d) = self, d.rounded() == d, abs(d) < 9.0e15 { return Int(d) }
        return nil
    }
    var double: Double? {
        if case .number(let d) = self { return d }
        return nil
    }
    var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }
    var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }
    var array: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }
    var object: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }
    var ints: [Int]? {
        guard let a = array else { return nil }
        let v = a.compactMap(\.int)
        return v.count == a.count ? v : nil
    }
}

/// Reads the keys of one JSON object strictly: a wrong type or a missing required key is an error
/// naming the object, and `finish()` rejects keys nobody asked for (typos, newer formats).
struct JSONObjectReader {
    let context: String
    let fields: [String: JSONValue]
    private var used: Set<String> = []

    init(_ value: JSONValue, context: String) throws(FrontendMessage) {
        guard let o = value.object else { throw FrontendMessage("\(context) must be an object, got \(value.kind)") }
        self.context = context
        fields = o
    }

    mutating func optional<T>(_ key: String, _ expected: String, _ convert: (JSONValue) -> T?) throws(FrontendMessage) -> T? {
        guard let v = fields[key] else { return nil }
        used.insert(key)
        guard let t = convert(v) else { throw FrontendMessage("\(context): '\(key)' must be \(expected), got \(v.kind)") }
        return t
    }

    mutating func required<T>(_ key: String, _ expected: String, _ convert: (JSONValue) -> T?) throws(FrontendMessage) -> T {
        guard let t = try optional(key, expected, convert) else { throw FrontendMessage("\(context): missing required key '\(key)'") }
        return t
    }

    func finish() throws(FrontendMessage) {
        let unknown = Set(fields.keys).subtracting(used).sorted()
        if !unknown.isEmpty {
            throw FrontendMessage("\(context): unknown key\(unknown.count > 1 ? "s" : "") \(unknown.map { "'\($0)'" }.joined(separator: ", "))")
        }
    }
}
