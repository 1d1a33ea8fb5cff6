/// A user-facing failure of a command. The CLI prints `tinyc: error: <description>` and exits
/// with `exitCode` (1 for bad input, 2 for usage, 3 for a failed check, 4 for a tool failure).
public struct CLIError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public var exitCode: Int32
    public init(_ description: String, exitCode: Int32 = 1) {
        self.description = description
        self.exitCode = exitCode
    }
}
