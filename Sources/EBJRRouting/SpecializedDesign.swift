/// How a specialized side model for a class subset `C` (`m = |C|` classes) is built and trained (docs/method.md §3).
/// The one type that training, checkpoints (`subset_design`), routing and export share; its raw values are what
/// recipes and checkpoints store, and decoding is strict (`init?(rawValue:)` has no fallback).
public enum SpecializedDesign: String, Equatable, Hashable, Sendable, CaseIterable, Codable {
    /// `m` outputs, trained on in-subset samples only (the ablation).
    case subsetOnly = "subset-only"
    /// `m + 1` outputs, the last meaning "not in C" (the paper's top-K + 1).
    case otherClass = "other-class"
    /// `m` outputs, cross-entropy/distillation on in-subset samples plus the energy hinge on all samples.
    case energyMargin = "energy-margin"
    /// Other-class outputs plus the energy hinge over the `m` subset logits.
    case otherClassMargin = "other-class+margin"

    /// Whether the model has the extra "other" output.
    public var hasOtherOutput: Bool { self == .otherClass || self == .otherClassMargin }
    /// Whether the energy hinge term is used in training.
    public var usesMargin: Bool { self == .energyMargin || self == .otherClassMargin }
    /// Whether out-of-subset samples are seen in training.
    public var usesOutOfSubsetSamples: Bool { self != .subsetOnly }
    /// Number of outputs for a subset of `m` classes: `m` or `m + 1`.
    public func outputCount(subsetSize m: Int) -> Int { m + (hasOtherOutput ? 1 : 0) }

    /// The names a recipe or checkpoint may use, for messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

extension SubsetRouting {
    /// The routing rule of a side model trained with `design` for `subset`: other-class designs keep a sample only
    /// when `argmax ≠ other` (the score over the `m` subset logits, or all `m + 1` when `scoreIncludesOther`); the
    /// others (`m` outputs) keep any sample whose score passes.
    public init(subset: [Int], trainedAs design: SpecializedDesign, scoreIncludesOther: Bool = false) throws {
        try self.init(subset: subset, design: design.hasOtherOutput ? .otherClass(scoreIncludesOther: scoreIncludesOther) : .subsetOnly,
                      trainedAs: design)
    }
}
