import Foundation
import EBJRData
import EBJRRouting

/// How a `K`-class problem maps onto a specialized student's outputs (docs/method.md §3):
/// in-subset class `C[i]` → output `i`; out-of-subset samples → the `other` output `m` (other-class designs)
/// or no label (energy-margin: they only enter the energy hinge; subset-only: they are not trained on).
public struct SubsetTargets: Equatable, Sendable {
    public let subset: [Int]
    public let design: SpecializedDesign
    public let classCount: Int

    public init(subset: [Int], design: SpecializedDesign, classCount: Int) {
        self.subset = subset
        self.design = design
        self.classCount = classCount
    }

    /// Number of student outputs: `m` or `m + 1`.
    public var outputCount: Int { subset.count + (design.hasOtherOutput ? 1 : 0) }

    /// The student label of a global label, or nil when the sample has no class label for the student.
    public func studentLabel(_ label: Int) -> Int? {
        if let i = subset.firstIndex(of: label) { return i }
        return design.hasOtherOutput ? subset.count : nil
    }

    /// Whether the student trains on a sample of this label at all.
    public func includes(_ label: Int) -> Bool { subset.contains(label) || design.usesOutOfSubsetSamples }

    /// Maps one row of `K` teacher logits to the student's outputs: the subset columns, then (other-class designs)
    /// `logsumexp` of the non-subset columns, so that `softmax` of the result equals the teacher's probabilities
    /// with all non-subset mass merged into `other`.
    public func teacherRow(_ row: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        for (i, c) in subset.enumerated() { out[i] = row[c] }
        guard design.hasOtherOutput else { return }
        let inSubset = Set(subset)
        var m = -Float.infinity
        for j in 0..<classCount where !inSubset.contains(j) { m = max(m, row[j]) }
        var s: Float = 0
        for j in 0..<classCount where !inSubset.contains(j) { s += Foundation.exp(row[j] - m) }
        out[subset.count] = m + Foundation.log(s)
    }

    /// Maps a whole `[N, K]` logits array.
    public func teacherLogits(_ logits: [Float], count: Int) -> [Float] {
        precondition(logits.count == count * classCount, "teacherLogits: \(logits.count) values for \(count)×\(classCount)")
        var out = [Float](repeating: 0, count: count * outputCount)
        logits.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for r in 0..<count { teacherRow(src.baseAddress! + r * classCount, into: dst.baseAddress! + r * outputCount) }
            }
        }
        return out
    }
}
