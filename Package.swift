// swift-tools-version:6.1
// The EBJR toolkit: energy-based joint reasoning with a pure-Swift autograd engine.
import PackageDescription

/// Numeric code must be compiled for the CPU it runs on (docs/kernels.md: without a CPU target SIMD code turns
/// into scalar calls, about 100× slower). Those flags are given on the build command, not here, so that other
/// packages can depend on this one (SwiftPM refuses `unsafeFlags` in dependencies): `scripts/build.sh` and every
/// script of the repository build with
///   -Xswiftc -target-cpu -Xswiftc native -Xswiftc -enforce-exclusivity=unchecked -Xcc -fno-math-errno
///   -Xswiftc -DEBJR_NATIVE_CPU
/// and `ebjr` warns on standard error when it was built without them.
let package = Package(
    name: "EBJR",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "EBJR", targets: ["EBJR"]),
        // The readers and workflows without ONNX export and the benchmark (no SwiftProtobuf): what fuzz/ links.
        .library(name: "EBJRWorkflow", targets: ["EBJRWorkflow"]),
        .executable(name: "ebjr", targets: ["EBJRCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        // Serving (`ebjr serve`): HTTP server, HTTP client, metrics, logs, lifecycle
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
    ],
    targets: [
        // C libraries
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-serial", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // Numerics: kernels -> tensor/autograd -> nn -> optimizers
        .target(name: "EBJRKernels"),
        .target(name: "EBJRTensor", dependencies: ["EBJRKernels"]),
        .target(name: "EBJRNN", dependencies: ["EBJRTensor", "EBJRKernels"]),
        .target(name: "EBJROptimizers", dependencies: ["EBJRKernels", "EBJRTensor", "EBJRNN"]),

        // Storage and data
        .target(name: "EBJRFiles"),
        .target(name: "EBJRHDF5", dependencies: ["CHDF5", "EBJRFiles"]),
        .target(name: "EBJRData", dependencies: ["CZlib", "EBJRFiles", "EBJRHDF5", "EBJRTensor"]),
        .target(name: "EBJRCheckpoint", dependencies: ["EBJRFiles", "EBJRHDF5", "EBJRTensor", "EBJRNN", "EBJROptimizers", "EBJRRouting"]),

        // Routing (pure) -> learned deferral (a router trained with the numeric core) -> evaluation (reports)
        .target(name: "EBJRRouting"),
        .target(name: "EBJRDeferral", dependencies: ["EBJRTensor", "EBJRNN", "EBJROptimizers", "EBJRRouting"]),
        .target(name: "EBJREvaluation", dependencies: ["EBJRRouting", "EBJRFiles", "EBJRDeferral"]),

        // Training: the one Trainer and its tasks (classification here, sequences in EBJRLang)
        .target(name: "EBJRTraining",
                dependencies: ["EBJRTensor", "EBJRNN", "EBJROptimizers", "EBJRData", "EBJRCheckpoint", "EBJRRouting", "EBJRFiles"]),
        .target(name: "EBJRLang",
                dependencies: ["EBJRTensor", "EBJRNN", "EBJRRouting", "EBJRCheckpoint", "EBJRData", "EBJRHDF5",
                               "EBJREvaluation", "EBJRFiles", "EBJRTraining"]),
        .target(name: "EBJRExport",
                dependencies: ["EBJRTensor", "EBJRNN", "EBJRCheckpoint", "EBJREvaluation", "EBJRRouting", "EBJRFiles",
                               .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                exclude: ["Generated/README.md"],
                resources: [.copy("NotebookCells")]),

        // Recipes: the strict YAML reader, then the typed recipes and the workflows they drive (application layer)
        .target(name: "EBJRRecipe", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "EBJRWorkflow",
                dependencies: ["EBJRTensor", "EBJRNN", "EBJRData", "EBJRCheckpoint", "EBJRRouting", "EBJREvaluation", "EBJRFiles",
                               "EBJRRecipe", "EBJRTraining", "EBJRLang", .product(name: "Yams", package: "Yams")]),
        // The benchmark against PyTorch / OpenBLAS (Swift side and the Python subprocess)
        .target(name: "EBJRBenchmark", dependencies: ["EBJRKernels", "EBJRTensor", "EBJRNN", "EBJROptimizers", "EBJRData", "EBJRRouting"]),

        // Serving: the routed model behind the Open Inference Protocol (KServe v2) REST API
        .target(name: "EBJRServe",
                dependencies: ["EBJRTensor", "EBJRNN", "EBJRCheckpoint", "EBJRRouting", "EBJRDeferral", "EBJRFiles",
                               .product(name: "Hummingbird", package: "hummingbird"),
                               .product(name: "AsyncHTTPClient", package: "async-http-client"),
                               .product(name: "Prometheus", package: "swift-prometheus"),
                               .product(name: "Metrics", package: "swift-metrics"),
                               .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                               .product(name: "Logging", package: "swift-log"),
                               .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "NIOHTTP1", package: "swift-nio")]),

        // Umbrella and CLI
        .target(name: "EBJR",
                dependencies: ["EBJRKernels", "EBJRTensor", "EBJRNN", "EBJROptimizers", "EBJRFiles", "EBJRHDF5", "EBJRData",
                               "EBJRCheckpoint", "EBJRRouting", "EBJRDeferral", "EBJREvaluation", "EBJRRecipe", "EBJRTraining", "EBJRLang",
                               "EBJRExport", "EBJRWorkflow", "EBJRBenchmark"]),
        .executableTarget(name: "EBJRCLI",
                          dependencies: ["EBJR", "EBJRServe", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                                         .product(name: "Logging", package: "swift-log")]),

        // Tests
        .target(name: "_EBJRTestSupport", dependencies: ["EBJR", "EBJRTensor", "EBJRRouting", "EBJREvaluation"], path: "Tests/_EBJRTestSupport"),
        .testTarget(name: "EBJRTensorTests", dependencies: ["EBJRTensor", "EBJRKernels", "_EBJRTestSupport"]),
        .testTarget(name: "EBJRNNTests", dependencies: ["EBJRNN", "EBJRKernels", "EBJRTensor", "EBJROptimizers", "_EBJRTestSupport"]),
        .testTarget(name: "EBJRDataTests", dependencies: ["EBJRData", "_EBJRTestSupport"]),
        .testTarget(name: "EBJRCheckpointTests", dependencies: ["EBJRCheckpoint", "EBJRFiles", "EBJRNN", "EBJROptimizers", "EBJRTensor", "EBJRHDF5", "_EBJRTestSupport"]),
        .testTarget(name: "EBJRRoutingTests", dependencies: ["EBJRRouting", "EBJREvaluation", "EBJRFiles", "_EBJRTestSupport"]),
        .testTarget(name: "EBJRDeferralTests", dependencies: ["EBJRDeferral", "EBJRRouting", "_EBJRTestSupport"]),
        .testTarget(name: "EBJRTrainingTests", dependencies: ["EBJRTraining", "EBJRTensor", "EBJRNN", "EBJROptimizers", "EBJRData",
                                                             "EBJRCheckpoint", "EBJRRouting", "_EBJRTestSupport"]),
        .testTarget(name: "EBJRLangTests", dependencies: ["EBJRLang", "EBJRTensor", "EBJRNN", "EBJRData", "EBJRCheckpoint", "EBJRHDF5", "_EBJRTestSupport"]),
        .testTarget(name: "EBJRWorkflowTests", dependencies: ["EBJRWorkflow", "EBJRTraining", "EBJRLang", "EBJRRecipe", "EBJRNN", "EBJRRouting", "EBJREvaluation",
                                                             "EBJRCheckpoint", "EBJRData", "_EBJRTestSupport"]),
        .testTarget(name: "EBJRBenchmarkTests", dependencies: ["EBJRBenchmark", "_EBJRTestSupport"]),
        .testTarget(name: "EBJRExportTests", dependencies: ["EBJRExport", "EBJRNN", "EBJRTensor", "EBJREvaluation", "EBJRRouting", "EBJRCheckpoint",
                                                           "_EBJRTestSupport"]),
        .testTarget(name: "EBJRServeTests", dependencies: ["EBJRServe", "EBJRRouting", "_EBJRTestSupport"]),
        .testTarget(name: "EBJRCLITests", dependencies: ["EBJR", "_EBJRTestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
