import _EBJRTestSupport
import EBJRCheckpoint
import EBJRHDF5
import EBJRNN
import Foundation
import Testing

@Suite struct ConcurrencyTests {
    /// libhdf5 is not thread-safe everywhere; the wrapper's lock must make concurrent use from many threads safe.
    @Test func concurrentSavesAndLoadsFromManyThreads() throws {
        let folder = try TemporaryDirectory()
        let trained = try TrainedModel(.mlp([16, 8, 4]))
        let checkpoint = trained.checkpoint()
        let expected = bits(checkpoint.modelState[0].tensor)
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 16) { index in
            let url = folder.file("model-\(index).h5")
            do {
                for _ in 0..<3 {
                    try checkpoint.save(to: url)
                    let loaded = try Checkpoint.load(from: url)
                    if bits(loaded.modelState[0].tensor) != expected { failures.add("\(url.lastPathComponent): values differ") }
                    _ = try inspect(url)
                }
                // A failing open on some threads while others work must not disturb them.
                _ = try? HDF5File.open(folder.file("absent-\(index).h5"))
            } catch {
                failures.add("\(error)")
            }
        }
        #expect(failures.messages.isEmpty, "\(failures.messages)")
        #expect(try folder.contents().filter { $0.contains(".tmp.") }.isEmpty)
        for index in 0..<16 { #expect(HDF5.openObjectCount(inFile: folder.file("model-\(index).h5")) == 0) }
    }

    /// Thread-safe collection of failure messages.
    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var list: [String] = []
        func add(_ message: String) { lock.lock(); list.append(message); lock.unlock() }
        var messages: [String] { lock.lock(); defer { lock.unlock() }; return list }
    }
}
