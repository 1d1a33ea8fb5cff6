import TinycIR
import TinycReference

/// Chooses each layer's weight precision (int8, int4 or ternary) so that the weights fit a flash
/// budget with the least measured error (ALGORITHMS.md §4.2):
///
/// 1. Sensitivity: every layer with int8 weights is lowered once to each lower precision (GPTQ with
///    the layer's input statistics on the calibration inputs, `lowerWeights`); the graph with only
///    that layer lowered runs on the calibration inputs through the reference interpreter; its
///    error is the mean |Δ| of the dequantized outputs against the all-int8 graph's. Without
///    inputs, the data-free stand-in is the layer's relative weight error ‖W − Ŵ‖² / ‖W‖².
/// 2. Choice: a multiple-choice knapsack, solved exactly by dynamic programming over flash bytes
///    (in units of 1/16384 of the int8 weights, costs rounded up so any answer truly fits):
///    minimize the summed errors subject to the weights fitting the budget.
/// 3. Check: the chosen graph runs again and its error is measured as a whole (errors are not
///    exactly additive), against `maxError` when given. `accept` (an accuracy check on labelled
///    data) may reject it; then every way of raising one lowered layer by one step (ternary to
///    int4, int4 to int8, the other layers re-solved under the budget) is checked and the best
///    scoring one kept, until a choice passes or raising no layer improves the score.
public struct PrecisionSearch {
    public struct Options: Sendable {
        /// Flash budget for every constant (weights, biases) in bytes.
        public var flash: Int
        /// Bound on the measured output error (mean |Δ| of dequantized outputs vs int8); nil: none.
        public var maxError: Double?
        /// The precisions layers may take (int8 is always allowed).
        public var allowed: [WeightPrecision]
        /// Flash bytes of a layer's weights at a precision (ternary: as the code generator packs it).
        public var bytes: @Sendable (_ count: Int, _ precision: WeightPrecision) -> Int
        /// Flash bytes of a constant of the graph as it is (biases, weights already in low bits).
        public var constantBytes: @Sendable (_ graph: Graph, _ id: TensorID) -> Int
        public init(flash: Int, maxError: Double? = nil, allowed: [WeightPrecision] = WeightPrecision.allCases,
                    bytes: @escaping @Sendable (Int, WeightPrecision) -> Int,
                    constantBytes: @escaping @Sendable (Graph, TensorID) -> Int = { g, t in g.type(t).byteCount }) {
            self.flash = flash
            self.maxError = maxError
            self.allowed = allowed
            self.bytes = bytes
            self.constantBytes = constantBytes
        }
    }

    /// What was measured for one layer.
    public struct Layer: Sendable, Equatable {
        public var node: Int
        public var name: String
        public var weights: Int
        /// The error each allowed precision adds when only this layer takes it.
        public var error: [WeightPrecision: Double]
        public var chosen: WeightPrecision
    }

    public struct Result: Sendable {
        public var precisions: [Int: WeightPrecision]
        public var layers: [Layer]
        /// The chosen graph's measured error (output or weight-based, see `method`).
        public var error: Double
        /// "output" (calibration inputs) or "weights" (data-free).
        public var method: String
        public var int8Bytes: Int
        public var chosenBytes: Int
        /// Knapsack solutions tried (more than 1 when `accept` rejected some).
        public var attempts: Int
        public var graph: Graph
    }

    public struct Failure: Error, Sendable {
        public var message: String
        public init(message: String) { self.message = message }
    }

    let graph: Graph
    let inputs: [[Int8]]
    let options: Options

    public init(graph: Graph, inputs: [[Int8]], options: Options) {
        self.graph = graph
        self.inputs = inputs
        self.options = options
    }

    /// A check of a chosen graph (e.g. accuracy on labelled data): whether it passes, a score
    /// (higher is better) to compare rejected choices, and what was measured.
    public typealias Verdict = (ok: Bool, score: Double, why: String)

    /// Runs the search; `accept` checks each choice (by default every choice passes).
    public func run(accept: (Graph) throws(GraphError) -> Verdict = { _ in (true, 0, "") }) throws(Failure) -> Result {
        do {
            return try search(accept: accept)
        } catch let error as Failure {
            throw error
        } catch let error as GraphError {
            throw Failure(message: error.description)
        } catch {
            throw Failure(message: "\(error)")
        }
    }

    func search(accept: (Graph) throws(GraphError) -> Verdict) throws -> Result {
        let candidates = graph.nodes.indices.filter { WeightLowering.canLower(graph, $0) }
        let lower = options.allowed.filter { $0 != .int8 }
        let fixed = graph.constants.keys.reduce(0) { $0 + options.constantBytes(graph, $1) }
            - candidates.reduce(0) { $0 + graph.type(graph.nodes[$1].inputs[1]).byteCount }
        let int8Bytes = fixed + candidates.reduce(0) { $0 + count($1) }
        let reference = try outputs(graph)
        let statistics = try LayerStatistics.collect(graph, layers: candidates, inputs: inputs)
        var lowered: [Int: [WeightPrecision: LoweredLayer]] = [:]
        var layers: [Layer] = []
        for n in candidates {
            var error: [WeightPrecision: Double] = [.int8: 0]
            for p in lower {
                let l = try WeightLowering.lower(graph, n, to: p, moments: statistics.moments[n])
                lowered[n, default: [:]][p] = l
                let g = try Pipeline.run([.applyLowered([n: l])], on: graph)
                error[p] = try measure(g, n, reference)
            }
            layers.append(Layer(node: n, name: graph.nodes[n].name, weights: count(n), error: error, chosen: .int8))
        }
        let minimum = fixed + layers.reduce(0) { s, l in s + min(l.weights, lower.map { options.bytes(l.weights, $0) }.min() ?? l.weights) }
        guard minimum <= options.flash else {
            throw Failure(message: "the weights need at least \(minimum) bytes with every layer at its lowest allowed precision (\(options.allowed.map(\.rawValue).joined(separator: ", "))), \(minimum - options.flash) more than the budget of \(options.flash) bytes (int8: \(int8Bytes) bytes)")
        }
        // The knapsack's choice, then, while `accept` rejects: every way of raising one lowered
        // layer one step (ternary -> int4 -> int8, the rest re-solved), keeping the best-scoring.
        var floors: [Int: WeightPrecision] = [:]
        var attempts = 0
        var best: (score: Double, why: String)?
        func evaluate(_ choice: [Int: WeightPrecision]) throws -> (Graph, Double, Bool, String) {
            attempts += 1
            let parts = Dictionary(uniqueKeysWithValues: choice.map { ($0.key, lowered[$0.key]![$0.value]!) })
            let g = try Pipeline.run([.applyLowered(parts)], on: graph)
            let verdict = try accept(g)
            return (g, verdict.score, verdict.ok, verdict.why)
        }
        guard var choice = knapsack(layers, lower, capacity: options.flash - fixed, floors: floors) else {
            throw Failure(message: "no choice fits the budget of \(options.flash) bytes")
        }
        var (g, score, ok, why) = try evaluate(choice)
        best = (score, why)
        while !ok {
            var next: (choice: [Int: WeightPrecision], floors: [Int: WeightPrecision], g: Graph, score: Double, ok: Bool, why: String)?
            for (n, p) in choice.sorted(by: { $0.key < $1.key }) {
                var f = floors
                f[n] = p == .ternary && lower.contains(.int4) ? .int4 : .int8
                guard let c = knapsack(layers, lower, capacity: options.flash - fixed, floors: f), c != choice else { continue }
                let (g2, s2, ok2, why2) = try evaluate(c)
                if next == nil || s2 > next!.score { next = (c, f, g2, s2, ok2, why2) }
                if ok2 { break }
            }
            guard let n = next, n.score > score || n.ok else {
                throw Failure(message: "no choice that fits \(options.flash) bytes passes the check: the best \(best.map { $0.why } ?? "") (\(attempts) choices tried)")
            }
            (choice, floors, g, score, ok, why) = (n.choice, n.floors, n.g, n.score, n.ok, n.why)
            if score > best!.score { best = (score, why) }
        }
        let error = try measure(g, nil, reference)
        if let bound = options.maxError, error > bound {
            let needed = leastBytes(layers, lower, maxError: bound) + fixed
            throw Failure(message: "the least error any choice that fits \(options.flash) bytes reaches is \(format(error)) (measured \(inputs.isEmpty ? "on the weights" : "on \(inputs.count) calibration inputs")), above --max-error \(format(bound)); staying within it needs about \(needed) bytes of flash, \(needed - options.flash) more")
        }
        let bytes = fixed + layers.reduce(0) { $0 + options.bytes($1.weights, choice[$1.node] ?? .int8) }
        var chosen = layers
        for i in chosen.indices { chosen[i].chosen = choice[chosen[i].node] ?? .int8 }
        return Result(precisions: choice, layers: chosen, error: error, method: inputs.isEmpty ? "weights" : "output",
                      int8Bytes: int8Bytes, chosenBytes: bytes, attempts: attempts, graph: g)
    }

    // MARK: measuring

    func count(_ n: Int) -> Int { graph.type(graph.nodes[n].inputs[1]).count }

    func outputs(_ g: Graph) throws -> [[Float]] {
        guard !inputs.isEmpty else { return [] }
        let interpreter = try ReferenceInterpreter(g)
        let out = g.type(g.outputs[0]).quantization.perTensorParameters ?? (1, 0)
        var result: [[Float]] = []
        for x in inputs {
            let y = try interpreter.run(.s8(x)).int8 ?? []
            result.append(ReferenceInterpreter.dequantize(y, scale: out.scale, zeroPoint: out.zeroPoint))
        }
        return result
    }

    /// The error of lowered graph `g` against the int8 outputs: mean |Δ| over the calibration
    /// inputs, or without inputs the relative weight error of layer `only` (nil: summed over all).
    func measure(_ g: Graph, _ only: Int?, _ reference: [[Float]]) throws -> Double {
        if inputs.isEmpty {
            let nodes = only.map { [$0] } ?? g.nodes.indices.filter { g.type(g.nodes[$0].inputs.count > 1 ? g.nodes[$0].inputs[1] : g.nodes[$0].inputs[0]).dtype.isLowBitWeight }
            return nodes.reduce(0) { $0 + weightError(g, $1) }
        }
        let got = try outputs(g)
        var sum = 0.0, n = 0
        for (a, b) in zip(reference, got) {
            for (x, y) in zip(a, b) { sum += Double(abs(x - y)); n += 1 }
        }
        return n > 0 ? sum / Double(n) : 0
    }

    /// ‖W − Ŵ‖² / ‖W‖² of layer n of `g` against the same layer's int8 weights.
    func weightError(_ g: Graph, _ n: Int) -> Double {
        let w8 = graph.constants[graph.nodes[n].inputs[1]]!.int8, t8 = graph.type(graph.nodes[n].inputs[1])
        let wl = g.constants[g.nodes[n].inputs[1]]!.int8, tl = g.type(g.nodes[n].inputs[1])
        let s8 = Ternary.scaleOfElement(t8), sl = Ternary.scaleOfElement(tl)
        var num = 0.0, den = 0.0
        for i in w8.indices {
            let a = Double(w8[i]) * Double(s8(i)), b = Double(wl[i]) * Double(sl(i))
            num += (a - b) * (a - b)
            den += a * a
        }
        return den > 0 ? num / den : 0
    }

    func format(_ x: Double) -> String { String(format: "%.5g", x) }

    // MARK: the knapsack

    /// The precision per layer with the least summed error whose weights fit `capacity` bytes
    /// (a layer in `floors` takes at least that precision), or nil when none fits.
    func knapsack(_ layers: [Layer], _ lower: [WeightPrecision], capacity: Int, floors: [Int: WeightPrecision]) -> [Int: WeightPrecision]? {
        guard capacity >= 0 else { return nil }
        let total = max(1, layers.reduce(0) { $0 + $1.weights })
        let unit = max(1, (total + 16383) / 16384)
        let slots = capacity / unit  // capacity rounded down, costs rounded up: every answer fits
        let cost = self.options.bytes
        let options = layers.map { l -> [(WeightPrecision, Int, Double)] in
            let all = ([WeightPrecision.int8] + lower).filter { p in floors[l.node].map { p >= $0 } ?? true }
            return all.map { p in (p, (cost(l.weights, p) + unit - 1) / unit, l.error[p] ?? 0) }
        }
        // best[c] = least error with total cost c; choice[i][c] = option index of layer i
        var best = [Double](repeating: .infinity, count: slots + 1)
        best[0] = 0
        var choice: [[Int8]] = []
        for opts in options {
            var next = [Double](repeating: .infinity, count: slots + 1)
            var pick = [Int8](repeating: -1, count: slots + 1)
            for c in 0...slots where best[c] < .infinity {
                for (k, o) in opts.enumerated() where c + o.1 <= slots {
                    let e = best[c] + o.2
                    // ties: the cheaper option (fewer bytes) loses to a higher precision, so prefer
                    // the later-tried only when strictly better
                    if e < next[c + o.1] { next[c + o.1] = e; pick[c + o.1] = Int8(k) }
                }
            }
            best = next
            choice.append(pick)
        }
        guard var c = best.indices.filter({ best[$0] < .infinity }).min(by: { (best[$0], $0) < (best[$1], $1) }) else { return nil }
        var result: [Int: WeightPrecision] = [:]
        for i in layers.indices.reversed() {
            let k = Int(choice[i][c])
            let o = options[i][k]
            if o.0 != .int8 { result[layers[i].node] = o.0 }
            c -= o.1
        }
        return result
    }

    /// Estimated flash (excluding fixed constants) of the cheapest choice whose summed per-layer
    /// errors stay within `maxError`, for the error message.
    func leastBytes(_ layers: [Layer], _ lower: [WeightPrecision], maxError: Double) -> Int {
        // greedy: lower the layer with the least error per byte saved while the sum stays in bound
        var bytes = layers.reduce(0) { $0 + $1.weights }
        var spent = 0.0
        var moves: [(node: Int, saved: Double, error: Double)] = []
        for l in layers {
            for p in lower {
                let saved = Double(l.weights - options.bytes(l.weights, p))
                moves.append((l.node, saved, l.error[p] ?? 0))
            }
        }
        moves.sort { $0.error / max($0.saved, 1) < $1.error / max($1.saved, 1) }
        var done: Set<Int> = []
        for (node, saved, e) in moves where !done.contains(node) && spent + e <= maxError && saved > 0 {
            spent += e
            bytes -= Int(saved)
            done.insert(node)
        }
        return bytes
    }
}
