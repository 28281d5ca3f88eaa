import EBJRFiles

/// Everything the G2P / E-LANG experiment measured (written as `report.json` and `report.md`).
public struct G2PReport: Codable, Sendable {
    public struct DataSummary: Codable, Sendable {
        public var entryLines: Int
        public var malformedLines: Int
        public var excluded: [String: Int]
        public var train: Int
        public var validation: Int
        public var test: Int
        public var wordsWithSeveralPronunciations: Int
    }

    public struct ModelSummary: Codable, Sendable {
        public var name: String
        public var config: G2PModelConfig
        public var parameters: Int
        /// Mean multiply–add FLOPs per test word for its greedy decode.
        public var flopsPerWord: Double
        public var validationWER: Double
        public var testWER: Double
        public var testPER: Double
        /// Beam search WER on the first `beamWords` test words (and greedy WER on the same words).
        public var beamWidth: Int
        public var beamWords: Int
        public var beamWER: Double
        public var greedyWEROnBeamWords: Double
        /// Mean wall-clock seconds per word: whole test set in batches of 256, and one word at a time.
        public var secondsPerWordBatched: Double
        public var secondsPerWordSingle: Double
    }

    public struct ScoreSummary: Codable, Sendable {
        public var score: SequenceScore
        public var validationAUROC: Double
        public var testAUROC: Double
        /// Chosen on validation (rule: joint WER ≤ Super WER + tolerance, minimal FLOPs).
        public var validation: OperatingPoint
        /// The same threshold on test; `relativeCost` is by FLOPs.
        public var test: OperatingPoint
        /// Test relative cost by measured one-word-at-a-time wall time (Swift on every word + Super on routed ones);
        /// NaN when no times were measured (imported logits).
        public var testRelativeWallSingle: Double
        /// Test relative wall time of an actual batched joint run (median of 3, `MeasuredJointRun`); nil for imported
        /// logits (no models to run).
        public var testRelativeWallBatched: Double?
        /// docs/method.md §8 identities and bounds at the test operating point, in WER form.
        public var testBounds: SequenceBounds
    }

    /// A timed end-to-end joint run on test, repeated: each repetition times Super alone on every word and then the
    /// joint system (Swift on every word, scoring, Super on the routed ones). Seconds are medians over the
    /// repetitions; `relativeWall` is the median of the per-repetition ratios `(Swift + Super routed) / Super alone`.
    public struct MeasuredJointRun: Codable, Sendable {
        public var score: SequenceScore
        public var routedFraction: Double
        public var jointWER: Double
        public var swiftSeconds: Double
        public var superSeconds: Double
        /// Super alone on the whole test set, same mode.
        public var superAloneSeconds: Double
        public var relativeWall: Double
        /// The ratio of each repetition, in order.
        public var relativeWallRuns: [Double]
    }

    public var data: DataSummary
    public var swift: ModelSummary
    public var `super`: ModelSummary
    public var tolerance: Double
    public var scores: [ScoreSummary]
    /// The score with the lowest validation FLOPs cost, run end to end on test.
    public var measuredBatched: MeasuredJointRun
    public var measuredSingle: MeasuredJointRun
    /// Whether scores recomputed from the exported HDF5 logits (`ImportedLogits`) equal the in-memory ones (nil:
    /// not exported).
    public var importedLogitsRoundTrip: Bool?
    /// Where the report came from (toolkit version, git commit, recipe, SHA-256 of the checkpoints and the lexicon).
    public var manifest: RunManifest? = nil
}
