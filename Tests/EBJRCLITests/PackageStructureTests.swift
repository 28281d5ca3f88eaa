import Testing
import Foundation
import _EBJRTestSupport

/// The package as others see it: the README's dependency graph is `Package.swift`'s, no module imports one it does
/// not declare, and another package can depend on this one (SwiftPM refuses `unsafeFlags` in dependencies).
@Suite("Package structure")
struct PackageStructureTests {
    static let swift = URL(fileURLWithPath: "/usr/bin/env")
    /// Modules of the toolchain and the system that any target may import.
    static let systemModules: Set<String> = ["Foundation", "Dispatch", "Glibc", "Darwin", "XCTest", "Testing", "Synchronization", "FoundationEssentials", "FoundationXML", "Musl"]

    /// Target name → the names of its dependencies (targets and products), from `swift package dump-package`.
    static func declaredDependencies() throws -> [String: [String]] {
        let scratch = try TestSupport.temporaryDirectory("dump")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let result = try TestSupport.run(swift, ["swift", "package", "--scratch-path", scratch.path, "dump-package"],
                                         currentDirectory: TestSupport.packageRoot)
        guard result.status == 0 else { throw TestSupport.Failure("dump-package failed: \(result.standardError)") }
        struct Manifest: Decodable {
            struct Target: Decodable { var name: String; var type: String; var dependencies: [[String: [JSONValue?]]] }
            var targets: [Target]
        }
        enum JSONValue: Decodable {
            case string(String), other
            init(from decoder: Decoder) throws {
                let c = try decoder.singleValueContainer()
                self = (try? c.decode(String.self)).map(JSONValue.string) ?? .other
            }
        }
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(result.standardOutput.utf8))
        var graph: [String: [String]] = [:]
        for target in manifest.targets {
            graph[target.name] = target.dependencies.compactMap { dependency in
                guard let first = dependency.values.first?.first, case let .string(name)? = first else { return nil }
                return name
            }
        }
        return graph
    }

    @Test func readmeGraphIsPackageSwifts() throws {
        let readme = try String(contentsOf: TestSupport.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        guard let start = readme.range(of: "<!-- targets"), let end = readme.range(of: "<!-- /targets -->") else {
            Issue.record("README.md has no <!-- targets --> block"); return
        }
        var drawn: [String: Set<String>] = [:]
        for line in readme[start.upperBound..<end.lowerBound].split(separator: "\n") where line.contains("←") && !line.contains("-->") {
            let parts = line.split(separator: "←", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let name = parts.first, name.hasPrefix("EBJR") else { continue }
            let deps = parts.count > 1 ? parts[1].split(separator: "(")[0] : ""
            drawn[name] = Set(deps.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
        let declared = try Self.declaredDependencies().filter { $0.key.hasPrefix("EBJR") && !$0.key.hasSuffix("Tests") }
        #expect(Set(drawn.keys) == Set(declared.keys), "README draws \(drawn.keys.sorted()), Package.swift has \(declared.keys.sorted())")
        for (name, dependencies) in declared where name != "EBJR" {
            #expect(drawn[name] == Set(dependencies), "\(name): README \(drawn[name]?.sorted() ?? []) vs Package.swift \(dependencies.sorted())")
        }
    }

    @Test func noModuleImportsOneItDoesNotDeclare() throws {
        let graph = try Self.declaredDependencies()
        let products = ["ArgumentParser": "ArgumentParser", "SwiftProtobuf": "SwiftProtobuf", "Yams": "Yams"]
        for folder in ["Sources", "Tests"] {
            let root = TestSupport.packageRoot.appendingPathComponent(folder)
            for target in try FileManager.default.contentsOfDirectory(atPath: root.path) {
                guard let declared = graph[target] else { continue }
                let allowed = Set(declared.map { products[$0] ?? $0 }).union(Self.systemModules)
                let files = FileManager.default.enumerator(atPath: root.appendingPathComponent(target).path)?
                    .compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
                for file in files {
                    let text = try String(contentsOf: root.appendingPathComponent(target).appendingPathComponent(file), encoding: .utf8)
                    var inString = false  // inside a multi-line string literal (embedded Python scripts)
                    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                        if line.components(separatedBy: "\"\"\"").count % 2 == 0 { inString.toggle(); continue }
                        guard !inString else { continue }
                        let words = line.trimmingCharacters(in: .whitespaces).split(separator: " ").map(String.init)
                        guard let i = words.firstIndex(of: "import"), words[..<i].allSatisfy({ $0.hasPrefix("@") }), i + 1 < words.count else { continue }
                        let module = words[i + 1]
                        #expect(allowed.contains(module), "\(folder)/\(target)/\(file) imports \(module), which \(target) does not declare")
                    }
                }
            }
        }
    }

    /// A consumer package depending on a tagged copy of this one by URL (as a released dependency, where SwiftPM
    /// checks for unsafe flags) resolves, builds and runs code of the library. About 3–5 minutes (a debug build of
    /// the whole package); `EBJR_SKIP_CONSUMER_TEST=1` skips it.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["EBJR_SKIP_CONSUMER_TEST"] == nil))
    func anotherPackageCanDependOnThisOne() throws {
        let dir = try TestSupport.temporaryDirectory("consumer")
        defer { try? FileManager.default.removeItem(at: dir) }
        let git = { (arguments: [String], cwd: URL) throws -> TestSupport.ProcessResult in
            let r = try TestSupport.run(Self.swift, ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"] + arguments,
                                        currentDirectory: cwd)
            if r.status != 0 { throw TestSupport.Failure("git \(arguments): \(r.standardError)") }
            return r
        }
        // The working tree as it is (committed or not), as a repository with a release tag.
        let copy = dir.appendingPathComponent("ebjr")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        let listed = try git(["ls-files", "-co", "--exclude-standard", "Package.swift", "Sources"], TestSupport.packageRoot)
        for path in listed.standardOutput.split(separator: "\n").map(String.init) {
            let source = TestSupport.packageRoot.appendingPathComponent(path), target = copy.appendingPathComponent(path)
            guard FileManager.default.fileExists(atPath: source.path) else { continue }
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: source, to: target)
        }
        _ = try git(["init", "-q"], copy)
        _ = try git(["add", "-A"], copy)
        _ = try git(["commit", "-q", "-m", "snapshot"], copy)
        _ = try git(["tag", "0.2.0"], copy)

        let consumer = dir.appendingPathComponent("consumer")
        try FileManager.default.createDirectory(at: consumer.appendingPathComponent("Sources/Consumer"), withIntermediateDirectories: true)
        try """
        // swift-tools-version:6.1
        import PackageDescription
        let package = Package(
            name: "Consumer",
            dependencies: [.package(url: "\(copy.absoluteString)", from: "0.2.0")],
            targets: [.executableTarget(name: "Consumer", dependencies: [.product(name: "EBJR", package: "ebjr")])]
        )
        """.write(to: consumer.appendingPathComponent("Package.swift"), atomically: true, encoding: .utf8)
        try """
        import EBJR
        let logits = try Logits(values: [2, 0, 0, 0, 0, 0], count: 2, classCount: 3)
        let energies = try Score.energy(temperature: 1).values(of: logits)
        print("energies", energies.map { ($0 * 1000).rounded() / 1000 })
        """.write(to: consumer.appendingPathComponent("Sources/Consumer/main.swift"), atomically: true, encoding: .utf8)
        let built = try TestSupport.run(Self.swift, ["swift", "build", "--scratch-path", consumer.appendingPathComponent(".build").path],
                                        currentDirectory: consumer)
        #expect(built.status == 0, "\(built.standardError.suffix(2000))\(built.standardOutput.suffix(2000))")
        guard built.status == 0 else { return }
        let ran = try TestSupport.run(consumer.appendingPathComponent(".build/debug/Consumer"), [])
        // E(z) = −log Σ exp(z): −log(e² + 2) = −2.2395 and −log 3.
        #expect(ran.standardOutput.contains("energies [-2.24, -1.099]"), "\(ran.standardOutput)\(ran.standardError)")
    }
}
