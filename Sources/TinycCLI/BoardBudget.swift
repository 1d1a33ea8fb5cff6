/// `tinyc compile --board`: the board sets the target and the SRAM and flash budgets; `--sram` and
/// `--flash` may only tighten them; `--weights-section` / `--arena-section` must name a section the
/// board's linker script places (any name without `--board`: the user's linker script places it).
public enum BoardBudget {
    /// `options` with the board's budgets applied (unchanged without a board).
    public static func resolve(_ options: CompileOptions) throws(CLIError) -> CompileOptions {
        for (flag, name) in [("--weights-section", options.weightsSection), ("--arena-section", options.arenaSection)] {
            if let name, !isSectionName(name) {
                throw CLIError("\(flag): '\(name)' is not a section name (letters, digits, '_' and '.', e.g. .qspi)", exitCode: 2)
            }
        }
        if let w = options.weightsSection, w == options.arenaSection {
            throw CLIError("--weights-section and --arena-section are both \(w): const weights and the writable arena need sections of their own", exitCode: 2)
        }
        guard let board = options.board else { return options }
        guard let spec = board.spec else {
            throw CLIError("--board host has no memory map to compile for; use --target, or a Cortex-M board", exitCode: 2)
        }
        guard options.target == spec.core else {
            throw CLIError("--target \(options.target.rawValue) does not match board \(board.rawValue), a \(spec.core.rawValue) (omit --target: --board sets it)",
                           exitCode: 2)
        }
        try checkSection(options.weightsSection, use: .weights, spec)
        try checkSection(options.arenaSection, use: .arena, spec)
        var resolved = options
        let sram = spec.sramBudget(arenaSection: options.arenaSection)
        let flash = spec.weightBudget(weightsSection: options.weightsSection)
        if let asked = options.sram, asked > sram {
            throw CLIError("--sram \(asked) bytes is more than board \(board.rawValue) has for the model: \(sramLimit(spec, options))", exitCode: 2)
        }
        if let asked = options.flash, asked > flash {
            throw CLIError("--flash \(asked) bytes is more than board \(board.rawValue) has for the weights: \(flashLimit(spec, options))", exitCode: 2)
        }
        resolved.sram = min(options.sram ?? sram, sram)
        resolved.flash = min(options.flash ?? flash, flash)
        return resolved
    }

    /// "; board B: <SRAM limit>; <flash limit>" for budget errors (empty without a board).
    public static func note(_ options: CompileOptions) -> String {
        guard let board = options.board, let spec = board.spec else { return "" }
        return "; board \(board.rawValue) limits: \(sramLimit(spec, options)); \(flashLimit(spec, options))"
    }

    /// How the SRAM budget follows from the board, e.g. "SRAM 16384 bytes at 0x20000000 - 1536
    /// reserved for the stack and runner = 14848 bytes for the arena".
    static func sramLimit(_ spec: BoardSpec, _ options: CompileOptions) -> String {
        if let name = options.arenaSection, let s = spec.section(name), let r = spec.region(s.region) {
            return "arena in \(name): \(r.name) \(r.length) bytes at \(hex(r.origin))"
        }
        let r = spec.sram
        return "SRAM \(r.length) bytes at \(hex(r.origin)) - \(spec.sramReserve) reserved for the stack and runner = \(spec.sramBudget()) bytes for the arena"
    }

    static func flashLimit(_ spec: BoardSpec, _ options: CompileOptions) -> String {
        if let name = options.weightsSection, let s = spec.section(name), let r = spec.region(s.region) {
            return "weights in \(name): \(r.name) \(r.length) bytes at \(hex(r.origin))"
        }
        let r = spec.flash
        return "flash \(r.length) bytes at \(hex(r.origin)) - \(BoardSpec.flashReserve) reserved for code = \(spec.weightBudget()) bytes for the weights"
    }

    static func checkSection(_ name: String?, use: PlacementSection.Use, _ spec: BoardSpec) throws(CLIError) {
        guard let name else { return }
        let flag = use == .weights ? "--weights-section" : "--arena-section"
        let fitting = spec.sections.filter { $0.use == use }.map { "\($0.name) (\($0.region))" }
        guard let s = spec.section(name), s.use == use else {
            let known = fitting.isEmpty ? "none" : fitting.joined(separator: ", ")
            throw CLIError("\(flag) \(name): board \(spec.board.rawValue)'s linker script has no such section for the \(use.rawValue) (it has: \(known))",
                           exitCode: 2)
        }
    }

    static func isSectionName(_ s: String) -> Bool {
        guard let first = s.first, first == "." || first == "_" || first.isLetter else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") }
    }

    static func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
}
