import Testing
import TinycSchedule

@Test func splitMix64MatchesReferenceOutputs() {
    // Reference values of Vigna's splitmix64.c for seeds 0 and 1234567.
    var zero = SplitMix64(seed: 0)
    #expect(zero.next() == 0xE220_A839_7B1D_CDAF)
    #expect(zero.next() == 0x6E78_9E6A_A1B9_65F4)
    #expect(zero.next() == 0x06C4_5D18_8009_454F)
    var other = SplitMix64(seed: 1_234_567)
    #expect(other.next() == 6_457_827_717_110_365_317)
}

@Test func splitMix64BoundedDrawsStayInRangeAndCoverIt() {
    var rng = SplitMix64(seed: 42)
    var seen = Set<Int>()
    for _ in 0..<1000 {
        let v = rng.next(below: 7)
        #expect((0..<7).contains(v))
        seen.insert(v)
        let d = rng.nextDouble()
        #expect(d >= 0 && d < 1)
        #expect((3...5).contains(rng.next(in: 3...5)))
    }
    #expect(seen.count == 7)
}
