/// An indentation-aware line writer for C source. No template engine: output is deterministic
/// (names come from indices and model names, floats print in their shortest exact form).
struct CWriter {
    private(set) var text = ""
    private var depth = 0

    mutating func line(_ s: String = "") {
        text += s.isEmpty ? "\n" : String(repeating: "    ", count: depth) + s + "\n"
    }

    /// `header {` ... `}` + `trailer`, with the body indented.
    mutating func block(_ header: String, trailer: String = "", _ body: (inout CWriter) -> Void) {
        line(header.isEmpty ? "{" : header + " {")
        depth += 1
        body(&self)
        depth -= 1
        line("}" + trailer)
    }

    /// A C array initializer body, `perLine` values to a line, indented one level.
    mutating func values<T>(_ items: [T], perLine: Int, _ format: (T) -> String = { "\($0)" }) {
        depth += 1
        var i = 0
        while i < items.count {
            let chunk = items[i..<min(i + perLine, items.count)].map(format).joined(separator: ", ")
            line(chunk + (i + perLine < items.count ? "," : ""))
            i += perLine
        }
        depth -= 1
    }
}

/// C identifiers and literals.
public enum CName {
    /// `name` reduced to a C identifier: lowercase letters, digits and underscores, never starting
    /// with a digit, never empty.
    public static func identifier(_ name: String) -> String {
        var s = String(name.lowercased().map { ($0.isASCII && ($0.isLetter || $0.isNumber)) ? $0 : "_" })
        while s.contains("__") { s = s.replacingOccurrences(of: "__", with: "_") }
        s = String(s.drop(while: { $0 == "_" }).reversed().drop(while: { $0 == "_" }).reversed())
        if s.isEmpty { return "model" }
        if s.first!.isNumber { s = "m" + s }
        return s
    }

    /// A float as a C `float` literal that round-trips exactly.
    static func float(_ f: Float) -> String {
        let d = "\(f)"
        return d.contains(".") || d.contains("e") ? d + "f" : d + ".0f"
    }

    /// A comment-safe version of an arbitrary string (no `*/`).
    static func comment(_ s: String) -> String { s.replacingOccurrences(of: "*/", with: "* /") }
}
