/// Stage 3 of `MemoryPlanner.plan`: a seeded hill climb over the greedy's visiting order.
///
/// The arena is as tall as the buffers that end at its top, so each move takes one of them, `t`
/// (chosen at random), and changes where `t` sits in the order relative to the buffers it competes
/// with for addresses:
///
/// * swap `t` with a random buffer that conflicts with it (first-level neighbour), or
/// * swap `t` with a random conflict neighbour of such a neighbour (second-level), or
/// * move `t` to a random earlier position (everything between shifts back by one).
///
/// The new order is re-placed by the same greedy. A move that does not grow the arena is kept
/// (sideways moves let the search cross plateaus); a move that grows it by the fraction `δ` is kept
/// with probability `exp(-δ / T)`, where `T` falls linearly from 5 % to 0 over the budget. The best
/// placement seen is returned. The search stops when it reaches the (alignment-aware) lower bound.
///
/// Not guaranteed: finding the optimum, or the bound even when it is reachable; the budget is
/// fixed so compile time stays bounded (at most `budget` greedy passes).
extension Problem {
    struct ClimbResult {
        var placement: Placement
        /// Iterations run (stops early at the lower bound).
        var iterations: Int
        /// Iteration at which `placement` was first found (0: the starting placement).
        var bestIteration: Int
    }

    func hillClimb(from start: [Int], _ startPlacement: Placement, seed: UInt64, budget: Int) -> ClimbResult {
        var rng = SplitMix64(seed: seed)
        var order = start
        var current = startPlacement
        var result = ClimbResult(placement: startPlacement, iterations: 0, bestIteration: 0)
        var position = [Int](repeating: 0, count: buffers.count)
        for (p, i) in order.enumerated() { position[i] = p }

        precondition(budget > 0, "hill climb budget must be positive")
        for iteration in 1...budget {
            if result.placement.arena <= searchBound { break }
            result.iterations = iteration
            // Buffers ending at the top of the arena, in tensor-id order.
            let top = buffers.indices.filter { current.offsets[$0] + buffers[$0].size == current.arena }
            let t = top[rng.next(below: top.count)]
            var candidate = order
            let move = conflicts[t].isEmpty ? 2 : rng.next(below: 3)
            switch move {
            case 0, 1:
                var other = conflicts[t][rng.next(below: conflicts[t].count)]
                if move == 1, !conflicts[other].isEmpty {
                    let second = conflicts[other][rng.next(below: conflicts[other].count)]
                    if second != t { other = second }
                }
                candidate.swapAt(position[t], position[other])
            default:
                guard position[t] > 0 else { continue }
                let to = rng.next(below: position[t])
                candidate.remove(at: position[t])
                candidate.insert(t, at: to)
            }

            let placement = place(candidate)
            let growth = Double(placement.arena - current.arena) / Double(max(current.arena, 1))
            let temperature = 0.05 * (1 - Double(iteration) / Double(budget))
            let accept = growth <= 0 || (temperature > 0 && rng.nextDouble() < portableExp(-growth / temperature))
            if accept {
                order = candidate
                current = placement
                for (p, i) in order.enumerated() { position[i] = p }
                if placement.arena < result.placement.arena {
                    result.placement = placement
                    result.bestIteration = iteration
                }
            }
        }
        return result
    }
}

/// `e^x` from basic IEEE arithmetic only, accurate to ~1e-12 relative for moderate |x|.
///
/// Rationale: libm's `exp` may differ in the last ulp between platforms, which could flip one
/// acceptance decision and so change the plan; this one gives the same bits everywhere.
func portableExp(_ x: Double) -> Double {
    if x < -700 { return 0 }
    // exp(x) = exp(x / 2^k)^(2^k), with a short Taylor series for the small argument.
    var k = 0
    var y = x
    while abs(y) > 0.5 { y /= 2; k += 1 }
    var term = 1.0, sum = 1.0
    for n in 1...12 { term *= y / Double(n); sum += term }
    for _ in 0..<k { sum *= sum }
    return sum
}
