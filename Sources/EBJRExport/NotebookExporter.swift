import EBJREvaluation
import EBJRFiles
import Foundation

/// Exports an evaluation report as a Jupyter notebook that reproduces its tables and plots.
///
/// Layout, for `output = notebooks-export/fmnist.ipynb`:
///
/// ```
/// notebooks-export/fmnist.ipynb          nbformat 4.5, python3 kernel, no outputs
/// notebooks-export/fmnist_files/         report.json, the report's Markdown and CSV files, the SVG plots [, the checkpoint]
/// ```
///
/// The notebook refers to its data folder by a relative path only, so the pair can be moved or committed
/// together. Its cells explain what was evaluated, how operating points were chosen on validation and reported
/// on test, the bounds and flags, and load the copied files with json / pandas to rebuild the report's tables
/// (as DataFrames) and plots (matplotlib). With a checkpoint, a last cell walks the HDF5 file with h5py and runs
/// the side model's forward pass in NumPy, printing logits and energies `−logsumexp(z)`.
public enum NotebookExporter {
    /// The data folder beside a notebook: `<name>_files` for `<name>.ipynb`.
    public static func dataFolder(for notebook: URL) -> URL {
        notebook.deletingLastPathComponent()
            .appendingPathComponent(notebook.deletingPathExtension().lastPathComponent + "_files", isDirectory: true)
    }

    /// Writes the notebook for the report in `evaluationDirectory` (as written by `ReportWriter.write`) to
    /// `output`, and copies the report's files (and the checkpoint, if given) into its data folder.
    ///
    /// The data folder is assembled beside it under a temporary name and swapped in whole (a previous export's
    /// folder is replaced, stale files and all); the notebook itself is written atomically, last.
    ///
    /// - Parameters:
    ///   - evaluationDirectory: a folder holding `report.json` and `curves.csv` (SVG plots and `report.md` are
    ///     copied when present).
    ///   - output: the notebook file; must end in `.ipynb`. Missing parent folders are created.
    ///   - checkpoint: an optional side-model checkpoint (HDF5, `ebjr-checkpoint` format) to run in NumPy.
    ///   - title: the notebook's title; defaults to the report's.
    /// - Returns: the notebook's URL followed by the files written into its data folder.
    /// - Throws: `NotebookExportError` naming the missing or unreadable file (a missing folder or
    ///   `report.json`, a `report.json` of another schema version, a checkpoint that is not HDF5), or the path
    ///   that could not be written.
    @discardableResult
    public static func export(evaluationDirectory: URL, output: URL, checkpoint: URL? = nil, title: String? = nil) throws -> [URL] {
        let fileManager = FileManager.default
        let evaluationDirectory = evaluationDirectory.standardizedFileURL
        let output = output.standardizedFileURL
        guard output.pathExtension.lowercased() == "ipynb", output.deletingPathExtension().lastPathComponent != "" else {
            throw NotebookExportError.invalidOutput(path: output.path, reason: "the file name must end in .ipynb")
        }
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: evaluationDirectory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw NotebookExportError.missingEvaluationDirectory(path: evaluationDirectory.path)
        }
        let result = try readReport(evaluationDirectory.appendingPathComponent("report.json"))
        let curves = evaluationDirectory.appendingPathComponent("curves.csv")
        guard fileManager.isReadableFile(atPath: curves.path) else { throw NotebookExportError.missingFile(path: curves.path) }

        let listing = (try? fileManager.contentsOfDirectory(atPath: evaluationDirectory.path)) ?? []
        let svgs = listing.filter { $0.lowercased().hasSuffix(".svg") && !$0.hasPrefix(".") }.sorted()
        // The tables a reader opens beside the notebook: report.md, appendix.md, curves.csv, operating-points.csv, ….
        let tables = listing.filter { name in
            !name.hasPrefix(".") && name != "curves.csv" && (name.lowercased().hasSuffix(".md") || name.lowercased().hasSuffix(".csv"))
        }.sorted()
        var copied = ["report.json", "curves.csv"] + tables + svgs
        var sources = copied.map { evaluationDirectory.appendingPathComponent($0) }
        var checkpointName: String?
        if let checkpoint {
            try checkHDF5(checkpoint)
            var name = checkpoint.lastPathComponent
            if copied.contains(name) { name = "checkpoint-" + name }
            checkpointName = name
            copied.append(name)
            sources.append(checkpoint)
        }

        let dataFolder = dataFolder(for: output)
        let inputs = zip(copied, sources).map { (role: $0.0 == checkpointName ? "checkpoint" : "evaluation file", path: Optional($0.1.path)) }
        try OutputGuard.check(output: output.path, inputs: inputs)
        try OutputGuard.check(outputDirectory: dataFolder.path, writing: nil, inputs: inputs)
        if dataFolder.resolvingSymlinksInPath().path == evaluationDirectory.resolvingSymlinksInPath().path {
            throw NotebookExportError.invalidOutput(path: output.path, reason: "its data folder \(dataFolder.lastPathComponent) "
                                                    + "would be the evaluation folder itself")
        }
        let document = NotebookContent.document(
            result: result, title: title,
            files: .init(dataFolder: dataFolder.lastPathComponent, evaluationName: evaluationDirectory.lastPathComponent,
                         checkpoint: checkpointName, svgs: svgs))
        let json: Data
        do {
            json = try document.jsonData()
        } catch {
            throw NotebookExportError.writeFailed(path: output.path, reason: "cannot encode the notebook: \(error)")
        }

        try replaceFolder(dataFolder, with: Array(zip(sources, copied)))
        do {
            try AtomicFile.write(json, to: output)
        } catch let error as FileWriteError {
            throw NotebookExportError.writeFailed(path: error.path, reason: error.reason)
        }
        return [output] + copied.map { dataFolder.appendingPathComponent($0) }
    }

    /// Reads `report.json`, checking its schema version before decoding it.
    static func readReport(_ url: URL) throws -> EvaluationResult {
        guard FileManager.default.fileExists(atPath: url.path) else { throw NotebookExportError.missingReport(path: url.path) }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw NotebookExportError.unreadableReport(path: url.path, reason: error.localizedDescription)
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw NotebookExportError.unreadableReport(path: url.path, reason: "not a JSON object")
        }
        let version = object["schemaVersion"] as? Int
        guard version == EvaluationResult.currentSchemaVersion else {
            throw NotebookExportError.unsupportedSchema(path: url.path, found: version, supported: EvaluationResult.currentSchemaVersion)
        }
        do {
            return try ReportWriter.readJSON(data)
        } catch {
            throw NotebookExportError.unreadableReport(path: url.path, reason: describe(error))
        }
    }

    /// A one-line reason for a decoding failure, with the JSON path it happened at.
    private static func describe(_ error: Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ keys: [CodingKey]) -> String {
            var out = ""
            for key in keys {
                if let index = key.intValue { out += "[\(index)]" } else { out += (out.isEmpty ? "" : ".") + key.stringValue }
            }
            return out.isEmpty ? "the top level" : out
        }
        switch error {
        case let .keyNotFound(key, context):
            return "missing key '\(key.stringValue)' at \(path(context.codingPath))"
        case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context):
            return "\(context.debugDescription) (at \(path(context.codingPath)))"
        @unknown default:
            return "\(error)"
        }
    }

    /// Checks that `url` is a readable file with the HDF5 signature (at offset 0, or 512, 1024, … after a user block).
    private static func checkHDF5(_ url: URL) throws {
        let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw NotebookExportError.invalidCheckpoint(path: url.path, reason: "does not exist")
        }
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw NotebookExportError.invalidCheckpoint(path: url.path, reason: "cannot be read")
        }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        var offset: UInt64 = 0
        while offset + 8 <= size {
            try? handle.seek(toOffset: offset)
            if let bytes = try? handle.read(upToCount: 8), Array(bytes) == signature { return }
            offset = offset == 0 ? 512 : offset * 2
        }
        throw NotebookExportError.invalidCheckpoint(path: url.path, reason: "is not an HDF5 file")
    }

    /// Copies `files` (source, name) into a fresh folder next to `folder`, then swaps it in place of `folder`.
    private static func replaceFolder(_ folder: URL, with files: [(URL, String)]) throws {
        let fileManager = FileManager.default
        let parent = folder.deletingLastPathComponent()
        let token = UUID().uuidString
        let staging = parent.appendingPathComponent(".\(folder.lastPathComponent).tmp.\(token)", isDirectory: true)
        let previous = parent.appendingPathComponent(".\(folder.lastPathComponent).old.tmp.\(token)", isDirectory: true)
        do {
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: true)
            for (source, name) in files {
                try fileManager.copyItem(at: source, to: staging.appendingPathComponent(name))
            }
        } catch {
            try? fileManager.removeItem(at: staging)
            throw NotebookExportError.writeFailed(path: folder.path, reason: error.localizedDescription)
        }
        let hadPrevious = fileManager.fileExists(atPath: folder.path)
        if hadPrevious, rename(folder.path, previous.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? fileManager.removeItem(at: staging)
            throw NotebookExportError.writeFailed(path: folder.path, reason: "cannot move the previous folder aside: \(reason)")
        }
        if rename(staging.path, folder.path) != 0 {
            let reason = String(cString: strerror(errno))
            if hadPrevious { _ = rename(previous.path, folder.path) }
            try? fileManager.removeItem(at: staging)
            throw NotebookExportError.writeFailed(path: folder.path, reason: reason)
        }
        if hadPrevious { try? fileManager.removeItem(at: previous) }
    }
}
