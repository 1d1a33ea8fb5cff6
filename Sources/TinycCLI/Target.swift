/// The CPU cores `--target` names. Each has a board under QEMU (`board`); cores with the DSP
/// extension get the `_dsp` kernels, the others the portable `_ref` kernels.
public enum Target: String, CaseIterable, Sendable {
    case cortexM4 = "cortex-m4"
    case cortexM0 = "cortex-m0"
    case cortexM0Plus = "cortex-m0plus"
    case cortexM3 = "cortex-m3"
    case cortexM7 = "cortex-m7"
    case cortexM33 = "cortex-m33"
    case cortexM55 = "cortex-m55"

    /// The QEMU board `tinyc run` uses for code compiled for this core (cortex-m0plus runs on the
    /// Cortex-M0 micro:bit: both are Armv6-M with the same instructions).
    public var board: Board {
        switch self {
        case .cortexM0, .cortexM0Plus: .microbit
        case .cortexM3: .mps2An385
        case .cortexM4: .mps2An386
        case .cortexM7: .mps2An500
        case .cortexM33: .mps2An505
        case .cortexM55: .mps3An547
        }
    }

    /// Whether the core has the DSP extension (SMLAD, SXTB16): the code generator then calls the
    /// `_dsp` kernels where one exists.
    public var hasDSP: Bool {
        switch self {
        case .cortexM4, .cortexM7, .cortexM33, .cortexM55: true
        case .cortexM0, .cortexM0Plus, .cortexM3: false
        }
    }

    /// Validates a `--target` value.
    public static func parse(_ name: String) throws(CLIError) -> Target {
        guard let t = Target(rawValue: name.lowercased()) else {
            throw CLIError("unknown target '\(name)' (known: \(allCases.map(\.rawValue).joined(separator: ", ")))", exitCode: 2)
        }
        return t
    }
}

/// Boards `tinyc run` can build for and emulate (Boards/<name>/); what each one has is in
/// BoardSpec.swift.
public enum Board: String, CaseIterable, Sendable {
    case mps2An386 = "mps2-an386"
    case mps2An385 = "mps2-an385"
    case mps2An500 = "mps2-an500"
    case mps2An505 = "mps2-an505"
    case mps3An547 = "mps3-an547"
    case netduinoplus2
    case microbit
    case host

    public static func parse(_ name: String) throws(CLIError) -> Board {
        guard let b = Board(rawValue: name) else {
            throw CLIError("unknown board '\(name)' (supported: \(allCases.map(\.rawValue).joined(separator: ", ")))", exitCode: 2)
        }
        return b
    }
}
