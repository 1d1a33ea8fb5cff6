/// Parses memory sizes the way embedded users write them: `32k`, `32K`, `32KiB`, `32kb`, `1m`,
/// `1MiB`, `512`, `0x8000`. k = 1024 bytes (memory sizes are binary on MCUs).
public enum ByteSize {
    public static func parse(_ text: String) -> Int? {
        let s = text.trimmingCharacters(in: .whitespaces).lowercased()
        if s.hasPrefix("0x") { return Int(s.dropFirst(2), radix: 16).flatMap { $0 > 0 ? $0 : nil } }
        let digits = s.prefix(while: { $0.isNumber })
        guard let value = Int(digits), value > 0 else { return nil }
        let unit = s.dropFirst(digits.count)
        let multiplier: Int
        switch unit {
        case "", "b": multiplier = 1
        case "k", "kb", "kib": multiplier = 1 << 10
        case "m", "mb", "mib": multiplier = 1 << 20
        default: return nil
        }
        let (r, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : r
    }

    /// `12345` → `12.1 KiB` for reports.
    public static func format(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        if bytes < 1 << 20 { return String(format: "%.1f KiB", Double(bytes) / 1024) }
        return String(format: "%.2f MiB", Double(bytes) / Double(1 << 20))
    }
}

import Foundation
