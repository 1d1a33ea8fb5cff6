import Foundation

/// Reads and writes NumPy .npy files (format 1.0–3.0, C order, little-endian) — the format
/// `--calib` and `--input` take. Supported dtypes: float32, float64, int8, uint8, int32, int64.
public struct NpyArray: Equatable {
    public var shape: [Int]
    /// Values converted to Double (exact for every supported dtype in practice).
    public var values: [Double]
    public var dtype: String

    /// Element count of one sample: the product of all but the first dimension (or all, for rank 1).
    public var sampleCount: Int { shape.count > 1 ? shape[0] : 1 }
}

public enum Npy {
    public static func read(_ url: URL) throws(CLIError) -> NpyArray {
        guard let data = try? Data(contentsOf: url) else { throw CLIError("cannot read '\(url.path)'") }
        return try parse([UInt8](data), file: url.path)
    }

    public static func parse(_ bytes: [UInt8], file: String) throws(CLIError) -> NpyArray {
        func fail(_ m: String) -> CLIError { CLIError("\(file): not a valid .npy file: \(m)") }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("missing the \\x93NUMPY header") }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else {
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        }
        guard headerStart + headerLength <= bytes.count,
              let header = String(bytes: bytes[headerStart..<headerStart + headerLength], encoding: .utf8)
        else { throw fail("truncated header") }
        guard let descr = field(header, "descr"), let shapeText = field(header, "shape") else { throw fail("header lacks descr or shape") }
        if field(header, "fortran_order") == "True" { throw fail("Fortran order is not supported; save with np.ascontiguousarray") }
        let dims = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "()")).split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var shape: [Int] = []
        for d in dims {
            guard let v = Int(d), v >= 0 else { throw fail("bad shape \(shapeText)") }
            shape.append(v)
        }
        let type = descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
        let size: Int
        switch type {
        case "<f4", "<i4": size = 4
        case "<f8", "<i8": size = 8
        case "|i1", "|u1", "<i1", "<u1": size = 1
        default: throw fail("unsupported dtype \(type) (use float32, float64, int8, uint8, int32 or int64, little-endian)")
        }
        let count = shape.reduce(1, *)
        let body = headerStart + headerLength
        guard bytes.count - body >= count * size else { throw fail("data is truncated: \(bytes.count - body) bytes for \(count) elements of \(size) bytes") }
        var values = [Double](repeating: 0, count: count)
        for i in 0..<count {
            let o = body + i * size
            var u: UInt64 = 0
            for b in 0..<size { u |= UInt64(bytes[o + b]) << (8 * UInt64(b)) }
            switch type {
            case "<f4": values[i] = Double(Float(bitPattern: UInt32(u)))
            case "<f8": values[i] = Double(bitPattern: u)
            case "<i4": values[i] = Double(Int32(bitPattern: UInt32(u)))
            case "<i8": values[i] = Double(Int64(bitPattern: u))
            case "|u1", "<u1": values[i] = Double(u)
            default: values[i] = Double(Int8(bitPattern: UInt8(u)))
            }
        }
        return NpyArray(shape: shape, values: values, dtype: type)
    }

    /// The value of `key` in the header's Python dict literal.
    private static func field(_ header: String, _ key: String) -> String? {
        guard let k = header.range(of: "'\(key)':") else { return nil }
        let rest = header[k.upperBound...].drop(while: { $0 == " " })
        if rest.first == "(" { return rest.firstIndex(of: ")").map { String(rest[...$0]) } }
        return String(rest.prefix(while: { $0 != "," && $0 != "}" })).trimmingCharacters(in: .whitespaces)
    }

    /// Splits an array into samples of `elements` values each: shape [N, ...] with the rest
    /// multiplying to `elements`, or exactly one sample.
    public static func samples(_ a: NpyArray, elements: Int, file: String) throws(CLIError) -> [[Double]] {
        guard elements > 0, !a.values.isEmpty, a.values.count % elements == 0 else {
            throw CLIError("\(file): \(a.values.count) values (shape \(a.shape)) cannot be split into samples of \(elements) values")
        }
        return stride(from: 0, to: a.values.count, by: elements).map { Array(a.values[$0..<$0 + elements]) }
    }
}

extension Npy {
    /// A version 1.0 header for a C-order little-endian array (used to write .npy files).
    public static func header(dtype: String, shape: [Int]) -> [UInt8] {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '\(dtype)', 'fortran_order': False, 'shape': \(dims), }"
        while (10 + dict.utf8.count + 1) % 64 != 0 { dict += " " }
        dict += "\n"
        return [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(dict.utf8.count & 0xFF), UInt8(dict.utf8.count >> 8)] + Array(dict.utf8)
    }
}
