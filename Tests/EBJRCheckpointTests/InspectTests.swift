import _EBJRTestSupport
import EBJRCheckpoint
import EBJRHDF5
import EBJRNN
import EBJRTensor
import Foundation
import Testing

@Suite struct InspectTests {
    @Test func checkpointSummary() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file("model.h5")
        try TrainedModel(.mlp([784, 32, 10])).checkpoint().save(to: url)
        let text = try inspect(url)
        for expected in ["format         ebjr-checkpoint v1", "weight layout torch",
                         "architecture   [784] → linear(784→32) → relu → linear(32→10)",
                         "layers.0  weight [32, 784]  bias [32]", "layers.2  weight [10, 32]  bias [10]",
                         "parameters     25,450", "optimizer      adam, step 2 (", "lr=0.001,", "beta1=0.9,",
                         "training       epoch 3, global step 1234, batch 17", "class subset   [0, 3, 7]",
                         "outputs        10 (unnamed", "label set      10: T-shirt/top, Trouser", "metadata       git_revision = abc123",
                         "recipe         5 lines", "    model:"] {
            #expect(text.contains(expected), "missing '\(expected)' in:\n\(text)")
        }
        #expect(HDF5.openObjectCount(inFile: url) == 0)
    }

    /// A specialist's outputs are its subset's classes then `other` (docs/checkpoint-format.md), not the label set;
    /// a general model's outputs are the label set itself.
    @Test func outputNamesAreWhatTheModelOutputs() throws {
        let folder = try TemporaryDirectory()
        let specialist = folder.file("footwear.h5")
        try TrainedModel(.mlp([784, 8, 4])).checkpoint().save(to: specialist)
        let text = try inspect(specialist)
        #expect(text.contains("outputs        4: T-shirt/top, Dress, Sneaker, other"), "\(text)")
        #expect(text.contains("label set      10: T-shirt/top, Trouser"), "\(text)")
        #expect(!text.contains("classes "), "\(text)")

        let general = folder.file("general.h5")
        var checkpoint = try TrainedModel(.mlp([784, 8, 10])).checkpoint()
        checkpoint.classSubset = nil
        checkpoint.subsetDesign = nil
        try checkpoint.save(to: general)
        let generalText = try inspect(general)
        #expect(generalText.contains("outputs        10: T-shirt/top, Trouser, Pullover"), "\(generalText)")
        #expect(!generalText.contains("label set"), "\(generalText)")
    }

    @Test func logitsAndOtherFiles() throws {
        let folder = try TemporaryDirectory()
        let logits = folder.file("logits.h5")
        try LogitsFile(logits: Tensor(zeros: [4, 3]), split: "test", inputChecksum: 1).write(to: logits)
        let logitsText = try inspect(logits)
        #expect(logitsText.contains("ebjr-logits v1") && logitsText.contains("[4, 3] float32")
            && logitsText.contains("split          test") && logitsText.contains("fnv1a64:0000000000000001"))

        let other = folder.file("other.h5")
        try HDF5File.writeAtomically(to: other) { file in
            try file.createGroup("images").createDataset("train", shape: [2, 28, 28],
                                                         values: [UInt8](repeating: 0, count: 2 * 784))
        }
        let otherText = try inspect(other)
        #expect(otherText.contains("images/") && otherText.contains("train  uint8 [2, 28, 28]"))
        #expect(HDF5.openObjectCount(inFile: logits) == 0 && HDF5.openObjectCount(inFile: other) == 0)
    }
}
