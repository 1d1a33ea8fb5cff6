import ArgumentParser
import Foundation

/// `tinyc`: compile a neural network to C for Cortex-M and run it on an emulated board.
public struct TinycCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tinyc",
        abstract: "A TinyML deployment compiler: neural network -> C for Cortex-M microcontrollers.",
        version: OutputWriter.version,
        subcommands: [CompileCommand.self, RunCommand.self, BuildCommand.self, FlashCommand.self, InspectCommand.self, EvalCommand.self, ConvertCommand.self, ExperimentCommand.self])
    public init() {}
}

/// Runs a command body, printing user-facing errors as `tinyc: error: ...` and exiting with the
/// error's code instead of a stack trace.
func reportingErrors(_ body: () throws(CLIError) -> Void) throws {
    do { try body() } catch {
        FileHandle.standardError.write(Data("tinyc: error: \(error.description)\n".utf8))
        throw ExitCode(error.exitCode)
    }
}

/// Prints to stdout without buffering surprises when stdout is a pipe.
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}
