import Foundation

/// The two files of an output directory that let a user's own firmware build the model: a make
/// fragment (`tinyc.mk`) and a CMake snippet (`tinyc.cmake`), each listing the model's sources,
/// the runtime's sources and the include directories. Paths are relative to the file itself, so
/// the output directory can be copied into a project as it is. Examples/embedding uses both.
public enum Embedding {
    public struct Model {
        /// C identifier of the model (`tinyc_<model>_invoke`).
        public var name: String
        public var provenance: String
        public var target: Target
        /// Runtime sources relative to the output directory, e.g. runtime/src/tc_add.c.
        public var runtimeSources: [String]
        public var weightsSection: String?
        public var arenaSection: String?
    }

    public static func files(_ m: Model) -> [(name: String, contents: String)] {
        [("tinyc.mk", makeFragment(m)), ("tinyc.cmake", cmakeSnippet(m))]
    }

    /// The runtime's .c files under `runtime/` of an output directory, sorted.
    static func runtimeSources(in dir: URL) -> [String] {
        let src = dir.appendingPathComponent("runtime/src")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: src.path)) ?? []
        return files.filter { $0.hasSuffix(".c") }.sorted().map { "runtime/src/\($0)" }
    }

    /// Where the weights and the arena go, as comment lines.
    static func placementNotes(_ m: Model) -> [String] {
        let macro = "TINYC_\(m.name.uppercased())_ARENA_BYTES"
        return [
            m.weightsSection.map { "Weights: in section \($0) (--weights-section): your linker script must place it in a memory the image loads." }
                ?? "Weights: const arrays in .rodata (flash).",
            m.arenaSection.map { "Arena (\(macro) bytes): in section \($0) (--arena-section): your linker script must place it in RAM; it need not be zeroed (NOLOAD)." }
                ?? "Arena (\(macro) bytes): a static array in .bss.",
        ]
    }

    static func makeFragment(_ m: Model) -> String {
        let v = "TINYC_\(m.name.uppercased())"
        var s = """
            # \(m.provenance). Do not edit.
            #
            # Make fragment for model '\(m.name)' in your own firmware (docs/boards.md, Examples/embedding):
            #
            #   include path/to/this/dir/tinyc.mk
            #   SRCS   += $(TINYC_SRCS)        # C99 sources: the model and the runtime kernels
            #   CFLAGS += $(TINYC_INCLUDES)
            #
            # then call tinyc_\(m.name)_invoke() declared in \(m.name).h. Build with your core's flags
            # (TINYC_CPU_FLAGS: those tinyc compiled for, \(m.target.rawValue)), -ffunction-sections -fdata-sections,
            # and link with -Wl,--gc-sections so the kernels the model does not call are dropped.
            # Optimise (TINYC_CFLAGS: -O2; -Os and -O3 work too): the runtime compiles at every level, but its
            # instruction counts are measured at -O2, and at -O0 the DSP kernels fall back to portable C.
            # \(placementNotes(m).joined(separator: "\n# "))
            # The variables are also set under model-specific names (\(v)_SRCS, ...), so two models can be included.

            \(v)_DIR := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
            \(v)_MODEL_SRCS := $(\(v)_DIR)/\(m.name).c $(\(v)_DIR)/\(m.name)_weights.c

            """
        s += "\(v)_RUNTIME_SRCS := \\\n" + m.runtimeSources.map { "    $(\(v)_DIR)/\($0)" }.joined(separator: " \\\n") + "\n"
        s += """
            \(v)_SRCS := $(\(v)_MODEL_SRCS) $(\(v)_RUNTIME_SRCS)
            \(v)_INCLUDES := -I$(\(v)_DIR) -I$(\(v)_DIR)/runtime/include -I$(\(v)_DIR)/runtime/src
            \(v)_CPU_FLAGS := \(m.target.cpuFlags)
            \(v)_CFLAGS := -O2
            \(v)_WEIGHTS_SECTION := \(m.weightsSection ?? "")
            \(v)_ARENA_SECTION := \(m.arenaSection ?? "")

            TINYC_SRCS := $(\(v)_SRCS)
            TINYC_INCLUDES := $(\(v)_INCLUDES)
            TINYC_CPU_FLAGS := $(\(v)_CPU_FLAGS)
            TINYC_CFLAGS := $(\(v)_CFLAGS)

            """
        return s
    }

    static func cmakeSnippet(_ m: Model) -> String {
        let lib = "tinyc_\(m.name)", dir = "TINYC_\(m.name.uppercased())_DIR"
        let sources = (["\(m.name).c", "\(m.name)_weights.c"] + m.runtimeSources).map { "    \"${\(dir)}/\($0)\"" }
        return """
            # \(m.provenance). Do not edit.
            #
            # CMake snippet for model '\(m.name)' in your own firmware (docs/boards.md, Examples/embedding):
            #
            #   include(path/to/this/dir/tinyc.cmake)     # defines the static library \(lib)
            #   target_link_libraries(your_firmware PRIVATE \(lib))
            #
            # then call \(lib)_invoke() declared in \(m.name).h (the include directory comes with the
            # library). The library compiles with your toolchain's flags (CMAKE_C_FLAGS: -mcpu=... for your
            # core; TINYC_CPU_FLAGS holds those tinyc compiled for, \(m.target.rawValue)); link with -Wl,--gc-sections.
            # It always builds at -O2, whatever the build type, so a debug build of your firmware keeps the
            # measured kernel speed (at -O0 the DSP kernels would fall back to portable C).
            # \(placementNotes(m).joined(separator: "\n# "))

            if(TARGET \(lib))
              return()
            endif()
            set(\(dir) "${CMAKE_CURRENT_LIST_DIR}")
            set(TINYC_CPU_FLAGS "\(m.target.cpuFlags)")
            add_library(\(lib) STATIC
            \(sources.joined(separator: "\n"))
            )
            set_target_properties(\(lib) PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
            target_include_directories(\(lib) PUBLIC "${\(dir)}" "${\(dir)}/runtime/include"
                                       PRIVATE "${\(dir)}/runtime/src")
            target_compile_options(\(lib) PRIVATE -O2 -ffunction-sections -fdata-sections)

            """
    }
}

extension Target {
    /// arm-none-eabi-gcc flags for the core; the boards' board.mk use the same (BoardTests checks).
    public var cpuFlags: String {
        switch self {
        case .cortexM0: "-mcpu=cortex-m0 -mthumb -mfloat-abi=soft"
        case .cortexM0Plus: "-mcpu=cortex-m0plus -mthumb -mfloat-abi=soft"
        case .cortexM3: "-mcpu=cortex-m3 -mthumb -mfloat-abi=soft"
        case .cortexM4: "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16"
        case .cortexM7: "-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16"
        case .cortexM33: "-mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16"
        case .cortexM55: "-mcpu=cortex-m55 -mthumb -mfloat-abi=hard"
        }
    }
}
