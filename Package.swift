// swift-tools-version: 6.0
// tinyc: a TinyML deployment compiler. See docs/architecture.md for the pipeline.
import PackageDescription

let strict: [SwiftSetting] = []

let package = Package(
    name: "tinyc",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tinyc", targets: ["tinyc"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // The typed graph IR, shape inference, verifier and TFLite-exact quantization math.
        .target(name: "TinycIR", swiftSettings: strict),
        // The TFLite flatbuffer reader: flatc-generated C++ for our schema subset, verified before
        // anything is read, behind a plain C API (include/tinyc_tflite.h).
        .target(name: "TinycTFLiteFlatBuffers", exclude: ["schema"]),
        // Model readers: net.json and .tflite -> Graph.
        .target(name: "TinycFrontends", dependencies: ["TinycIR", "TinycTFLiteFlatBuffers"], swiftSettings: strict),
        // The oracle: runs float and int8 graphs with exactly the C runtime's integer arithmetic.
        .target(name: "TinycReference", dependencies: ["TinycIR", "TinycSchedule"], swiftSettings: strict),
        // Graph -> graph passes (batch-norm folding, fusion, post-training quantization).
        .target(name: "TinycPasses", dependencies: ["TinycIR", "TinycReference"], swiftSettings: strict),
        // Execution order, tensor lifetimes and the arena plan.
        .target(name: "TinycSchedule", dependencies: ["TinycIR"], swiftSettings: strict),
        // Graph + schedule -> C sources calling Runtime-C.
        .target(name: "TinycCodegenC", dependencies: ["TinycIR", "TinycSchedule"], swiftSettings: strict),
        // The command line, as a library so tests can drive it.
        .target(
            name: "TinycCLI",
            dependencies: [
                "TinycIR", "TinycFrontends", "TinycPasses", "TinycSchedule", "TinycReference", "TinycCodegenC",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        .executableTarget(name: "tinyc", dependencies: ["TinycCLI"], swiftSettings: strict),

        .testTarget(name: "TinycIRTests", dependencies: ["TinycIR"]),
        .testTarget(name: "TinycFrontendsTests", dependencies: ["TinycFrontends", "TinycTFLiteFlatBuffers"]),
        .testTarget(name: "TinycReferenceTests", dependencies: ["TinycReference", "TinycFrontends", "TinycSchedule"]),
        .testTarget(name: "TinycPassesTests", dependencies: ["TinycPasses", "TinycFrontends", "TinycSchedule"]),
        .testTarget(name: "TinycScheduleTests", dependencies: ["TinycSchedule"]),
        .testTarget(name: "TinycCLITests", dependencies: ["TinycCLI", "TinycFrontends", "TinycReference", "TinycSchedule"], exclude: ["Snapshots"]),
        // Every C kernel, generated through the real codegen and compiled with the host cc, against
        // the reference interpreter, byte for byte.
        .testTarget(
            name: "RuntimeHostTests",
            dependencies: ["TinycIR", "TinycSchedule", "TinycReference", "TinycCodegenC"]),
    ],
    cxxLanguageStandard: .cxx17
)
