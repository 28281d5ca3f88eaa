/// Why a notebook could not be exported. Every case names the file or folder at fault, in one line.
public enum NotebookExportError: Error, CustomStringConvertible, Equatable {
    /// The evaluation folder does not exist (or is not a folder).
    case missingEvaluationDirectory(path: String)
    /// The evaluation folder has no `report.json`.
    case missingReport(path: String)
    /// A file the notebook reads besides `report.json` (e.g. `curves.csv`) is missing.
    case missingFile(path: String)
    /// `report.json` is not valid JSON or does not decode as an evaluation result.
    case unreadableReport(path: String, reason: String)
    /// `report.json` was written with another schema version (`found` is nil when it has none).
    case unsupportedSchema(path: String, found: Int?, supported: Int)
    /// The checkpoint does not exist or is not an HDF5 file.
    case invalidCheckpoint(path: String, reason: String)
    /// The output path cannot hold the notebook (wrong extension, or its data folder would be the evaluation folder).
    case invalidOutput(path: String, reason: String)
    /// A file or folder could not be written.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .missingEvaluationDirectory(path):
            "notebook export: evaluation folder '\(path)' does not exist"
        case let .missingReport(path):
            "notebook export: no report.json at '\(path)' (write the evaluation report there first)"
        case let .missingFile(path):
            "notebook export: '\(path)' is missing (it is written together with report.json)"
        case let .unreadableReport(path, reason):
            "notebook export: cannot read '\(path)': \(reason)"
        case let .unsupportedSchema(path, found, supported):
            "notebook export: '\(path)' has schema version \(found.map(String.init) ?? "none"), this toolkit reads "
                + "version \(supported) (re-run the evaluation)"
        case let .invalidCheckpoint(path, reason):
            "notebook export: checkpoint '\(path)' \(reason)"
        case let .invalidOutput(path, reason):
            "notebook export: cannot write the notebook to '\(path)': \(reason)"
        case let .writeFailed(path, reason):
            "notebook export: cannot write '\(path)': \(reason)"
        }
    }
}
