import Foundation

/// The host C compiler, the runtime built once per test run, and a small process runner.
///
/// Layer 5 of the test plan (ARCHITECTURE.md §3.12): generated C plus Runtime-C, compiled with the
/// host `cc` under ASan + UBSan (any report is fatal), run natively and compared byte for byte with
/// `TinycReference`.
enum HostToolchain {
    /// The repository root (this file is Tests/RuntimeHostTests/HostToolchain.swift).
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// Runtime-C, or `$TINYC_RUNTIME_DIR` (e.g. a mutated copy, to check that the tests catch a bug).
    static let runtimeDir = ProcessInfo.processInfo.environment["TINYC_RUNTIME_DIR"].map { URL(fileURLWithPath: $0) }
        ?? repoRoot.appendingPathComponent("Runtime-C")
    static let includeFlags = [
        "-I", runtimeDir.appendingPathComponent("include").path,
        "-I", runtimeDir.appendingPathComponent("src").path,
    ]

    /// Flags for every object of a test program: strict C99, warnings are errors, and every
    /// sanitizer report aborts the run.
    static let sanitizedFlags = [
        "-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror", "-O1", "-g",
        "-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer",
    ]

    /// The strictest warning set, no sanitizers (the "compiles warning-free" check).
    static let pedanticFlags = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]

    /// `$CC` if set, else the first of cc, gcc, clang found on PATH.
    static let compiler: String? = {
        let env = ProcessInfo.processInfo.environment
        let path = (env["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        func resolve(_ name: String) -> String? {
            if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
            for dir in path {
                let candidate = (dir as NSString).appendingPathComponent(name)
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
            return nil
        }
        if let cc = env["CC"], !cc.isEmpty { return resolve(cc) }
        return ["cc", "gcc", "clang"].lazy.compactMap(resolve).first
    }()

    /// The runtime's .c files compiled once per test run (objects in a temporary directory), or the
    /// compiler's complaint. Swift initializes a static `let` exactly once, even under concurrency.
    static let runtimeObjects: Result<[String], HostFailure> = Result { () throws(HostFailure) -> [String] in
        guard let cc = compiler else { throw HostFailure("no host C compiler") }
        removeStaleRuntimeDirectories()
        let dir = try makeTemporaryDirectory("runtime")
        let listing: [String]
        do { listing = try FileManager.default.contentsOfDirectory(atPath: runtimeDir.appendingPathComponent("src").path) } catch {
            throw HostFailure("cannot list \(runtimeDir.path)/src: \(error)")
        }
        let sources = listing
            .filter { $0.hasSuffix(".c") }.sorted()
            .map { runtimeDir.appendingPathComponent("src").appendingPathComponent($0).path }
        guard !sources.isEmpty else { throw HostFailure("no .c files in \(runtimeDir.path)/src") }
        let result = try run(cc, sanitizedFlags + includeFlags + ["-c"] + sources, in: dir)
        guard result.status == 0 else {
            throw HostFailure("building Runtime-C failed (\(cc), exit \(result.status)):\n\(result.output)")
        }
        return sources.map { dir.appendingPathComponent(($0 as NSString).lastPathComponent.replacingOccurrences(of: ".c", with: ".o")).path }
    }

    /// The runtime objects live as long as the test process and no test hook runs at its end, so
    /// each run deletes the runtime directories of earlier test processes that have exited.
    static func removeStaleRuntimeDirectories() {
        let tmp = FileManager.default.temporaryDirectory
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: tmp.path) else { return }
        for entry in entries where entry.hasPrefix("tinyc-host-") && entry.contains("-runtime-") {
            let parts = entry.split(separator: "-")
            guard parts.count > 3, let pid = Int32(parts[2]), pid != ProcessInfo.processInfo.processIdentifier else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(at: tmp.appendingPathComponent(entry))
            }
        }
    }

    /// A fresh directory under the system temporary directory.
    static func makeTemporaryDirectory(_ label: String) throws(HostFailure) -> URL {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("tinyc-host-\(ProcessInfo.processInfo.processIdentifier)-\(label)-\(UUID().uuidString.prefix(8))")
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw HostFailure("cannot create \(dir.path): \(error)")
        }
        return dir
    }

    struct ProcessResult {
        var status: Int32
        /// stdout and stderr, interleaved as far as the files allow (stdout first).
        var output: String
    }

    /// Runs `executable` with `arguments` in `directory`; stdout and stderr are captured through
    /// files (no pipe can fill up and deadlock).
    static func run(_ executable: String, _ arguments: [String], in directory: URL) throws(HostFailure) -> ProcessResult {
        let outURL = directory.appendingPathComponent(".stdout-\(UUID().uuidString.prefix(8))")
        let errURL = directory.appendingPathComponent(".stderr-\(UUID().uuidString.prefix(8))")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        // LeakSanitizer cannot run under ptrace (debuggers, some CI sandboxes); the programs free
        // nothing worth checking anyway. Everything else stays fatal.
        env["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=0"
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
        process.environment = env
        do {
            let out = try FileHandle(forWritingTo: outURL)
            let err = try FileHandle(forWritingTo: errURL)
            defer { try? out.close(); try? err.close() }
            process.standardOutput = out
            process.standardError = err
            try process.run()
            process.waitUntilExit()
        } catch {
            throw HostFailure("cannot run \(executable): \(error)")
        }
        let stdout = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        return ProcessResult(status: process.terminationStatus, output: stdout + stderr)
    }
}

/// A failure of the host machinery (compiler, files, processes), with the text to show.
struct HostFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Whether the host-runtime tests can run. False (the tests are skipped, with the reason printed)
/// only when no C compiler is found and `TINYC_REQUIRE_HOST_CC` is unset; with it set, a missing
/// compiler runs the tests so that they fail loudly (for CI machines that must have one).
let hostCompilerAvailable: Bool = {
    if HostToolchain.compiler != nil { return true }
    if ProcessInfo.processInfo.environment["TINYC_REQUIRE_HOST_CC"] != nil { return true }
    print("RuntimeHostTests: SKIPPED: no host C compiler (set CC, or put cc/gcc/clang on PATH); "
        + "set TINYC_REQUIRE_HOST_CC=1 to make this a failure")
    return false
}()
