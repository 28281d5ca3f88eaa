import Foundation

extension G2PReport {
    /// The report as Markdown.
    public var markdown: String {
        func pct(_ x: Double) -> String { x.isNaN ? "–" : String(format: "%.2f%%", 100 * x) }
        func num(_ x: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", x) }
        var md = "# E-LANG on CMU G2P: Swift → Super sequence routing\n\n"
        if let manifest { md += "Provenance: \(manifest.summary) — `manifest` in report.json.\n\n" }
        md += "## Data\n"
        md += "Festival `cmudict-0.4.out`: \(data.entryLines) entry lines, \(data.malformedLines) malformed; excluded entries: "
        md += data.excluded.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        md += ". Stress marks dropped. Split by the first byte of SHA-1(word): train \(data.train), validation \(data.validation), "
        md += "test \(data.test) words; \(data.wordsWithSeveralPronunciations) words have several pronunciations (training uses the "
        md += "first; evaluation accepts any).\n\n"
        md += "## Models (greedy decoding unless stated)\n"
        md += "| model | params | MFLOPs/word | val WER | test WER | test PER | "
            + (swift.beamWidth > 0 ? "beam-\(swift.beamWidth) WER (greedy) on \(swift.beamWords) test words" : "beam search (not run)")
            + " | ms/word batched | ms/word single |\n|---|---|---|---|---|---|---|---|---|\n"
        for m in [swift, self.super] {
            md += "| \(m.name) | \(m.parameters) | \(num(m.flopsPerWord / 1e6)) | \(pct(m.validationWER)) | \(pct(m.testWER)) | \(pct(m.testPER)) | "
            md += "\(pct(m.beamWER)) (\(pct(m.greedyWEROnBeamWords))) | \(num(1000 * m.secondsPerWordBatched)) | \(num(1000 * m.secondsPerWordSingle)) |\n"
        }
        md += "\nReference (PyTorch): Swift 43.5%, Super 32.6% test WER; 0.72 M vs 10.4 M FLOPs per word.\n\n"
        md += "## Routing scores (threshold on validation: joint WER ≤ Super + \(num(100 * tolerance, 1)) pp, minimal FLOPs; realised on test)\n"
        md += "Scores are oriented so that lower keeps the Swift output. Cost = Swift on every word + Super on routed words, relative to Super alone.\n\n"
        md += "| score | AUROC (test) | τ | routed (val) | joint WER val | routed (test) | joint WER test | FLOPs rel. | wall rel. (one word at a time) | wall rel. (batched run) |\n|---|---|---|---|---|---|---|---|---|---|\n"
        for s in scores {
            md += "| \(s.score.rawValue) | \(num(s.testAUROC)) | \(num(s.validation.threshold, 4)) | \(pct(s.validation.routedFraction)) | "
            md += "\(pct(s.validation.jointWER)) | \(pct(s.test.routedFraction)) | \(pct(s.test.jointWER)) | \(num(s.test.relativeCost)) | \(num(s.testRelativeWallSingle)) | "
            md += "\(s.testRelativeWallBatched.map { num($0) } ?? "–") |\n"
        }
        md += "\nOne word at a time: from each word's measured decode times. Batched run: Swift on every test word, then Super on the "
        md += "routed ones, against Super on every word, in batches of 256 (median of 3 repetitions).\n"
        md += "\n## Measured joint runs on test (score with the lowest validation cost: `\(measuredBatched.score.rawValue)`)\n"
        md += "Each mode is timed \(measuredBatched.relativeWallRuns.count) times (Super alone, then Swift, then Super on the routed words); "
        md += "seconds are medians, wall rel. is the median of the per-repetition ratios.\n\n"
        md += "| mode | routed | joint WER | Swift s | Super s | Super alone s | wall rel. | per repetition |\n|---|---|---|---|---|---|---|---|\n"
        for (mode, m) in [("batched (256)", measuredBatched), ("one word at a time", measuredSingle)] {
            md += "| \(mode) | \(pct(m.routedFraction)) | \(pct(m.jointWER)) | \(num(m.swiftSeconds, 2)) | \(num(m.superSeconds, 2)) | "
            md += "\(num(m.superAloneSeconds, 2)) | \(num(m.relativeWall)) | \(m.relativeWallRuns.map { num($0) }.joined(separator: ", ")) |\n"
        }
        md += "\n## Bounds at the test operating points (docs/method.md §8 in sequence form: a word is right when its whole pronunciation is)\n"
        md += "| score | kept | Swift WER on kept | Super WER on routed | joint WER (identity) | bounds from q, a_S, Super WER | loss vs Super (≤ bound) | oracle WER at same routing |\n|---|---|---|---|---|---|---|---|\n"
        for s in scores {
            let b = s.testBounds
            md += "| \(s.score.rawValue) | \(pct(b.acceptance)) | \(b.swiftWERAccepted.map(pct) ?? "–") | \(b.superWERRouted.map(pct) ?? "–") | "
            md += "\(pct(b.jointWERIdentity)) | [\(pct(b.jointWERLower)), \(pct(b.jointWERUpper))] | \(pct(b.lossIdentity)) (≤ \(pct(b.lossUpper))) | \(pct(b.oracleWERAtRoutingBudget)) |\n"
        }
        md += "\nWER against relative FLOPs on test: `wer-vs-cost.svg`; every operating point: `curve-test.csv`.\n"
        if let importedLogitsRoundTrip {
            md += "\nImported-logits round trip (HDF5 export → `ImportedLogits` → scores): \(importedLogitsRoundTrip ? "identical" : "MISMATCH").\n"
        }
        return md
    }
}
