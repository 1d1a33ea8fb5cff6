/// How int4 weight tensors are stored in flash: TFLite's kTfLiteInt4 layout
/// (Runtime-C/include/tinyc/tc_s4.h). The tensor flattened row-major, two weights per byte, weight
/// 2i in the low nibble and 2i + 1 in the high nibble (4-bit two's complement); an odd count leaves
/// the last high nibble 0. Rows are not padded, so a row of odd length can start inside a byte.
public enum Int4Packing {
    /// Bytes of a stream of `count` weights (tc_s4_packed_bytes).
    public static func bytes(count: Int) -> Int { (count + 1) / 2 }

    /// The packed stream of weights `q` (each in -8...7).
    public static func pack(_ q: [Int8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: bytes(count: q.count))
        for (i, v) in q.enumerated() {
            out[i / 2] |= (UInt8(bitPattern: v) & 0x0F) << (4 * UInt8(i % 2))
        }
        return out
    }

    /// The weights of a packed stream of `count` weights (the inverse of `pack`; the TFLite reader
    /// uses it on INT4 tensors).
    public static func unpack(_ bytes: [UInt8], count: Int) -> [Int8] {
        (0..<count).map { i in
            let nibble = (bytes[i / 2] >> (4 * UInt8(i % 2))) & 0x0F
            return Int8(bitPattern: nibble << 4) >> 4
        }
    }
}
