/// SplitMix64: a tiny, seeded, 64-bit pseudo-random generator (Steele, Lea & Flood, OOPSLA 2014;
/// the constants are the ones Vigna publishes for seeding xoshiro).
///
/// Every "random" decision in tinyc (the planner's hill climb, property tests) draws from this
/// generator with a fixed seed, so a compile is a pure function of its input: same model, same
/// plan, same C, on every machine and toolchain.
///
/// Algorithm: the state advances by the odd constant 0x9E3779B97F4A7C15 (a Weyl sequence), and
/// each output is that state passed through a 64-bit finalizer (two xor-shift-multiply rounds and
/// a final xor-shift). Period 2^64; every 64-bit value occurs exactly once per period.
///
/// Not guaranteed: cryptographic quality, or independence between generators whose seeds differ
/// by a multiple of the Weyl constant. `next(below:)` and `nextDouble()` are defined here, not
/// taken from the standard library, so their results cannot change with a Swift release.
public struct SplitMix64: RandomNumberGenerator, Hashable, Sendable {
    /// The Weyl-sequence counter; the next output is a function of `state + 0x9E3779B97F4A7C15`.
    public private(set) var state: UInt64

    /// A generator whose output is fully determined by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 uniformly distributed bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniformly distributed integer in `0..<n` (`n > 0`), without modulo bias.
    ///
    /// Lemire's multiply-high method: the high word of `next() * n` is uniform in `0..<n` once the
    /// few low words that would bias it (those below `2^64 mod n`) are rejected and redrawn.
    public mutating func next(below n: Int) -> Int {
        precondition(n > 0, "SplitMix64.next(below:) needs n > 0, got \(n)")
        let bound = UInt64(n)
        let threshold = (0 &- bound) % bound  // 2^64 mod n
        while true {
            let (high, low) = next().multipliedFullWidth(by: bound)
            if low >= threshold { return Int(high) }
        }
    }

    /// A uniformly distributed integer in `range` (closed, non-empty).
    public mutating func next(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + next(below: range.upperBound - range.lowerBound + 1)
    }

    /// A double in `[0, 1)` with 53 random bits.
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }
}
