import EBJRCheckpoint
import EBJRData
import EBJRHDF5
import EBJRLang
import EBJRNN
import EBJROptimizers
import EBJRRouting
import EBJRTensor
import EBJRWorkflow
import Foundation

/// What every harness shares: the fuzz input as a file, the oracle (a thrown error is one line naming the input
/// file), the check that no HDF5 object stays open, and seed writing.
///
/// A harness reports a finding by crashing (libFuzzer saves the input): a Swift trap, an AddressSanitizer report, a
/// `malloc` above `-malloc_limit_mb`, a time-out, or `Fuzz.fail` when an error is not one located line or a
/// handle leaks.
public enum Fuzz {
    /// Largest dataset the HDF5 layer reads when it cannot check a size against the file (`EBJR_MAX_DATASET_BYTES`),
    /// set low so that libFuzzer's `-malloc_limit_mb` flags any allocation the readers did not bound.
    public static let maximumDatasetBytes = 64 << 20

    /// The folder inputs are written to: one per process under `$TMPDIR`.
    public static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ebjr-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// Call from `LLVMFuzzerInitialize`: sets the dataset limit, and when `EBJR_FUZZ_WRITE_SEEDS` names a folder,
    /// writes the harness's seed files there with `write` and exits.
    public static func initialize(writingSeeds write: (URL) throws -> Void) {
        setenv("EBJR_MAX_DATASET_BYTES", "\(maximumDatasetBytes)", 1)
        guard let folder = ProcessInfo.processInfo.environment["EBJR_FUZZ_WRITE_SEEDS"] else { return }
        let url = URL(fileURLWithPath: folder)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            try write(url)
        } catch {
            FileHandle.standardError.write(Data("writing seeds to \(folder) failed: \(error)\n".utf8))
            exit(1)
        }
        exit(0)
    }

    /// Writes the input to `name` in `directory` (replacing the previous input) and returns its URL.
    public static func file(_ data: UnsafePointer<UInt8>, _ size: Int, name: String) -> URL {
        let url = directory.appendingPathComponent(name)
        let bytes = Data(bytes: data, count: size)
        do { try bytes.write(to: url) } catch { fail("cannot write the input to \(url.path): \(error)") }
        return url
    }

    /// Runs `body`; any error it throws must describe itself in one line that contains `file`.
    public static func expectLocatedError(naming file: String, _ body: () throws -> Void) {
        do { try body() } catch {
            let text = "\(error)"
            if text.contains("\n") || !text.contains(file) {
                fail("error is not one line naming \(file): \(String(reflecting: error)) — \(text)")
            }
        }
    }

    /// Fails unless libhdf5 holds nothing open in `url` (every reader releases its handles, also when it throws).
    public static func expectNoOpenObjects(in url: URL) {
        let count = HDF5.openObjectCount(inFile: url)
        if count != 0 { fail("\(count) HDF5 identifiers left open in \(url.path)") }
    }

    /// The harness's `main`: runs libFuzzer's driver with `callback` as the function under test.
    ///
    /// SwiftPM links an executable target with `main` aliased to `<module>_main`, so each harness defines that symbol
    /// (`@_cdecl("fuzz_logits_main")`, …) and calls this, instead of relying on the `main` libFuzzer would supply.
    public static func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                            _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32 {
        var count = argc
        var arguments = argv
        return LLVMFuzzerRunDriver(&count, &arguments, callback)
    }

    /// Reports a finding: prints `message` and aborts, so that libFuzzer saves the input.
    public static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("FUZZ FINDING: \(message)\n".utf8))
        abort()
    }
}

/// libFuzzer's entry point for programs that have their own `main` (`-sanitize=fuzzer` links it).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32
