import Foundation
import TinycIR
import TinycReference
import TinycSchedule

/// Calibrate, search and measure the value-driven patch stage for `tinyc experiment vdpc`, and
/// format what came out.
struct VDPCExperiment {
    struct Settings {
        var bits: [Int]
        var lambdas: [Double]
        var percentile: Double
        var test: ValueDrivenPatch.OutlierTest
        var grid: ValueDrivenCalibration.GridMode
        var classify: Bool
    }

    struct Result {
        var lambda: Double
        var bits: [TensorID: Int]
        var steps: [VDQSStep]
        var metrics: ValueDrivenMetrics
    }

    let graph: Graph
    let patch: PatchGeometry
    let settings: Settings
    let calibration: ValueDrivenCalibration
    let options: [VDQSOption]
    let results: [Result]
    let calibrationSamples: Int

    static func run(graph: Graph, patch: PatchGeometry, calibration samples: [[Int8]], inputs: [[Int8]],
                    _ settings: Settings) throws(GraphError) -> VDPCExperiment {
        let interpreter = try ReferenceInterpreter(graph)
        let cal = try ValueDrivenCalibration(interpreter: interpreter, patch: patch, samples: samples, test: settings.test,
                                             percentile: settings.percentile)
        let options = VDQS.options(cal, bits: settings.bits, mode: settings.grid)
        var results: [Result] = []
        for lambda in settings.lambdas {
            let (bits, steps) = VDQS.search(options, lambda: lambda)
            var grids: [TensorID: LowBitGrid] = [:]
            for (t, b) in bits where b < 8 { grids[t] = cal.grid(t, bits: b, mode: settings.grid) }
            let vd = ValueDrivenPatch(patch: patch, testTensor: cal.testTensor, threshold: cal.thresholds[cal.testTensor]!,
                                      classify: settings.classify, grids: grids)
            results.append(Result(lambda: lambda, bits: bits, steps: steps,
                                  metrics: try ValueDrivenMetrics.measure(interpreter, vd, inputs: inputs)))
        }
        return VDPCExperiment(graph: graph, patch: patch, settings: settings, calibration: cal, options: options, results: results,
                              calibrationSamples: samples.count)
    }

    func name(_ t: TensorID) -> String {
        if t == graph.inputs[0] { return "input" }
        let n = graph.nodes.firstIndex { $0.outputs[0] == t }!
        return "L\(n)"
    }

    func shape(_ t: TensorID) -> String { graph.type(t).shape.dropFirst().map(String.init).joined(separator: "x") }

    var planText: String { "\(patch.split):\(patch.grid.h)x\(patch.grid.w)" }

    func text() -> String {
        let cal = calibration
        var lines: [String] = []
        lines.append("model \(graph.name): patch stage \(planText) (\(patch.split) layers, \(patch.grid.h * patch.grid.w) tiles, "
            + "stage tensor \(name(patch.stageTensor)) \(shape(patch.stageTensor)))")
        lines.append("outlier test on the \(settings.test == .input ? "input" : "first feature map (L0)") tile: |q - z| > T = \(cal.thresholds[cal.testTensor]!) "
            + String(format: "(%.4g-th percentile over %d calibration inputs); ", settings.percentile, calibrationSamples)
            + "\(cal.outlierTiles) of \(cal.tiles) calibration tiles are outliers"
            + (settings.classify ? "" : " (ignored: --no-classify)"))
        lines.append("grid \(settings.grid.rawValue); feature maps (Ω = entropy loss on non-outlier calibration tiles, Φ = stage BitOPs saved):")
        var header = "  " + pad("fm", 6) + "  " + pad("shape", 9) + "  " + pad("read by", 20) + "    T    H8"
        for b in settings.bits { header += "   Ω(\(b))   Φ(\(b))" }
        lines.append(header)
        for t in cal.candidates {
            let reader = (0..<patch.split).first { PatchStage.activationInputs(graph, $0).first == t }
            let op = reader.map { "L\($0) \(graph.nodes[$0].op.name)" } ?? "-"
            var row = "  " + pad(name(t), 6) + "  " + pad(shape(t), 9) + "  " + pad(op, 20)
                + String(format: " %4d %5.2f", cal.thresholds[t]!, cal.entropy(t))
            for b in settings.bits {
                let o = options.first { $0.tensor == t && $0.bits == b }!
                row += String(format: "  %6.3f  %6.3f", o.omega, o.phi)
            }
            lines.append(row)
        }
        for r in results {
            let m = r.metrics
            let chosen = cal.candidates.map { "\(name($0))=\(r.bits[$0] ?? 8)" }.joined(separator: " ")
            lines.append(String(format: "λ = %.2f: bits %@", r.lambda, chosen as NSString))
            lines.append(String(format: "  %d inputs: outlier tiles %d/%d (%.1f%%), stage BitOPs %+.1f%%, output max|Δ| %.5f mean|Δ| %.6f, top-1 agreement %.1f%%",
                                m.samples, m.outlierTiles, m.tiles, percent(m.outlierTiles, m.tiles),
                                (Double(m.bitOps) / Double(max(m.bitOps8, 1)) - 1) * 100, m.maxAbsError, m.meanAbsError, m.top1Agreement * 100))
        }
        return lines.joined(separator: "\n")
    }

    func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }

    func percent(_ a: Int, _ b: Int) -> Double { b > 0 ? Double(a) / Double(b) * 100 : 0 }

    func json() -> String {
        let cal = calibration
        let maps: [[String: Any]] = cal.candidates.map { t in
            var o: [String: Any] = ["name": name(t), "shape": graph.type(t).shape, "threshold": cal.thresholds[t]!, "entropy8": cal.entropy(t)]
            for b in settings.bits {
                let opt = options.first { $0.tensor == t && $0.bits == b }!
                o["omega\(b)"] = opt.omega
                o["phi\(b)"] = opt.phi
            }
            return o
        }
        let runs: [[String: Any]] = results.map { r in
            let m = r.metrics
            return ["lambda": r.lambda,
                    "bits": Dictionary(uniqueKeysWithValues: cal.candidates.map { (name($0), r.bits[$0] ?? 8) }),
                    "steps": r.steps.map { ["fm": name($0.tensor), "from": $0.from, "to": $0.to, "score": $0.score] },
                    "samples": m.samples, "tiles": m.tiles, "outlier_tiles": m.outlierTiles,
                    "bitops8": m.bitOps8, "bitops": m.bitOps, "max_abs_error": m.maxAbsError, "mean_abs_error": m.meanAbsError,
                    "top1_agreement": m.top1Agreement]
        }
        let o: [String: Any] = [
            "model": graph.name, "patch": planText, "test": settings.test.rawValue, "grid": settings.grid.rawValue,
            "classify": settings.classify, "percentile": settings.percentile, "threshold": cal.thresholds[cal.testTensor]!,
            "calibration_samples": calibrationSamples, "calibration_tiles": cal.tiles, "calibration_outlier_tiles": cal.outlierTiles,
            "feature_maps": maps, "runs": runs,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
