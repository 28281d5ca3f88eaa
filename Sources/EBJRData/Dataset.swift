import Foundation
import EBJRFiles

/// An in-memory classification dataset: `count` samples of `sampleShape` Float32 features and integer labels.
public struct Dataset: Sendable {
    /// Features, `count × sampleSize`, row-major.
    public var features: [Float]
    public var labels: [Int]
    /// Shape of one sample (e.g. `[1, 28, 28]`).
    public var sampleShape: [Int]
    /// Class names, indexed by label.
    public var classNames: [String]
    /// A short name for messages and files (e.g. `<data set>/validation`).
    public var name: String

    public init(features: [Float], labels: [Int], sampleShape: [Int], classNames: [String], name: String) {
        precondition(features.count == labels.count * sampleShape.reduce(1, *), "Dataset \(name): features and labels disagree")
        self.features = features
        self.labels = labels
        self.sampleShape = sampleShape
        self.classNames = classNames
        self.name = name
    }

    public var count: Int { labels.count }
    public var sampleSize: Int { sampleShape.reduce(1, *) }

    /// The samples at `indices`, in that order.
    public func subset(_ indices: [Int], name: String? = nil) -> Dataset {
        let size = sampleSize
        var features = [Float](repeating: 0, count: indices.count * size)
        features.withUnsafeMutableBufferPointer { dst in
            self.features.withUnsafeBufferPointer { src in
                for (row, index) in indices.enumerated() {
                    (dst.baseAddress! + row * size).update(from: src.baseAddress! + index * size, count: size)
                }
            }
        }
        return Dataset(features: features, labels: indices.map { labels[$0] }, sampleShape: sampleShape,
                       classNames: classNames, name: name ?? self.name)
    }

    /// The samples whose label is in `classes`.
    public func filtered(classes: Set<Int>) -> Dataset {
        subset(labels.indices.filter { classes.contains(labels[$0]) }, name: name + "[subset]")
    }

    /// 64-bit FNV-1a over the raw Float32 feature bytes in sample order (what a logits file records as
    /// `input_checksum`, so that logits can be checked against the inputs they were computed on).
    public var checksum: UInt64 {
        features.withUnsafeBytes { raw -> UInt64 in
            var hasher = FNV1a64()
            hasher.update(raw)
            return hasher.value
        }
    }
}
