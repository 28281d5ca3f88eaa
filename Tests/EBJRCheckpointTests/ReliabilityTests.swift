import Foundation
import Testing
import EBJRCheckpoint
import EBJRFiles
import EBJRHDF5
import EBJRNN
import EBJRTensor
import _EBJRTestSupport

/// Corruption is detected (checksums, non-finite weights), writers exclude each other, and a failed save leaves the
/// previous file as it was.
@Suite struct ReliabilityTests {
    /// The absolute HDF5 path of the dataset of parameter `name` (walking `model_weights` as the loader does).
    func datasetPath(of name: String, in url: URL) throws -> String {
        let file = try HDF5File.open(url)
        defer { try? file.close() }
        let weights = try file.group("model_weights")
        for layer in try weights.childNames() {
            let group = try weights.group(layer)
            for weight in try group.childNames() where name.hasSuffix("." + weight) || name == weight {
                let prefix = String(name.dropLast(weight.count + 1))
                if prefix == layer || (prefix.isEmpty && layer == "__root__") { return group.path + "/" + weight }
            }
        }
        throw TestSupport.Failure("no dataset for \(name)")
    }

    @Test func aFlippedBitInAWeightIsALocatedChecksumError() throws {
        let folder = try TemporaryDirectory("rel")
        let url = folder.file("model.h5")
        let checkpoint = try TrainedModel(.mlp([784, 32, 10])).checkpoint()
        try checkpoint.save(to: url)
        let (name, tensor) = checkpoint.modelState[0]
        let path = try datasetPath(of: name, in: url)
        // The weight's raw bytes are in the file as they are (Fletcher32 does not transform the data): find them.
        var bytes = try Data(contentsOf: url)
        let needle = Data(buffer: UnsafeBufferPointer(start: tensor.data, count: 64))
        let range = try #require(bytes.range(of: needle))
        #expect(bytes[range.upperBound...].range(of: needle) == nil)
        bytes[range.lowerBound + 101] ^= 0x04
        try bytes.write(to: url)

        #expect(throws: HDF5Error.checksumMismatch(file: url.path, path: path)) { try Checkpoint.load(from: url) }
        let error = #expect(throws: HDF5Error.self) { try Checkpoint.load(from: url) }
        #expect(error?.description.split(separator: "\n").count == 1)
        #expect(error?.description.contains(path) == true)
        #expect(throws: HDF5Error.checksumMismatch(file: url.path, path: path)) { try verifyFile(url) }
        #expect(HDF5.openObjectCount(inFile: url) == 0)
    }

    @Test func weightsOptimizerStateAndLogitsAreChecksummedAndVerifiable() throws {
        let folder = try TemporaryDirectory("rel")
        let url = folder.file("model.h5")
        try TrainedModel(.mlp([784, 32, 10])).checkpoint().save(to: url)
        let file = try HDF5File.open(url)
        let layer = try file.group("model_weights").childNames()[0]
        let weight = try file.group("model_weights/\(layer)").childNames()[0]
        #expect(try file.dataset("model_weights/\(layer)/\(weight)").isChecksummed())
        let parameter = try file.group("optimizer_weights").childNames()[0]
        let slot = try file.group("optimizer_weights/\(parameter)").childNames()[0]
        #expect(try file.dataset("optimizer_weights/\(parameter)/\(slot)").isChecksummed())
        try file.close()
        let report = try verifyFile(url)
        #expect(report.hasPrefix("\(url.path): OK, "))
        #expect(!report.contains("(0 with checksums)"))

        let logitsURL = folder.file("logits.h5")
        try LogitsFile(logits: Tensor((0..<30).map(Float.init), shape: [10, 3]), split: "test", inputChecksum: 1).write(to: logitsURL)
        let logits = try HDF5File.open(logitsURL)
        #expect(try logits.dataset("logits").isChecksummed())
        try logits.close()
        #expect(try LogitsFile.read(from: logitsURL).logits.scalars == (0..<30).map(Float.init))
    }

    /// h5py applies the Fletcher32 filter transparently: a checksummed checkpoint and logits file read back equal.
    @Test func h5pyReadsChecksummedCheckpointsAndLogits() throws {
        let folder = try TemporaryDirectory("rel")
        let checkpoint = try TrainedModel(.mlp([784, 32, 10])).checkpoint()
        try checkpoint.save(to: folder.file("model.h5"))
        let logits = Tensor((0..<60).map { Float($0) * 0.25 - 3 }, shape: [20, 3])
        try LogitsFile(logits: logits, split: "test", inputChecksum: 7).write(to: folder.file("logits.h5"))
        // Expected values as raw little-endian float32, one file per weight in model order.
        var names: [String] = []
        for (index, (name, tensor)) in checkpoint.modelState.enumerated() {
            let path = try datasetPath(of: name, in: folder.file("model.h5"))
            names.append(path)
            try Data(buffer: UnsafeBufferPointer(start: tensor.data, count: tensor.count)).write(to: folder.file("w\(index).f32"))
        }
        try Data(buffer: UnsafeBufferPointer(start: logits.data, count: logits.count)).write(to: folder.file("logits.f32"))
        let script = """
            import sys, h5py, numpy as np
            folder, names = sys.argv[1], sys.argv[2:]
            with h5py.File(folder + "/model.h5", "r") as f:
                for i, name in enumerate(names):
                    d = f[name]
                    assert d.fletcher32 and d.chunks is not None, (name, d.fletcher32, d.chunks)
                    expected = np.fromfile(f"{folder}/w{i}.f32", dtype="<f4").reshape(d.shape)
                    assert np.array_equal(d[()], expected), name
            with h5py.File(folder + "/logits.h5", "r") as f:
                d = f["logits"]
                assert d.fletcher32 and d.chunks is not None
                assert np.array_equal(d[()], np.fromfile(folder + "/logits.f32", dtype="<f4").reshape(20, 3))
            print("ok", len(names))
            """
        let result = try TestSupport.runPython(script: script, arguments: [folder.url.path] + names, in: folder.url)
        #expect(result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "ok \(names.count)")
    }

    @Test func chunksAreTheWholeDatasetUpToOneMebibyte() {
        #expect(HDF5Chunking.chunkShape([128, 784], elementSize: 4) == [128, 784])
        #expect(HDF5Chunking.chunkShape([1000, 1000], elementSize: 4) == [262, 1000])
        #expect(HDF5Chunking.chunkShape([2, 1_000_000], elementSize: 4) == [1, 262_144])
        #expect(HDF5Chunking.chunkShape([7], elementSize: 4) == [7])
    }

    @Test func nonFiniteWeightsAreALocatedErrorUnlessAllowed() throws {
        let folder = try TemporaryDirectory("rel")
        let url = folder.file("model.h5")
        var checkpoint = try TrainedModel(.mlp([784, 32, 10])).checkpoint()
        let (name, tensor) = checkpoint.modelState[1]
        let copy = Tensor(tensor.scalars, shape: tensor.shape)
        copy.data[3] = .nan
        checkpoint.modelState[1] = (name, copy)
        try checkpoint.save(to: url)
        let path = try datasetPath(of: name, in: url)
        let error = #expect(throws: CheckpointError.self) { try Checkpoint.load(from: url) }
        #expect(error?.description == "\(url.path): weight dataset '\(path)' holds nan at index 3; weights must be finite "
                + "(load with allowNonFinite to inspect it)")
        let loaded = try Checkpoint.load(from: url, allowNonFinite: true)
        #expect(loaded.modelState[1].tensor.scalars[3].isNaN)
    }

    @Test func aSaveFailsAtOnceWhileAnotherWriterHoldsTheLock() throws {
        let folder = try TemporaryDirectory("rel")
        let url = folder.file("model.h5")
        try TrainedModel(.mlp([784, 32, 10])).checkpoint().save(to: url)
        let before = try Data(contentsOf: url)
        let lockPath = AtomicFile.lockFile(for: url).path
        let descriptor = open(lockPath, O_RDWR | O_CREAT, 0o644)
        #expect(descriptor >= 0)
        #expect(flock(descriptor, LOCK_EX | LOCK_NB) == 0)
        let newer = try TrainedModel(.mlp([784, 32, 10]), seed: 3).checkpoint()
        let error = #expect(throws: FileWriteError.self) { try newer.save(to: url) }
        #expect(error?.description == "\(url.path) is being written by another process")
        #expect(throws: FileWriteError.busy(path: url.path)) { try AtomicFile.write("x", to: url) }
        #expect(try Data(contentsOf: url) == before)
        #expect(try folder.contents() == [".model.h5.lock", "model.h5"])
        close(descriptor)
        try newer.save(to: url)
        #expect(try Data(contentsOf: url) != before)
        #expect(try folder.contents() == ["model.h5"])
    }

    @Test func staleTemporaryFilesOfDeadWritersAreRemoved() throws {
        let folder = try TemporaryDirectory("rel")
        let url = folder.file("model.h5")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        let dead = process.processIdentifier
        #expect(kill(dead, 0) != 0)
        let stale = ".model.h5.tmp.\(dead).12345"
        try Data("half a checkpoint".utf8).write(to: folder.file(stale))
        // Another destination's temporary file and a live writer's are left alone.
        let other = ".other.h5.tmp.\(dead).1"
        try Data().write(to: folder.file(other))
        let live = ".model.h5.tmp.\(getppid()).7"
        try Data().write(to: folder.file(live))
        try TrainedModel(.mlp([784, 32, 10])).checkpoint().save(to: url)
        #expect(try folder.contents() == [live, other, "model.h5"].sorted())
    }

    /// Needs root: mounts a small tmpfs, fills it, and checks that a save that runs out of space fails with one
    /// line naming the destination, leaves the previous file and no temporary file. Opt in with
    /// EBJR_TMPFS_TESTS=1.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["EBJR_TMPFS_TESTS"] == "1"))
    func aSaveOnAFullDiskFailsCleanly() throws {
        let folder = try TemporaryDirectory("tmpfs")
        let mount = try TestSupport.run(URL(fileURLWithPath: "/bin/mount"), ["-t", "tmpfs", "-o", "size=1m", "tmpfs", folder.url.path])
        try #require(mount.status == 0, "mount failed: \(mount.standardError)")
        defer { _ = try? TestSupport.run(URL(fileURLWithPath: "/bin/umount"), [folder.url.path]) }
        let url = folder.file("model.h5")
        let small = try TrainedModel(.mlp([784, 32, 10])).checkpoint()
        try small.save(to: url)
        let before = try Data(contentsOf: url)
        // Leave about 40 KiB free; the next save needs about 300 KiB.
        var stats = statvfs()
        statvfs(folder.url.path, &stats)
        let free = Int(stats.f_bavail) * Int(stats.f_frsize)
        try Data(count: max(0, free - 40 * 1024)).write(to: folder.file("filler"))
        for model in [try TrainedModel(.mlp([784, 32, 10]), seed: 5), try TrainedModel(.mlp([784, 96, 10]), seed: 5)] {
            let error = #expect(throws: FileWriteError.self) { try model.checkpoint().save(to: url) }
            let text = error?.description ?? ""
            #expect(text.split(separator: "\n").count == 1)
            #expect(text.hasPrefix("cannot write \(url.path): "))
            print("full-disk save error: \(text)")
            #expect(try Data(contentsOf: url) == before)
            #expect(try folder.contents() == ["filler", "model.h5"])
        }
        print("files left open after a failed close: \(HDF5.abandonedFileCount)")
        #expect(try Checkpoint.load(from: url).modelState.count == small.modelState.count)
    }
}
