import Testing
import Foundation
import EBJR
import _EBJRTestSupport

/// Commands refuse to write over their own inputs: exit 1, one line on standard error, the input untouched.
@Suite struct OutputGuardCLITests {
    func smallCheckpoint(in dir: URL) throws -> URL {
        var generator = RandomGenerator(seed: 5)
        let config = ModelConfig.mlp([784, 8, 10])
        let model = try config.makeModel(generator: &generator)
        let url = dir.appendingPathComponent("model.h5")
        try Checkpoint(modelConfig: config, modelState: Checkpoint.modelState(of: model), optimizer: nil, recipe: "",
                       classNames: (0..<10).map { "c\($0)" }).save(to: url)
        return url
    }

    @Test func logitsOutputOverTheCheckpointIsRefused() throws {
        let dir = try TemporaryDirectory("guard")
        let checkpoint = try smallCheckpoint(in: dir.url)
        let before = try Data(contentsOf: checkpoint)
        let result = try TestSupport.ebjr(["logits", "--checkpoint", checkpoint.path, "--split", "test", "--output", checkpoint.path,
                                           "--data-directory", dir.url.path])
        #expect(result.status == 1)
        let lines = result.errorLines
        #expect(lines.count == 1)
        #expect(lines.first == "error: refusing to write \(checkpoint.path): it is the checkpoint this command reads")
        #expect(try Data(contentsOf: checkpoint) == before)
    }

    @Test func onnxOutputThroughASymlinkToTheCheckpointIsRefused() throws {
        let dir = try TemporaryDirectory("guard")
        let checkpoint = try smallCheckpoint(in: dir.url)
        let before = try Data(contentsOf: checkpoint)
        let link = dir.file("link.onnx")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: checkpoint.path)
        let result = try TestSupport.ebjr(["export", "onnx", checkpoint.path, "--output", link.path])
        #expect(result.status == 1)
        let lines = result.errorLines
        #expect(lines.count == 1)
        #expect(lines.first == "error: refusing to write \(link.path): it is the same file as the checkpoint \(checkpoint.path)")
        #expect(try Data(contentsOf: checkpoint) == before)
        // A hard link is the same file too.
        let hard = dir.file("hard.onnx")
        try FileManager.default.linkItem(at: checkpoint, to: hard)
        let viaHardLink = try TestSupport.ebjr(["export", "onnx", checkpoint.path, "--output", hard.path])
        #expect(viaHardLink.status == 1)
        #expect(viaHardLink.errorLines.count == 1)
        #expect(try Data(contentsOf: checkpoint) == before)
    }

    @Test func trainOutputOverTheRecipeIsRefused() throws {
        let dir = try TemporaryDirectory("guard")
        let recipe = dir.file("r.yaml")
        try Data("model: {preset: mlp, sizes: [784, 10]}\n".utf8).write(to: recipe)
        let before = try Data(contentsOf: recipe)
        for command in ["train", "distill"] {
            let result = try TestSupport.ebjr([command, "r.yaml", "--output", "./r.yaml"], currentDirectory: dir.url)
            #expect(result.status == 1)
            let lines = result.errorLines
            #expect(lines.count == 1)
            #expect(lines.first == "error: refusing to write ./r.yaml: it is the same file as the recipe r.yaml")
            #expect(try Data(contentsOf: recipe) == before)
        }
    }

    @Test func guardResolvesPathsAndMissingFiles() throws {
        try OutputGuard.check(output: "/tmp/x/run.h5", inputs: [("recipe", "/tmp/x/r.yaml")])
        #expect(throws: OutputConflictError.self) {
            try OutputGuard.check(output: "/tmp/x/../x/r.yaml", inputs: [("recipe", "/tmp/x/r.yaml")])
        }
        #expect(!OutputGuard.sameFile("/nonexistent/a.h5", "/nonexistent/b.h5"))
        #expect(OutputGuard.sameFile("/nonexistent/a.h5", "/nonexistent/./a.h5"))
    }

    @Test func inspectVerifyReportsOKOrTheDamagedDataset() throws {
        let dir = try TemporaryDirectory("guard")
        let checkpoint = try smallCheckpoint(in: dir.url)
        let ok = try TestSupport.ebjr(["inspect", "--verify", checkpoint.path])
        #expect(ok.status == 0)
        #expect(ok.standardOutput.hasPrefix("\(checkpoint.path): OK, "))
        let loaded = try Checkpoint.load(from: checkpoint)
        let tensor = loaded.modelState[0].tensor
        var bytes = try Data(contentsOf: checkpoint)
        let range = try #require(bytes.range(of: Data(buffer: UnsafeBufferPointer(start: tensor.data, count: 32))))
        bytes[range.lowerBound + 9] ^= 0x80
        try bytes.write(to: checkpoint)
        let damaged = try TestSupport.ebjr(["inspect", "--verify", checkpoint.path])
        #expect(damaged.status == 1)
        let lines = damaged.errorLines
        #expect(lines.count == 1)
        #expect(lines.first?.contains("fails its checksum") == true)
        #expect(lines.first?.contains("/model_weights/") == true)
    }
}
