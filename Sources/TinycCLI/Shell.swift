import Foundation

/// Runs external tools (make, qemu, the board's compiler) and captures their output.
enum Shell {
    struct Result {
        var status: Int32
        /// stdout and stderr, interleaved.
        var output: String
    }

    static func run(_ args: [String], environment: [String: String] = [:], in directory: URL? = nil) throws(CLIError) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = args
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        if let directory { process.currentDirectoryURL = directory }
        // One pipe for both streams keeps their lines in the order the tools wrote them.
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw CLIError("cannot run \(args.first ?? "?"): \(error.localizedDescription)", exitCode: 4)
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: outData, as: UTF8.self))
    }

    /// True if `tool` is on PATH.
    static func exists(_ tool: String) -> Bool {
        ((try? run(["sh", "-c", "command -v \(tool)"]))?.status ?? 1) == 0
    }
}
