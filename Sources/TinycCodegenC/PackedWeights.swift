import TinycIR

/// Weights in the layout a `_dsp` kernel reads, computed at compile time.
enum PackedWeights {
    /// `tc_fc_s8_dsp_pack_weights` (tc_fc_dsp.h) of an (out, in) int8 filter, as little-endian
    /// 32-bit words (so the array is word aligned: the kernel loads it with LDM).
    ///
    /// Rows are paired, pair i = rows (a, b) = (2i, 2i + 1); a missing row b and indices k >= in are
    /// zero weights. With Kp = in rounded up to 4, pair i has Kp / 2 steps s = 2g + h (h = 0, 1), step s
    /// covering k0 = 4g + h and k1 = k0 + 2, stored as the word
    ///     [(a[k0] + 128) mod 256, b[k0], (a[k1] + 128) mod 256, b[k1]]
    /// Pairs below F = 3 * floor(pairs / 3) form blocks of three; word (i, s) is at byte
    /// (i / 3) * 6 Kp + (3 s + i % 3) * 4 for i < F, else F * 2 Kp + (i - F) * 2 Kp + 4 s.
    static func fullyConnected(_ filter: [Int8], outFeatures: Int, inFeatures: Int) -> [UInt32] {
        let kp = (inFeatures + 3) / 4 * 4
        let pairs = (outFeatures + 1) / 2
        let blocked = 3 * (pairs / 3)
        func w(_ r: Int, _ k: Int) -> Int { r < outFeatures && k < inFeatures ? Int(filter[r * inFeatures + k]) : 0 }
        var words = [UInt32](repeating: 0, count: 2 * pairs * kp / 4)
        for i in 0..<pairs {
            let a = 2 * i, b = 2 * i + 1
            for s in 0..<(kp / 2) {
                let k0 = 4 * (s / 2) + s % 2, k1 = k0 + 2
                let bytes = [(w(a, k0) + 128) & 0xFF, w(b, k0) & 0xFF, (w(a, k1) + 128) & 0xFF, w(b, k1) & 0xFF]
                let offset = i < blocked ? (i / 3) * 6 * kp + (3 * s + i % 3) * 4 : blocked * 2 * kp + (i - blocked) * 2 * kp + 4 * s
                words[offset / 4] = bytes.enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * $1.offset) }
            }
        }
        return words
    }
}
