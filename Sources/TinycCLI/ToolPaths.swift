import Foundation

/// Where tinyc finds its own files (Runtime-C, Boards, the QEMU plugin): `$TINYC_ROOT` if set, else
/// the first directory above the running executable that holds `Runtime-C/include/tinyc` — which is
/// the checkout when tinyc runs from `.build/`.
public enum ToolPaths {
    public static func root() throws(CLIError) -> URL {
        let fm = FileManager.default
        func isRoot(_ u: URL) -> Bool { fm.fileExists(atPath: u.appendingPathComponent("Runtime-C/include/tinyc/tc_kernels.h").path) }
        if let env = ProcessInfo.processInfo.environment["TINYC_ROOT"] {
            let u = URL(fileURLWithPath: env)
            guard isRoot(u) else { throw CLIError("TINYC_ROOT=\(env) does not contain Runtime-C/include/tinyc/tc_kernels.h") }
            return u
        }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        if let exe = Bundle.main.executableURL { dir = exe.resolvingSymlinksInPath().deletingLastPathComponent() }
        for _ in 0..<8 {
            if isRoot(dir) { return dir }
            dir = dir.deletingLastPathComponent()
        }
        throw CLIError("cannot find tinyc's Runtime-C and Boards folders; set TINYC_ROOT to the tinyc checkout")
    }
}
