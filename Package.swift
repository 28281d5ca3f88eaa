// swift-tools-version:6.1
// The EBJR toolkit: energy-based joint reasoning with a pure-Swift autograd engine.
import PackageDescription

/// Every numeric target is compiled for the machine it is built on: without a CPU target SwiftPM emits
/// baseline x86-64 and SIMD code becomes scalar calls (KERNELS.md measured a 100x difference).
/// `-fno-math-errno` lets `squareRoot()` (a C shim on Linux) lower to `vsqrtps` instead of a scalar `sqrtf` call
/// per lane; the results are the same IEEE square roots, only `errno` is no longer set for negative inputs.
let nativeCPU: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "native", "-enforce-exclusivity=unchecked",
                                               "-Xcc", "-fno-math-errno"])]

let package = Package(
    name: "EBJR",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "EBJR", targets: ["EBJR"]),
        .executable(name: "ebjr", targets: ["EBJRCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // C libraries
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-serial", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // Numerics: kernels -> tensor/autograd -> nn -> optimizers
        .target(name: "EBJRKernels", swiftSettings: nativeCPU),
        .target(name: "EBJRTensor", dependencies: ["EBJRKernels"], swiftSettings: nativeCPU),
        .target(name: "EBJRNN", dependencies: ["EBJRTensor", "EBJRKernels"], swiftSettings: nativeCPU),
        .target(name: "EBJROptimizers", dependencies: ["EBJRTensor", "EBJRNN"], swiftSettings: nativeCPU),

        // Storage and data
        .target(name: "EBJRFiles"),
        .target(name: "EBJRHDF5", dependencies: ["CHDF5", "EBJRFiles"]),
        .target(name: "EBJRData", dependencies: ["CZlib", "EBJRHDF5", "EBJRTensor"], swiftSettings: nativeCPU),
        .target(name: "EBJRCheckpoint", dependencies: ["EBJRHDF5", "EBJRTensor", "EBJRNN", "EBJROptimizers"]),

        // Routing (pure) -> evaluation (reports)
        .target(name: "EBJRRouting", swiftSettings: nativeCPU),
        .target(name: "EBJREvaluation", dependencies: ["EBJRRouting", "EBJRFiles"], swiftSettings: nativeCPU),

        // Recipes (strict YAML reader), training, language models, exports
        .target(name: "EBJRRecipe", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "EBJRTraining",
                dependencies: ["EBJRTensor", "EBJRNN", "EBJROptimizers", "EBJRData", "EBJRCheckpoint", "EBJRHDF5",
                               "EBJRRouting", "EBJREvaluation", "EBJRFiles", "EBJRRecipe", .product(name: "Yams", package: "Yams")],
                swiftSettings: nativeCPU),
        .target(name: "EBJRLang",
                dependencies: ["EBJRTensor", "EBJRNN", "EBJROptimizers", "EBJRRouting", "EBJRCheckpoint", "EBJRData", "EBJRHDF5",
                               "EBJREvaluation", "EBJRFiles", "EBJRRecipe"],
                swiftSettings: nativeCPU),
        .target(name: "EBJRExport",
                dependencies: ["EBJRNN", "EBJRCheckpoint", "EBJREvaluation", "EBJRFiles", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                exclude: ["Generated/README.md"],
                resources: [.copy("NotebookCells")]),

        // Umbrella and CLI
        .target(name: "EBJR",
                dependencies: ["EBJRKernels", "EBJRTensor", "EBJRNN", "EBJROptimizers", "EBJRFiles", "EBJRHDF5", "EBJRData",
                               "EBJRCheckpoint", "EBJRRouting", "EBJREvaluation", "EBJRRecipe", "EBJRTraining", "EBJRLang",
                               "EBJRExport"]),
        .executableTarget(name: "EBJRCLI",
                          dependencies: ["EBJR", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: nativeCPU),

        // Tests
        .target(name: "_EBJRTestSupport", dependencies: ["EBJR"], path: "Tests/_EBJRTestSupport"),
        .testTarget(name: "EBJRTensorTests", dependencies: ["EBJRTensor", "EBJRKernels", "_EBJRTestSupport"], swiftSettings: nativeCPU),
        .testTarget(name: "EBJRNNTests", dependencies: ["EBJRNN", "EBJROptimizers", "_EBJRTestSupport"], swiftSettings: nativeCPU),
        .testTarget(name: "EBJRDataTests", dependencies: ["EBJRData", "_EBJRTestSupport"]),
        .testTarget(name: "EBJRCheckpointTests", dependencies: ["EBJRCheckpoint", "EBJRHDF5", "_EBJRTestSupport"]),
        .testTarget(name: "EBJRRoutingTests", dependencies: ["EBJRRouting", "EBJREvaluation", "EBJRFiles", "_EBJRTestSupport"]),
        .testTarget(name: "EBJRTrainingTests", dependencies: ["EBJRTraining", "EBJRRecipe", "_EBJRTestSupport"]),
        .testTarget(name: "EBJRLangTests", dependencies: ["EBJRLang", "EBJRRecipe", "EBJRCheckpoint", "EBJRHDF5", "_EBJRTestSupport"]),
        .testTarget(name: "EBJRExportTests", dependencies: ["EBJRExport", "EBJREvaluation", "EBJRRouting", "_EBJRTestSupport"]),
        .testTarget(name: "EBJRCLITests", dependencies: ["_EBJRTestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
