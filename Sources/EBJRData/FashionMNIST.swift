import Foundation

/// Fashion-MNIST as shipped by Debian's `dataset-fashion-mnist`, with the splits of docs/method.md §5:
/// train = first 50,000 training images, validation = last 10,000, test = the 10,000 test images.
/// Pixels are `uint8 / 255`, no other normalisation; samples are `[1, 28, 28]` images.
public struct FashionMNIST: ClassificationSource {
    /// Folder of the four IDX files.
    public var directory: String

    public init(directory: String = FashionMNIST.defaultDirectory) { self.directory = directory }

    public var classNames: [String] { Self.classNames }
    public var summary: String {
        "Fashion-MNIST from \(directory); validation = last 10,000 training images, test = the 10,000 test images"
    }

    public func load(_ split: DataSplit) throws -> Dataset { try Self.load(split, directory: directory) }

    /// Default folder of the Debian package (override with `EBJR_FASHION_MNIST_DIR`).
    public static var defaultDirectory: String {
        ProcessInfo.processInfo.environment["EBJR_FASHION_MNIST_DIR"] ?? "/usr/share/datasets/fashion-mnist"
    }

    public static let classNames = ["t-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
                                    "sneaker", "bag", "ankle-boot"]

    public typealias Split = DataSplit

    /// What a missing file message suggests.
    static let missingHint = "install Debian's dataset-fashion-mnist or set the data directory"

    /// Number of training images used for the train split (the rest are validation).
    public static let trainCount = 50_000

    /// Loads one split. `flatten` gives samples of shape `[784]`, otherwise `[1, 28, 28]`.
    public static func load(_ split: Split, directory: String = defaultDirectory, flatten: Bool = false) throws -> Dataset {
        let (images, labels) = files(of: split, directory: directory)
        let all = try loadFiles(images: images, labels: labels, flatten: flatten, name: "fashion-mnist/\(split.rawValue)")
        switch split {
        case .test: return all
        case .train: return all.subset(Array(0..<min(trainCount, all.count)), name: all.name)
        case .validation:
            guard all.count > trainCount else {
                throw DataError.emptySplit(path: images, split: "validation", reason:
                    "validation is the training images after the first \(trainCount), and the file holds \(all.count)")
            }
            return all.subset(Array(trainCount..<all.count), name: all.name)
        }
    }

    /// The images and labels IDX files a split is read from (train and validation share the training files).
    public static func files(of split: Split, directory: String = defaultDirectory) -> (images: String, labels: String) {
        let prefix = split == .test ? "t10k" : "train"
        return ("\(directory)/\(prefix)-images-idx3-ubyte.gz", "\(directory)/\(prefix)-labels-idx1-ubyte.gz")
    }

    /// Reads an images/labels pair of IDX files and checks that they agree.
    public static func loadFiles(images: String, labels: String, flatten: Bool, name: String) throws -> Dataset {
        let (imageDims, pixels) = try IDXReader.read(path: images, expectedMagic: IDXReader.imagesMagic, missingHint: missingHint)
        let (labelDims, labelBytes) = try IDXReader.read(path: labels, expectedMagic: IDXReader.labelsMagic, missingHint: missingHint)
        guard imageDims[0] == labelDims[0] else {
            throw DataError.countMismatch(images: images, imageCount: imageDims[0], labels: labels, labelCount: labelDims[0])
        }
        let labelValues = labelBytes.map { Int($0) }
        if let bad = labelValues.firstIndex(where: { $0 >= classNames.count }) {
            throw DataError.labelOutOfRange(path: labels, index: bad, label: labelValues[bad], classes: classNames.count)
        }
        let features = pixels.map { Float($0) / 255 }
        let shape = flatten ? [imageDims[1] * imageDims[2]] : [1, imageDims[1], imageDims[2]]
        return Dataset(features: features, labels: labelValues, sampleShape: shape, classNames: classNames, name: name)
    }
}
