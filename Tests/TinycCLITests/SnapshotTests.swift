import Foundation
import Testing
@testable import TinycCLI

/// The generated C for the digits example is a reviewed artifact: a refactor must not change it
/// unless the output should change. Re-record with `TINYC_RECORD_SNAPSHOTS=1 swift test --filter
/// SnapshotTests` (the run then fails once, so a recording is never mistaken for a pass) and review the diff.
struct SnapshotTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots/digits")
    static let recording = ProcessInfo.processInfo.environment["TINYC_RECORD_SNAPSHOTS"] == "1"

    @Test(arguments: ["digits.h", "digits.c", "digits_weights.h", "digits_weights.c", "Makefile", "report.txt"])
    func generatedFilesMatchTheSnapshots(_ file: String) throws {
        var o = CompileOptions()
        o.sram = 32 * 1024
        o.calibration = Paths.digits.appendingPathComponent("calib.npy")
        let out = Paths.temporaryDirectory("snapshot")
        try OutputWriter.write(try Compiler.compile(Paths.digitsModel, options: o), modelFile: Paths.digitsModel, to: out)
        let actual = try String(contentsOf: out.appendingPathComponent(file), encoding: .utf8)
        let snapshot = Self.directory.appendingPathComponent(file)
        if Self.recording {
            try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
            try actual.write(to: snapshot, atomically: true, encoding: .utf8)
            Issue.record("recorded \(snapshot.path); unset TINYC_RECORD_SNAPSHOTS and review the diff")
            return
        }
        let expected = try String(contentsOf: snapshot, encoding: .utf8)
        if actual != expected {
            let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let line = (0..<min(a.count, e.count)).first { a[$0] != e[$0] } ?? min(a.count, e.count)
            Issue.record("\(file) differs from its snapshot at line \(line + 1):\n  got:      \(line < a.count ? a[line] : "<end>")\n  expected: \(line < e.count ? e[line] : "<end>")")
        }
    }
}
