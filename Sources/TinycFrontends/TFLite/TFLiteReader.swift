import Foundation
import TinycIR

/// Reads a .tflite file (full-integer int8 or float32) into a verified `Graph`.
///
/// The file is verified by the FlatBuffers verifier before anything is read (`TFLiteFile`). Then:
/// every operator tinyc cannot run is listed in one error, before any graph is built; each
/// operator becomes one IR node (named after its first output tensor); constant tensors keep
/// their bytes and quantization as stored. A float→int8 QUANTIZE on the model input and an
/// int8→float DEQUANTIZE on its output are dropped: the compiled model takes and returns int8,
/// quantized with the scale and zero point of the int8 tensors next to them, which is what those
/// two ops compute (`docs/tflite.md`).
public enum TFLiteReader {
    public static func read(contentsOf url: URL) throws(FrontendError) -> Graph {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FrontendError(file: url.path, "cannot read the file: \(error.localizedDescription)")
        }
        return try read([UInt8](data), file: url.path, defaultName: url.deletingPathExtension().lastPathComponent)
    }

    public static func read(_ bytes: [UInt8], file: String, defaultName: String) throws(FrontendError) -> Graph {
        do throws(FrontendMessage) {
            let model = try TFLiteFile(bytes)
            var importer = try TFLiteImporter(file: model, name: defaultName)
            let graph = try importer.importGraph()
            do { try Verifier.verify(graph) } catch { throw FrontendMessage(error.description) }
            return graph
        } catch {
            throw FrontendError(file: file, error.text)
        }
    }
}
