import Foundation

/// Shared helpers for the test targets: temporary folders, running processes (the `ebjr` executable, Python).
public enum TestSupport {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// The package root (three levels above this file).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// A fresh, empty temporary folder.
    public static func temporaryDirectory(_ label: String = "test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ebjr-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The output of a finished process.
    public struct ProcessResult: Sendable {
        public let status: Int32
        public let standardOutput: String
        public let standardError: String
        public let signaled: Bool

        /// The lines of standard error without the warning a debug build of `ebjr` prints first ("built without
        /// the native-CPU flags"), so that tests counting error lines pass under plain `swift test`.
        public var errorLines: [Substring] {
            standardError.split(separator: "\n").filter { !$0.hasPrefix("warning: ebjr was built without the native-CPU flags") }
        }
    }

    /// Runs `executable` with `arguments` and waits for it; output is captured through files (no pipe deadlocks).
    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String] = [:],
                           currentDirectory: URL? = nil) throws -> ProcessResult {
        let dir = try temporaryDirectory("proc")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        env["CI"] = env["CI"] ?? "true"
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus,
                             standardOutput: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                             standardError: (try? String(contentsOf: err, encoding: .utf8)) ?? "",
                             signaled: process.terminationReason == .uncaughtSignal)
    }

    /// The `ebjr` executable built beside the test bundle.
    public static func ebjrExecutable() throws -> URL {
        let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundleDir, bundleDir.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("ebjr")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        for config in ["release", "debug"] {
            let url = packageRoot.appendingPathComponent(".build/\(config)/ebjr")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw Failure("the ebjr executable was not found next to \(bundleDir.path): build it (swift build) first")
    }

    /// Runs `ebjr` with `arguments`.
    public static func ebjr(_ arguments: [String], environment: [String: String] = [:],
                            currentDirectory: URL? = nil) throws -> ProcessResult {
        try run(try ebjrExecutable(), arguments, environment: environment, currentDirectory: currentDirectory)
    }

    /// The Python interpreter for interop tests: `$EBJR_PYTHON`, else `<package>/.venv/bin/python`
    /// (created by `scripts/python-env.sh`). Missing → a failure that says how to create it (never a skip).
    public static func python() throws -> URL {
        let env = ProcessInfo.processInfo.environment
        let candidates = [env["EBJR_PYTHON"], env["EBJR_PYTHON_ENV"].map { $0 + "/bin/python" },
                          packageRoot.appendingPathComponent(".venv/bin/python").path].compactMap { $0 }
        for path in candidates where FileManager.default.isExecutableFile(atPath: path) { return URL(fileURLWithPath: path) }
        throw Failure("no Python interpreter at \(candidates.joined(separator: ", ")): run scripts/python-env.sh (or set EBJR_PYTHON)")
    }

    /// Runs a Python script given as text with `arguments`; throws with its output when it fails.
    @discardableResult
    public static func runPython(script: String, arguments: [String] = [], in directory: URL) throws -> ProcessResult {
        let file = directory.appendingPathComponent("script-\(UUID().uuidString.prefix(8)).py")
        try Data(script.utf8).write(to: file)
        let result = try run(try python(), [file.path] + arguments)
        guard result.status == 0 else {
            throw Failure("python \(file.lastPathComponent) exited with \(result.status):\n\(result.standardError)\n\(result.standardOutput)")
        }
        return result
    }
}
