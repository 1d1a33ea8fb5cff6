import Foundation
import Testing
import TinycCodegenC
import TinycFrontends
import TinycIR
import TinycSchedule
@testable import TinycCLI

/// Mutated copies of the four MLPerf Tiny models (bit flips, truncations, overwritten offsets,
/// byte runs), seeded so every run sees the same files. Each must either be rejected with a
/// message naming the file, or import, compile and generate C: never crash or hang.
/// (Scripts/fuzz-tflite-reader.sh does the same to the C++ reader alone under ASan/UBSan.)
struct TFLiteFuzzTests {
    static let mutationsPerModel = 300

    /// The first and last 4 KB of a .tflite hold the tables and vtables; weights sit in between.
    /// Half the mutations aim there, half anywhere.
    static func position(_ r: inout SplitMix64, _ count: Int) -> Int {
        let edge = min(4096, count)
        switch r.next(below: 3) {
        case 0: return r.next(below: edge)
        case 1: return count - 1 - r.next(below: edge)
        default: return r.next(below: count)
        }
    }

    static func mutate(_ original: [UInt8], seed: UInt64) -> (bytes: [UInt8], kind: String) {
        var r = SplitMix64(seed: seed)  // seeded: a failing case replays from its seed
        var b = original
        switch r.next(below: 5) {
        case 0:
            let flips = 1 + r.next(below: 8)
            for _ in 0..<flips { b[position(&r, b.count)] ^= UInt8(1 << r.next(below: 8)) }
            return (b, "\(flips) bit flips")
        case 1:
            let length = r.next(below: b.count)
            return (Array(b.prefix(length)), "truncated to \(length) bytes")
        case 2:
            // An offset/length field replaced by something out of range or slightly off.
            let at = position(&r, b.count - 4) & ~3
            let values: [UInt32] = [0xFFFF_FFFF, 0x7FFF_FFFF, UInt32(b.count), UInt32(b.count + 4), 0, 4, UInt32(r.next(below: b.count))]
            let v = values[r.next(below: values.count)]
            for k in 0..<4 { b[at + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(k))) }
            return (b, "word at \(at) set to \(v)")
        case 3:
            let at = position(&r, b.count), run = 1 + r.next(below: 64)
            let value = UInt8(truncatingIfNeeded: r.next())
            for k in at..<min(at + run, b.count) { b[k] = value }
            return (b, "\(run) bytes at \(at) set to \(value)")
        default:
            let at = position(&r, b.count)
            b[at] = UInt8(truncatingIfNeeded: r.next())
            return (b, "byte at \(at) replaced")
        }
    }

    @Test(.timeLimit(.minutes(10)), arguments: MLPerfTinyTests.models)
    func mutatedModelsGiveAClearErrorOrACompile(_ name: String) throws {
        let url = Paths.mlperfTiny.appendingPathComponent("\(name).tflite")
        let original = [UInt8](try Data(contentsOf: url))
        var rejected = 0, compiled = 0, failedLater = 0
        var problems: [String] = []
        for i in 0..<Self.mutationsPerModel {
            let seed = UInt64(i) &* 0x1000_0001 &+ UInt64(name.utf8.count)
            let (bytes, kind) = Self.mutate(original, seed: seed)
            let graph: Graph
            do throws(FrontendError) {
                graph = try TFLiteReader.read(bytes, file: "fuzz.tflite", defaultName: name)
            } catch {
                rejected += 1
                if !error.description.hasPrefix("fuzz.tflite: ") || error.message.isEmpty {
                    problems.append("seed \(seed) (\(kind)): unclear error '\(error.description)'")
                }
                continue
            }
            // Imported: the rest of the compiler must either finish or explain itself.
            do {
                let model = try Compiler.compile(graph, from: URL(fileURLWithPath: "fuzz.tflite"), options: CompileOptions())
                _ = try ModelEmitter(graph: model.graph, schedule: model.schedule, model: name, provenance: "fuzz").files()
                compiled += 1
            } catch let error as CLIError {
                failedLater += 1
                if error.description.isEmpty { problems.append("seed \(seed) (\(kind)): empty error") }
            } catch {
                failedLater += 1
                if "\(error)".isEmpty { problems.append("seed \(seed) (\(kind)): empty error") }
            }
        }
        print("\(name): \(Self.mutationsPerModel) mutations: \(rejected) rejected on import, \(failedLater) rejected later, \(compiled) compiled")
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        #expect(rejected + compiled + failedLater == Self.mutationsPerModel)
    }
}
