import Foundation
import EBJRTensor
import EBJRNN
import EBJRData
import EBJRCheckpoint

/// Where a distilling recipe's teacher logits come from, resolved and cached.
///
/// A teacher checkpoint's logits are computed once per split and cached next to the checkpoint as
/// `<checkpoint>.logits-<split>.h5` (recomputed when the checkpoint is newer or the inputs' checksum differs).
/// A black-box teacher's logits file is read and checked against the split (row count, class count, checksum
/// when the file records one).
public enum TeacherLogits {
    /// Logits `[N, K]` of the teacher checkpoint at `checkpoint` on `data` (computed or read from the cache). `data` is
    /// as read (not normalised): the teacher's own input normalisation, when its checkpoint stores one, is applied
    /// here, and the samples are viewed with the teacher's input shape (`Checkpoint.modelInputs(_:)`), and the cache's checksum is over the features the teacher sees.
    public static func fromCheckpoint(_ checkpoint: URL, split: String, data raw: any LabelledSamples, quiet: Bool = false) throws -> LogitsFile {
        let teacher = try Checkpoint.load(from: checkpoint)
        let data = try teacher.modelInputs(raw)
        let checksum = try data.featureChecksum()
        let cache = URL(fileURLWithPath: checkpoint.path + ".logits-\(split).h5")
        let fm = FileManager.default
        if fm.fileExists(atPath: cache.path),
           let cacheDate = (try? fm.attributesOfItem(atPath: cache.path))?[.modificationDate] as? Date,
           let checkpointDate = (try? fm.attributesOfItem(atPath: checkpoint.path))?[.modificationDate] as? Date,
           cacheDate >= checkpointDate,
           let cached = try? LogitsFile.read(from: cache),
           (try? cached.validate(expectedCount: data.count, expectedClasses: cached.classCount, split: split,
                                 inputChecksum: checksum)) != nil {
            if !quiet { logLine("teacher logits (\(split)): cached \(cache.path)") }
            return cached
        }
        let model = try teacher.makeModel()
        if !quiet { logLine("teacher logits (\(split)): computing with \(checkpoint.path) on \(data.count) samples") }
        let (values, classes) = try Inference.logits(of: model, on: data)
        let file = LogitsFile(logits: Tensor(values, shape: [data.count, classes]), split: split,
                              inputChecksum: checksum, classNames: teacher.outputNames(outputs: classes))
        try file.write(to: cache)
        return file
    }

    /// A black-box teacher's logits from `path`, validated against `data`.
    public static func fromFile(_ path: URL, split: String, data: any LabelledSamples) throws -> LogitsFile {
        let file = try LogitsFile.read(from: path)
        try file.validate(expectedCount: data.count, expectedClasses: data.classNames.count, split: split,
                          inputChecksum: file.inputChecksum == nil ? nil : try data.featureChecksum())
        return file
    }
}
