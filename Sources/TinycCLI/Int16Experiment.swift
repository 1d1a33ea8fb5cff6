import ArgumentParser
import Foundation
import TinycIR
import TinycPasses
import TinycReference
import TinycSchedule

/// `tinyc experiment int16`: would int16 activations (TFLite's 16x8 scheme) help, and where?
/// Measured by fake quantization on the float graph (`ActivationPrecisionSimulation`), so no s16
/// kernel has to exist first (docs/int16-activations.md).
struct Int16Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "int16",
        abstract: "Simulate int16 activations (all, none, or one layer at a time) against int8 and float.",
        discussion: """
            Runs the float graph with the int8 weights tinyc quantizes and every activation tensor \
            quantize-dequantized at 8 bits (the int8 graph's scale and zero point) or 16 bits (symmetric, \
            scale = max|x| on --calib / 32767). Configurations: activations float, all 16, all 8, and all 8 \
            except one tensor at 16. Each reports output SQNR and mean |error| vs float, top-1 agreement with \
            float, accuracy with --labels, and the SRAM that tensor needs at 16 bits. The all-8 simulation \
            is checked against the real int8 interpreter.
            """)

    @Argument(help: "The float model: a .tflite or net.json file.")
    var model: String

    @Option(help: "Calibration inputs: .npy float32 [N, ...input shape]. Quantizes the model and sets the int16 ranges.")
    var calib: String

    @Option(help: "Evaluation inputs (.npy float32). Default: the calibration inputs.")
    var data: String?

    @Option(help: "Labels of the evaluation inputs (.npy integers [N]) for accuracy.")
    var labels: String?

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        try reportingErrors { () throws(CLIError) in
            let e = try experiment()
            say(json ? e.json() : e.text())
        }
    }

    /// Loads, compiles and measures; every failure is a `CLIError` (tests call this directly).
    func experiment() throws(CLIError) -> Int16Experiment {
        let url = URL(fileURLWithPath: model)
        let source = try Compiler.load(url)
        guard source.type(source.inputs[0]).dtype == .f32 else {
            throw CLIError("\(model): the model is already quantized (int8 input); the int16 experiment needs the float model (e.g. kws_ref_model_float32.tflite)")
        }
        // Inputs first, so a bad file fails before the (slower) compile.
        let calibration = try Compiler.calibrationSamples(URL(fileURLWithPath: calib), for: source)
        let inputs = try data.map { p throws(CLIError) in try Compiler.calibrationSamples(URL(fileURLWithPath: p), for: source) } ?? calibration
        let y = try labels.map { p throws(CLIError) in try InputLoader.labels(p) }
        if let y, y.count != inputs.count {
            throw CLIError("\(labels!) has \(y.count) labels but the evaluation inputs (\(data ?? calib)) are \(inputs.count) samples")
        }
        var options = CompileOptions()
        options.calibration = URL(fileURLWithPath: calib)
        options.weightPrecision = .int8  // the simulation pairs int8 weights with the activation grids
        let compiled = try Compiler.compile(source, from: url, options: options)
        do throws(GraphError) {
            // The float graph exactly as the compiler quantizes it: the standard pipeline up to, not
            // including, quantization (batch norm folded, activations fused, pads folded, dead nodes gone).
            let floatPasses = Pipeline.standard(PipelineOptions(calibration: calibration)).filter { $0.name != "quantize" }
            let float = try Pipeline.run(floatPasses, on: source)
            let sim = try ActivationPrecisionSimulation(float: float, int8: compiled.graph, calibration: calibration)
            return try Int16Experiment.measure(sim, report: compiled.report, schedule: compiled.schedule, graph: compiled.graph,
                                               calibrationSamples: calibration.count, inputs: inputs, labels: y)
        } catch {
            throw CLIError("\(model): \(error.description)")
        }
    }
}

/// The measurements of `tinyc experiment int16` and how they are printed.
struct Int16Experiment {
    /// Output error of one configuration against the float graph, over all evaluation inputs.
    struct Stats {
        var signal = 0.0, noise = 0.0, absError = 0.0, values = 0
        var samples = 0, agree = 0, correct = 0, labelled = 0

        mutating func add(_ reference: [Float], _ y: [Float], label: Int?) {
            for (a, b) in zip(reference, y) {
                signal += Double(a) * Double(a)
                noise += Double(a - b) * Double(a - b)
                absError += Double(abs(a - b))
                values += 1
            }
            samples += 1
            if argmax(reference) == argmax(y) { agree += 1 }
            if let label {
                labelled += 1
                if argmax(y) == label { correct += 1 }
            }
        }

        /// 10·log10(signal / noise); nil when there is no noise at all.
        var sqnr: Double? { noise > 0 ? 10 * log10(signal / noise) : nil }
        var meanAbsError: Double { values > 0 ? absError / Double(values) : 0 }
        var top1Agreement: Double { samples > 0 ? Double(agree) / Double(samples) : 0 }
        var accuracy: Double? { labelled > 0 ? Double(correct) / Double(labelled) : nil }
    }

    /// One configuration: `tensor` is the one activation at 16 bits (nil for the uniform ones).
    struct Row {
        var label: String
        var tensor: ActivationPrecisionSimulation.Activation?
        /// The arena's live-bytes lower bound with this configuration's 16-bit tensors.
        var lowerBound16: Int?
        var stats = Stats()
        /// The same at the logits (the final softmax's input), when the model ends in one.
        var logits = Stats()
    }

    /// The all-8 simulation against the real int8 interpreter: does the simulation model int8?
    struct Check {
        var samples = 0, agree = 0, maxAbs = 0.0, sumAbs = 0.0, values = 0
        var outputScale: Float = 1
        var meanAbs: Double { values > 0 ? sumAbs / Double(values) : 0 }
        var agreement: Double { samples > 0 ? Double(agree) / Double(samples) : 0 }
    }

    var model: String
    var calibrationSamples: Int
    var report: Report
    var check: Check
    /// The real int8 interpreter against float.
    var int8: Row
    /// Activations float, all 16, all 8, then one row per activation tensor (input first).
    var rows: [Row]
    /// Whether the model ends in softmax/logistic, so the logit columns mean something.
    var hasLogits: Bool

    static func measure(_ sim: ActivationPrecisionSimulation, report: Report, schedule: Schedule, graph: Graph, calibrationSamples: Int,
                        inputs: [[Float]], labels: [Int]?) throws(GraphError) -> Int16Experiment {
        let all = sim.activations.map(\.int8Tensor)
        var rows = [Row(label: "activations float"), Row(label: "all 16", lowerBound16: lowerBound(schedule, graph, widening: all)),
                    Row(label: "all 8")]
        let uniform = [ActivationPrecision(.float), ActivationPrecision(.int16)]
        for a in sim.activations {
            rows.append(Row(label: label(a), tensor: a, lowerBound16: lowerBound(schedule, graph, widening: [a.int8Tensor])))
        }
        var real = Row(label: "real int8 (interpreter)")
        var check = Check()
        func add(_ row: inout Row, _ f: ActivationPrecisionSimulation.Outputs, _ y: ActivationPrecisionSimulation.Outputs, _ label: Int?) {
            row.stats.add(f.output, y.output, label: label)
            if let a = f.logits, let b = y.logits { row.logits.add(a, b, label: nil) }
        }
        for (n, x) in inputs.enumerated() {
            let label = labels?[n]
            let f = try sim.floatOutputs(x)
            let r = try sim.int8Outputs(x)
            add(&real, f, r, label)
            // Every other configuration starts from the all-8 trace and recomputes only what changes.
            let base = try sim.run(x, ActivationPrecision(.int8))
            add(&rows[2], f, base.outputs, label)
            for (i, p) in uniform.enumerated() { add(&rows[i], f, try sim.run(x, p, reusing: base).outputs, label) }
            for i in 3..<rows.count {
                let p = ActivationPrecision(.int8, exceptions: [rows[i].tensor!.tensor: .int16])
                add(&rows[i], f, try sim.run(x, p, reusing: base).outputs, label)
            }
            check.samples += 1
            if argmax(base.outputs.output) == argmax(r.output) { check.agree += 1 }
            for (a, b) in zip(base.outputs.output, r.output) {
                check.maxAbs = max(check.maxAbs, Double(abs(a - b)))
                check.sumAbs += Double(abs(a - b))
                check.values += 1
            }
        }
        let g = sim.floatGraph
        check.outputScale = sim.activations.first { $0.tensor == g.outputs[0] }?.int8Scale ?? 1
        return Int16Experiment(model: g.name, calibrationSamples: calibrationSamples, report: report, check: check, int8: real, rows: rows,
                               hasLogits: sim.logits != nil)
    }

    /// The arena's live-bytes lower bound (no plan can be smaller) if `tensors` held 16-bit values:
    /// each one's buffer, or the buffer it shares (in-place depthwise, fused add), grows to twice its
    /// int8 bytes; kernel scratch stays as it is. The graph input lives in the caller's buffer, so
    /// widening it leaves the arena alone.
    static func lowerBound(_ schedule: Schedule, _ graph: Graph, widening tensors: [TensorID]) -> Int {
        var buffers = schedule.buffers
        let alignment = max(schedule.memory.alignment, 1)
        for t in tensors {
            let owner = schedule.aliases[t] ?? t
            guard let i = buffers.firstIndex(where: { $0.tensor == owner }) else { continue }
            let wide = (2 * graph.type(t).byteCount + alignment - 1) / alignment * alignment
            buffers[i].size = max(buffers[i].size, wide)
        }
        return Liveness.liveBytes(buffers, steps: schedule.memory.liveBytesPerStep.count).max() ?? 0
    }

    /// A short table label: "input" or "L<node> <name>", the name cut to its first ';'-separated
    /// part and its last two '/' components (TFLite joins every fused op's name into one).
    static func label(_ a: ActivationPrecisionSimulation.Activation) -> String {
        guard let node = a.node else { return "input" }
        let first = a.name.split(separator: ";").first.map(String.init) ?? a.name
        return "L\(node) " + first.split(separator: "/").suffix(2).joined(separator: "/")
    }

    var all8: Row { rows[2] }

    /// Fraction of the all-8 noise power (vs float) that a configuration removes, at the output
    /// and at the logits.
    func recovered(_ s: Stats) -> Double? { all8.stats.noise > 0 ? 1 - s.noise / all8.stats.noise : nil }
    func recoveredLogits(_ s: Stats) -> Double? { all8.logits.noise > 0 ? 1 - s.noise / all8.logits.noise : nil }

    /// The single-tensor row that removes the most output noise.
    var best: Row? { rows.dropFirst(3).min { $0.stats.noise < $1.stats.noise } }

    // MARK: - Output

    func text() -> String {
        var lines: [String] = []
        lines.append("model \(model): \(calibrationSamples) calibration inputs, \(all8.stats.samples) evaluation inputs, \(rows.count - 3) activation tensors; weights int8 per channel in every configuration")
        lines.append("int8 compile: peak SRAM \(report.peakSRAMBytes) B (arena \(report.arenaBytes) + scratch \(report.scratchBytes)), arena lower bound \(report.lowerBoundBytes) B, input \(report.inputBytes) B read in place")
        lines.append(String(format: "check, simulated all 8 vs the real int8 interpreter: top-1 agreement %d/%d (%.1f%%), output mean |Δ| %.6f, max |Δ| %.5f (%.1f output steps of %.5g)",
                            check.agree, check.samples, check.agreement * 100, check.meanAbs, check.maxAbs,
                            check.maxAbs / Double(check.outputScale), check.outputScale))
        lines.append("columns: SQNR and mean |error| of the output vs float; top-1 agreement with float; accuracy (--labels); recovered = share of all 8's output noise power removed"
            + (hasLogits ? "; the same SQNR and share at the logits (the final softmax/logistic input)" : "")
            + "; the tensor's bytes at int8 and 16 bits; the arena's live-bytes lower bound with it at 16 bits (vs the int8 bound)")
        var header = pad("configuration", 32) + "  " + pad("op", 17) + "  SQNR dB   mean|err|  top-1=float  accuracy  recovered"
        if hasLogits { header += "  logit dB  recovered" }
        header += "  int8 B  16-bit B  bound at 16"
        lines.append(header)
        for r in [int8] + rows { lines.append(line(r)) }
        if let b = best, let t = b.tensor {
            let name = "\(b.label) at 16"
            let gain = (b.stats.sqnr ?? .infinity) - (all8.stats.sqnr ?? .infinity)
            var acc = ""
            if let a = b.stats.accuracy, let a8 = all8.stats.accuracy { acc = String(format: ", accuracy %+.2f points", (a - a8) * 100) }
            lines.append(String(format: "best single tensor at 16 bits: %@ (%@) removes %.1f%% of all 8's output noise power (SQNR %+.2f dB%@) for %d more bytes; all 16 removes %.1f%%, float activations %.1f%%",
                                name as NSString, t.op as NSString, (recovered(b.stats) ?? 0) * 100, gain, acc as NSString, t.int8Bytes,
                                (recovered(rows[1].stats) ?? 0) * 100, (recovered(rows[0].stats) ?? 0) * 100))
        }
        return lines.joined(separator: "\n")
    }

    /// One table line.
    func line(_ r: Row) -> String {
        let s = r.stats
        var l = pad(r.tensor == nil ? r.label : r.label + " at 16", 32) + "  " + pad(r.tensor?.op ?? "", 17)
        l += db(s.sqnr) + String(format: "  %10.6f   %8.2f%%", s.meanAbsError, s.top1Agreement * 100)
        l += s.accuracy.map { String(format: "   %6.2f%%", $0 * 100) } ?? "         -"
        l += percent(recovered(s))
        if hasLogits { l += " " + db(r.logits.sqnr) + percent(recoveredLogits(r.logits)) }
        if let t = r.tensor { l += String(format: "  %6d  %8d", t.int8Bytes, 2 * t.int8Bytes) } else if r.lowerBound16 != nil { l += String(repeating: " ", count: 18) }
        if let b = r.lowerBound16 {
            l += String(format: "  %6d (%+.0f%%)", b, (Double(b) / Double(max(report.lowerBoundBytes, 1)) - 1) * 100)
        }
        return l
    }

    func db(_ v: Double?) -> String { v.map { String(format: " %8.2f", $0) } ?? "      inf" }
    func percent(_ v: Double?) -> String { v.map { String(format: "   %7.1f%%", $0 * 100) } ?? "          -" }
    func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }

    func json() -> String {
        func stats(_ r: Row) -> [String: Any] {
            let s = r.stats
            var o: [String: Any] = ["name": r.label, "mean_abs_error": s.meanAbsError, "top1_agreement": s.top1Agreement, "noise_power": s.noise]
            o["sqnr_db"] = s.sqnr ?? NSNull()
            o["accuracy"] = s.accuracy ?? NSNull()
            o["recovered"] = recovered(s) ?? NSNull()
            if hasLogits {
                o["logit_sqnr_db"] = r.logits.sqnr ?? NSNull()
                o["logit_recovered"] = recoveredLogits(r.logits) ?? NSNull()
            }
            if let b = r.lowerBound16 { o["arena_lower_bound_bytes_16"] = b }
            if let t = r.tensor {
                o["tensor"] = t.name
                o["op"] = t.op
                o["node"] = t.node ?? NSNull()
                o["int8_bytes"] = t.int8Bytes
                o["int16_bytes"] = 2 * t.int8Bytes
                o["int8_scale"] = t.int8Scale
                o["int16_scale"] = t.int16Scale
            }
            return o
        }
        let o: [String: Any] = [
            "model": model, "calibration_samples": calibrationSamples, "evaluation_samples": all8.stats.samples,
            "int8_compile": ["peak_sram_bytes": report.peakSRAMBytes, "arena_bytes": report.arenaBytes,
                             "scratch_bytes": report.scratchBytes, "arena_lower_bound_bytes": report.lowerBoundBytes,
                             "input_bytes": report.inputBytes],
            "check": ["samples": check.samples, "top1_agreement": check.agreement, "mean_abs_diff": check.meanAbs,
                      "max_abs_diff": check.maxAbs, "output_scale": check.outputScale],
            "int8": stats(int8),
            "configurations": rows.map(stats),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
