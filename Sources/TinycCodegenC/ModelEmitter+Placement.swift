/// `tinyc compile --weights-section` / `--arena-section`: the weights and the arena as arrays in
/// named linker sections, for memories the linker script places apart from flash and SRAM (TCM,
/// QSPI flash, external PSRAM). Only those arrays move; code, per-layer parameters and the
/// requantization constants stay in .text/.rodata. Without a section nothing is added, so the
/// default output does not change.
extension ModelEmitter {
    /// ` __attribute__((section("NAME")))` after a declarator, or "".
    func placement(_ section: String?) -> String {
        section.map { " __attribute__((section(\"\($0)\")))" } ?? ""
    }
}
