// swift-tools-version:6.1
// libFuzzer harnesses for the toolkit's file readers (docs/fuzzing.md). A separate package, so that the main
// package builds normally: build and run them with scripts/fuzz.sh, which adds
//   -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
// (libFuzzer supplies `main` and calls each harness's `LLVMFuzzerTestOneInput`).
import PackageDescription

let harnesses = ["fuzz-checkpoint", "fuzz-logits", "fuzz-recipe", "fuzz-idx"]

let package = Package(
    name: "EBJRFuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "EBJR", path: "..")],
    targets: [
        .target(name: "FuzzSupport", dependencies: [.product(name: "EBJRWorkflow", package: "EBJR")]),
    ] + harnesses.map { name in
        .executableTarget(name: name, dependencies: ["FuzzSupport", .product(name: "EBJRWorkflow", package: "EBJR")])
    },
    swiftLanguageModes: [.v5]
)
