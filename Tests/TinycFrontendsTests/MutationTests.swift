import Foundation
import Testing
import TinycFrontends

/// Seeded mutations of a valid net.json (byte flips, truncations, inserted digits): every one is read
/// or rejected with a FrontendError; a crash or a hang fails the whole test run.
struct MutationTests {
    @Test func mutatedFilesNeverCrashTheReader() {
        let original = [UInt8](NetJSONFixture().data())
        var state: UInt64 = 0x5eed
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        let alphabet = Array("0123456789-.eE[]{}\",: truefalsn".utf8)
        var accepted = 0, rejected = 0
        for _ in 0..<600 {
            var bytes = original
            switch next(4) {
            case 0: bytes = Array(bytes.prefix(next(bytes.count)))
            case 1:
                for _ in 0..<1 + next(4) { bytes[next(bytes.count)] ^= UInt8(1 << next(8)) }
            case 2:
                for _ in 0..<1 + next(3) { bytes[next(bytes.count)] = alphabet[next(alphabet.count)] }
            default:
                let at = next(bytes.count)
                bytes.insert(contentsOf: Array("99999999999".utf8).prefix(1 + next(11)), at: at)
            }
            do {
                _ = try NetJSONReader.read(Data(bytes), file: "mutant.json", defaultName: "m", baseDirectory: URL(fileURLWithPath: "/nonexistent"))
                accepted += 1
            } catch {
                #expect(!error.message.isEmpty)
                rejected += 1
            }
        }
        #expect(rejected > 300, "most mutants should be rejected (accepted \(accepted))")
    }
}
