import TinycIR
import TinycSchedule

/// `--ternary-packing`: how the compiler stores ternary weight tensors.
public enum TernaryPackingMode: String, Sendable, CaseIterable {
    /// 2-bit codes (the faster kernels), switching the largest tensors to base 3 while the weights
    /// exceed --flash.
    case auto
    /// Every ternary tensor in 2-bit codes (2 bits per weight).
    case twoBit = "2bit"
    /// Every ternary tensor in base 3 (1.6 bits per weight).
    case base3
}

enum TernaryPackingChoice {
    /// The packing of every ternary weight tensor of `graph`. In auto mode, when the weights with
    /// 2-bit codes exceed `flash`, tensors move to base 3 largest first (each saves the most bytes)
    /// until the weights fit or every ternary tensor is in base 3; the budget check then reports.
    static func choose(_ graph: Graph, mode: TernaryPackingMode, flash: Int?) -> [TensorID: TernaryPacking] {
        let ternary = graph.tensors.indices.map(TensorID.init).filter { graph.isConstant($0) && graph.type($0).dtype == .ternary }
        switch mode {
        case .twoBit: return Dictionary(uniqueKeysWithValues: ternary.map { ($0, .twoBit) })
        case .base3: return Dictionary(uniqueKeysWithValues: ternary.map { ($0, .base3) })
        case .auto: break
        }
        var packing = Dictionary(uniqueKeysWithValues: ternary.map { ($0, TernaryPacking.twoBit) })
        guard let flash else { return packing }
        let saving = { (t: TensorID) in TernaryPacking.twoBit.bytes(count: graph.type(t).count) - TernaryPacking.base3.bytes(count: graph.type(t).count) }
        for t in ternary.sorted(by: { (saving($0), $1.index) > (saving($1), $0.index) }) where weightBytes(graph, packing) > flash {
            packing[t] = .base3
        }
        return packing
    }

    /// Flash bytes of every constant with ternary tensors packed as given.
    static func weightBytes(_ graph: Graph, _ packing: [TensorID: TernaryPacking]) -> Int {
        let kernels = KernelLibrary(dsp: false, ternaryPacking: packing)
        return graph.constants.keys.reduce(0) { $0 + kernels.flashBytes(graph, $1) }
    }
}
