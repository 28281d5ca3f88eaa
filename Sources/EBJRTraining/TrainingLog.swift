import Foundation
import EBJRFiles

/// The per-epoch log of a run, written beside its checkpoint as CSV (`checkpoints/fmnist-cnn.h5` →
/// `checkpoints/fmnist-cnn.log.csv`) and kept inside the checkpoint (`metadata/training_log`).
///
/// Columns: `epoch` (1-based), `loss` (mean training loss of the epoch), `validation_<metric>` (after the epoch, as a
/// fraction), `learning_rate` (at the epoch's last step), `<items>_per_second` (`samples`, or `words` for G2P),
/// `seconds` (the epoch's training time, validation excluded) and `finished_at` (UTC, ISO 8601).
///
/// The file is rewritten atomically after every epoch, before that epoch's checkpoint. A resumed run takes the rows
/// from the checkpoint it resumes (the epochs it holds), so rows of epochs trained after that checkpoint by a killed
/// run are dropped and written again, never duplicated or lost.
public struct TrainingLog: Equatable, Sendable {
    /// The key of the log's copy in a checkpoint's `metadata/`.
    public static let metadataKey = "training_log"

    /// The header line.
    public let header: String
    /// One CSV line per finished epoch, in epoch order.
    public private(set) var rows: [String] = []

    /// A log for a task with validation metric `metricKey` (`accuracy`, `wer`) and items called `itemName`.
    public init(metricKey: String, itemName: String) {
        header = "epoch,loss,validation_\(metricKey),learning_rate,\(itemName)_per_second,seconds,finished_at"
    }

    /// The CSV file beside `checkpoint`: its name without an `.h5`/`.hdf5` extension, plus `.log.csv`.
    public static func path(forCheckpoint checkpoint: String) -> String {
        let url = URL(fileURLWithPath: checkpoint)
        let base = ["h5", "hdf5"].contains(url.pathExtension.lowercased()) ? url.deletingPathExtension() : url
        let name = base.lastPathComponent + ".log.csv"
        let folder = (checkpoint as NSString).deletingLastPathComponent
        return folder.isEmpty ? name : (folder as NSString).appendingPathComponent(name)
    }

    /// Appends the row of a finished epoch.
    public mutating func append(_ record: EpochRecord, finishedAt date: Date) {
        let fields = [String(record.epoch), String(record.meanLoss), String(record.validationMetric), String(record.learningRate),
                      String(format: "%.1f", record.itemsPerSecond), String(format: "%.3f", record.seconds),
                      Self.timestamp(date)]
        rows.append(fields.joined(separator: ","))
    }

    /// The whole file: header and rows, each ending in a newline.
    public var text: String { ([header] + rows).map { $0 + "\n" }.joined() }

    /// Restores the rows of epochs up to `epochs` from a log's `text` (e.g. the copy in a checkpoint), dropping later
    /// ones. The header must be this log's, epochs must increase from row to row, and the kept rows must end at
    /// `epochs` (a log that starts later, after a resume without a log, is fine); returns false, leaving the log
    /// empty, otherwise.
    @discardableResult
    public mutating func restore(from text: String, epochs: Int) -> Bool {
        rows = []
        let lines = text.split(separator: "\n").map(String.init)
        guard lines.first == header else { return false }
        var kept: [(epoch: Int, line: String)] = []
        for line in lines.dropFirst() {
            guard let epoch = Int(line.prefix { $0 != "," }), epoch >= 1, epoch > (kept.last?.epoch ?? 0) else { return false }
            if epoch <= epochs { kept.append((epoch, line)) }
        }
        guard (kept.last?.epoch ?? 0) == epochs else { return false }
        rows = kept.map(\.line)
        return true
    }

    /// Writes `text` to `path` atomically (a reader sees the previous file or the new one).
    public func write(to path: String) throws {
        try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: path))
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
