import Foundation

/// Locations in the checkout, found from this file's path so tests run from any directory.
enum Paths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let digits = root.appendingPathComponent("Examples/digits")
    static let digitsModel = digits.appendingPathComponent("digits.json")
    static let tinycBinary = root.appendingPathComponent(".build/debug/tinyc")

    static func temporaryDirectory(_ label: String) -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tinyc-\(label)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// True if every tool is on PATH; tests that need QEMU print why they are skipped otherwise.
    static func haveTools(_ tools: [String]) -> Bool {
        tools.allSatisfy { tool in
            (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
                FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)")
            }
        }
    }
}
