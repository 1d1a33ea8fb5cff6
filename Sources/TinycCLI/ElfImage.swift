import Foundation

/// The loadable segments of a 32-bit little-endian ELF file (what arm-none-eabi-gcc links):
/// enough to check a firmware image against a board's memory map without other tools.
public struct ElfImage {
    public struct Segment: Equatable, Sendable {
        /// Run-time address, and the address the image loads it at (they differ for .data).
        public var vaddr: UInt64
        public var paddr: UInt64
        public var fileSize: Int
        public var memSize: Int
        var offset: Int
    }

    public var entry: UInt64
    /// PT_LOAD segments, in file order.
    public var segments: [Segment]
    let bytes: [UInt8]

    public init(contentsOf url: URL) throws(CLIError) {
        guard let data = try? Data(contentsOf: url) else { throw CLIError("cannot read \(url.path)", exitCode: 4) }
        try self.init(bytes: [UInt8](data), name: url.path)
    }

    public init(bytes: [UInt8], name: String) throws(CLIError) {
        self.bytes = bytes
        // e_ident: magic, ELFCLASS32 (1), ELFDATA2LSB (1); e_machine 40 = EM_ARM
        guard bytes.count >= 52, bytes[0..<4] == [0x7F, 0x45, 0x4C, 0x46], bytes[4] == 1, bytes[5] == 1 else {
            throw CLIError("\(name) is not a 32-bit little-endian ELF file", exitCode: 4)
        }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> UInt64 { (0..<4).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) } }
        guard u16(18) == 40 else { throw CLIError("\(name) is not an Arm ELF file (e_machine \(u16(18)))", exitCode: 4) }
        entry = u32(24)
        let phoff = Int(u32(28)), phentsize = u16(42), phnum = u16(44)
        guard phentsize >= 32, phoff + phnum * phentsize <= bytes.count else {
            throw CLIError("\(name): truncated program header table", exitCode: 4)
        }
        segments = (0..<phnum).compactMap { i -> Segment? in
            let p = phoff + i * phentsize
            guard u32(p) == 1 else { return nil }  // PT_LOAD
            return Segment(vaddr: u32(p + 8), paddr: u32(p + 12), fileSize: Int(u32(p + 16)), memSize: Int(u32(p + 20)),
                           offset: Int(u32(p + 4)))
        }
        for s in segments where s.offset + s.fileSize > bytes.count {
            throw CLIError("\(name): a segment runs past the end of the file", exitCode: 4)
        }
    }

    /// The 32-bit word the image loads at `address`, if a segment's file contents cover it.
    public func word(atLoadAddress address: UInt64) -> UInt32? {
        for s in segments where address >= s.paddr && address + 4 <= s.paddr + UInt64(s.fileSize) {
            let at = s.offset + Int(address - s.paddr)
            return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << (8 * UInt32($1)) }
        }
        return nil
    }
}
