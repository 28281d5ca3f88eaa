import Foundation

/// The three splits every data source provides: `train` for fitting, `validation` for every choice (epochs,
/// thresholds, temperatures), `test` once, for the report.
public enum DataSplit: String, Codable, CaseIterable, Sendable {
    case train, validation, test
}

/// A data set with train, validation and test splits. Sources are typed choices of a recipe; adding one (HDF5
/// datasets, say) means adding a conforming type, not a branch in the trainer.
public protocol DataSource: Sendable {
    /// What one split of this source is (a `Dataset` of labelled samples, a list of words, …).
    associatedtype SplitData
    /// One line describing the source and its splits, for logs and reports.
    var summary: String { get }
    /// Loads one split.
    func load(_ split: DataSplit) throws -> SplitData
}

/// A source of labelled samples for classification.
public protocol ClassificationSource: DataSource where SplitData == Dataset {
    /// Class names, indexed by label.
    var classNames: [String] { get }
    /// One split for training and inference: features as stored, before any normalisation, read lazily when the
    /// source can (an HDF5 file: batch by batch, bounded memory); by default the whole split, `load(split)`.
    func samples(_ split: DataSplit) throws -> any LabelledSamples
    /// The normalisation the data itself prescribes (an HDF5 file's `mean`/`std` attributes), nil for none.
    var prescribedNormalization: InputNormalization? { get }
}

extension ClassificationSource {
    public func samples(_ split: DataSplit) throws -> any LabelledSamples { try load(split) }
    public var prescribedNormalization: InputNormalization? { nil }

    /// Resolves class names or indices (e.g. `sandal`, `7`, `ankle boot`, `t-shirt` for `t-shirt/top`) to label
    /// indices. Names compare case-insensitively with spaces and underscores read as hyphens; a name also matches
    /// the part of a class name before a `/`.
    public func classIndices(_ names: [String]) throws -> [Int] {
        func normalised(_ s: String) -> String {
            s.lowercased().replacingOccurrences(of: " ", with: "-").replacingOccurrences(of: "_", with: "-")
        }
        let known = classNames.map(normalised)
        return try names.map { name in
            if let index = Int(name), known.indices.contains(index) { return index }
            let key = normalised(name)
            if let index = known.firstIndex(where: { $0 == key || $0.split(separator: "/").first.map(String.init) == key }) {
                return index
            }
            throw DataError.unknownClass(name: name, known: classNames)
        }
    }
}

extension Dataset {
    /// The same samples viewed with another sample shape of the same size (e.g. `[1, 28, 28]` as `[784]`).
    public func reshaped(sampleShape newShape: [Int]) throws -> Dataset {
        guard newShape != sampleShape else { return self }
        guard newShape.allSatisfy({ $0 > 0 }), newShape.reduce(1, *) == sampleSize else {
            throw DataError.shapeMismatch(name: name, sampleShape: sampleShape, requested: newShape)
        }
        return Dataset(features: features, labels: labels, sampleShape: newShape, classNames: classNames, name: name)
    }
}
