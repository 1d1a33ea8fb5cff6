import TinycIR

/// The TFLite builtin operators tinyc imports, with their codes in the format's BuiltinOperator enum.
enum TFLiteBuiltin: Int32, CaseIterable {
    case add = 0
    case averagePool2d = 1
    case concatenation = 2
    case conv2d = 3
    case depthwiseConv2d = 4
    case dequantize = 6
    case fullyConnected = 9
    case logistic = 14
    case maxPool2d = 17
    case relu = 19
    case relu6 = 21
    case reshape = 22
    case softmax = 25
    case pad = 34
    case padV2 = 60
    case mean = 40
    case squeeze = 43
    case quantize = 114

    /// The name TFLite gives the operator (as in its schema and error messages).
    var name: String {
        switch self {
        case .add: "ADD"
        case .averagePool2d: "AVERAGE_POOL_2D"
        case .concatenation: "CONCATENATION"
        case .conv2d: "CONV_2D"
        case .depthwiseConv2d: "DEPTHWISE_CONV_2D"
        case .dequantize: "DEQUANTIZE"
        case .fullyConnected: "FULLY_CONNECTED"
        case .logistic: "LOGISTIC"
        case .maxPool2d: "MAX_POOL_2D"
        case .relu: "RELU"
        case .relu6: "RELU6"
        case .reshape: "RESHAPE"
        case .softmax: "SOFTMAX"
        case .pad: "PAD"
        case .padV2: "PADV2"
        case .mean: "MEAN"
        case .squeeze: "SQUEEZE"
        case .quantize: "QUANTIZE"
        }
    }
}

/// TFLite's TensorType values tinyc reads.
enum TFLiteTensorType {
    static func dtype(_ raw: Int8) -> DTypeOrName {
        switch raw {
        case 0: .supported(.f32)
        case 2: .supported(.s32)
        case 9: .supported(.s8)
        case 17: .supported(.s4)  // int4 weights (packed two per byte in the buffer)
        default: .unsupported(names[Int(raw)] ?? "type \(raw)")
        }
    }

    enum DTypeOrName {
        case supported(DType)
        case unsupported(String)
    }

    private static let names: [Int: String] = [
        1: "FLOAT16", 3: "UINT8", 4: "INT64", 5: "STRING", 6: "BOOL", 7: "INT16", 8: "COMPLEX64",
        10: "FLOAT64", 11: "COMPLEX128", 12: "UINT64", 13: "RESOURCE", 14: "VARIANT", 15: "UINT32",
        16: "UINT16", 17: "INT4", 18: "BFLOAT16",
    ]
}

extension TFLiteBuiltin {
    /// BuiltinOperator CUSTOM: the op is named by the opcode's custom_code.
    static let customCode: Int32 = 32

    /// The schema's name for any builtin code, supported or not.
    static func name(of code: Int32) -> String {
        schemaNames.indices.contains(Int(code)) ? schemaNames[Int(code)] : "builtin operator \(code)"
    }
}
