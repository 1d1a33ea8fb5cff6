import Testing
import TinycIR
@testable import TinycSchedule

private func buffer(_ id: Int, _ size: Int, _ first: Int, _ last: Int) -> Buffer {
    Buffer(tensor: TensorID(id), size: size, first: first, last: last)
}

/// ALGORITHMS.md §2.4, worked example C: one MobileNetV2 residual block at 160×160.
/// x = input (40·40·24), e = pw1 out, d = dw out, p = pw2 out, y = add out.
@Test func workedExampleCReachesLowerBound() {
    let (x, e, d, p, y) = (0, 1, 2, 3, 4)
    let buffers = [
        buffer(x, 38_400, 0, 3), buffer(e, 230_400, 0, 1), buffer(d, 230_400, 1, 2),
        buffer(p, 38_400, 2, 3), buffer(y, 38_400, 3, 4),
    ]
    let plan = MemoryPlanner.plan(buffers, steps: 5, alignment: 16)
    #expect(plan.lowerBound == 499_200)
    #expect(plan.arenaBytes == 499_200)
    #expect(plan.strategy == "greedy by size")
    // The placement the brief walks through.
    #expect(plan.offsets == [
        TensorID(e): 0, TensorID(d): 230_400, TensorID(x): 460_800, TensorID(p): 0, TensorID(y): 38_400,
    ])
    #expect(MemoryPlanner.violation(in: plan, buffers: buffers) == nil)
}

/// ALGORITHMS.md §2.4, worked example D: largest-first greedy is not optimal.
@Test func workedExampleDBeatsGreedyBySize() {
    let kb = 1024
    let (a, b, c, d, e) = (0, 1, 2, 3, 4)
    let buffers = [
        buffer(a, 2 * kb, 3, 3), buffer(b, 6 * kb, 4, 4), buffer(c, 5 * kb, 3, 3),
        buffer(d, 3 * kb, 1, 1), buffer(e, 6 * kb, 3, 5),
    ]
    let bySize = MemoryPlanner.greedy(buffers, steps: 6, alignment: 16, order: .sizeDescending)
    #expect(bySize.arenaBytes == 14 * kb)
    #expect(bySize.offsets[TensorID(a)] == 12 * kb)  // A cannot use the 1 KB gap [5, 6) KB
    let plan = MemoryPlanner.plan(buffers, steps: 6, alignment: 16)
    #expect(plan.lowerBound == 13 * kb)
    #expect(plan.arenaBytes == 13 * kb)
    #expect(plan.strategy != "greedy by size")
    #expect(MemoryPlanner.violation(in: plan, buffers: buffers) == nil)
}

@Test func emptyAndTrivialInputs() {
    let empty = MemoryPlanner.plan([], steps: 0, alignment: 4)
    #expect(empty.arenaBytes == 0 && empty.lowerBound == 0 && empty.offsets.isEmpty)
    let zero = [buffer(0, 0, 0, 1), buffer(1, 8, 0, 1), buffer(2, 0, 1, 1)]
    let plan = MemoryPlanner.plan(zero, steps: 2, alignment: 4)
    #expect(plan.arenaBytes == 8)
    #expect(MemoryPlanner.violation(in: plan, buffers: zero) == nil)
}

@Test func violationReportsOverlapMisalignmentAndWrongArena() {
    let buffers = [buffer(0, 10, 0, 1), buffer(1, 10, 1, 2), buffer(2, 10, 2, 2)]
    let good = MemoryPlanner.plan(buffers, steps: 3, alignment: 4)
    #expect(MemoryPlanner.violation(in: good, buffers: buffers) == nil)

    var overlap = good
    overlap.offsets = [TensorID(0): 0, TensorID(1): 8, TensorID(2): 20]
    overlap.arenaBytes = 30
    #expect(MemoryPlanner.violation(in: overlap, buffers: buffers)?.contains("overlap") == true)

    var sharedAfterDeath = overlap
    sharedAfterDeath.offsets = [TensorID(0): 0, TensorID(1): 12, TensorID(2): 0]  // %0 dead at step 2
    sharedAfterDeath.arenaBytes = 22
    #expect(MemoryPlanner.violation(in: sharedAfterDeath, buffers: buffers) == nil)

    var misaligned = sharedAfterDeath
    misaligned.offsets[TensorID(1)] = 14
    misaligned.arenaBytes = 24
    #expect(MemoryPlanner.violation(in: misaligned, buffers: buffers)?.contains("multiple of 4") == true)

    var wrongArena = sharedAfterDeath
    wrongArena.arenaBytes = 40
    #expect(MemoryPlanner.violation(in: wrongArena, buffers: buffers)?.contains("arena") == true)

    var missing = sharedAfterDeath
    missing.offsets[TensorID(2)] = nil
    #expect(MemoryPlanner.violation(in: missing, buffers: buffers) != nil)
}

@Test func planIsDeterministicAndIndependentOfInputOrder() {
    var rng = SplitMix64(seed: 7)
    let buffers = randomBuffers(&rng, count: 60, steps: 30)
    let first = MemoryPlanner.plan(buffers, steps: 30, alignment: 16)
    let second = MemoryPlanner.plan(buffers, steps: 30, alignment: 16)
    #expect(first == second)
    let reversed = MemoryPlanner.plan(buffers.reversed(), steps: 30, alignment: 16)
    #expect(first == reversed)
}

/// `count` buffers with sizes 1...5000 and lifetimes within `0..<steps`.
func randomBuffers(_ rng: inout SplitMix64, count: Int, steps: Int) -> [Buffer] {
    (0..<count).map { id in
        let first = rng.next(below: steps)
        let last = rng.next(in: first...(steps - 1))
        return buffer(id, rng.next(in: 1...5000), first, last)
    }
}

/// The property test of ARCHITECTURE.md §3.12, layer 2: 200 seeded random buffer sets, run
/// unaligned (where `lowerBound` is the exact bound) and with 16-byte alignment.
@Test(arguments: [1, 16])
func randomBufferSetsSatisfyInvariantAndNeverLoseToGreedyBySize(alignment: Int) {
    var rng = SplitMix64(seed: 2024)
    var hits = 0, alignedHits = 0, beatsGreedy = 0, climbed = 0
    var gaps: [Double] = []
    for _ in 0..<200 {
        let steps = rng.next(in: 1...30)
        let buffers = randomBuffers(&rng, count: rng.next(in: 1...40), steps: steps)
        let plan = MemoryPlanner.plan(buffers, steps: steps, alignment: alignment)
        let bySize = MemoryPlanner.greedy(buffers, steps: steps, alignment: alignment, order: .sizeDescending)
        #expect(MemoryPlanner.violation(in: plan, buffers: buffers) == nil)
        #expect(plan.arenaBytes >= plan.lowerBound)
        #expect(plan.arenaBytes <= bySize.arenaBytes)
        #expect(plan.offsets.values.allSatisfy { $0 % alignment == 0 })
        if plan.arenaBytes == plan.lowerBound { hits += 1 }
        if plan.arenaBytes == Problem(buffers, steps: steps, alignment: alignment).searchBound { alignedHits += 1 }
        if plan.arenaBytes < bySize.arenaBytes { beatsGreedy += 1 }
        if plan.strategy.hasPrefix("hill climb") { climbed += 1 }
        gaps.append(Double(plan.gapBytes) / Double(plan.lowerBound))
    }
    #expect(climbed > 0, "the hill climb never improved on the greedy orders")
    let mean = gaps.reduce(0, +) / Double(gaps.count)
    print("planner property test, alignment \(alignment): LB hit \(hits)/200, alignment-aware bound hit "
        + "\(alignedHits)/200, better than greedy-by-size \(beatsGreedy)/200, "
        + "improved by the hill climb \(climbed)/200, "
        + "mean gap \(mean * 100) % of LB, max gap \(gaps.max()! * 100) %")
}

@Test func portableExpIsAccurate() {
    let cases: [(Double, Double)] = [
        (0, 1), (-0.01, 0.990049833749168), (-1, 0.36787944117144233), (-20, 2.061153622438558e-09),
    ]
    for (x, expected) in cases {
        #expect(abs(portableExp(x) - expected) <= 1e-12 * expected, "exp(\(x))")
    }
}
