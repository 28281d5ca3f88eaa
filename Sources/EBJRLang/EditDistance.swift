/// Levenshtein distance and the word/phoneme error rates used for G2P.
public enum EditDistance {
    /// Minimum number of insertions, deletions and substitutions turning `a` into `b`:
    /// `D[i][j] = min(D[i−1][j] + 1, D[i][j−1] + 1, D[i−1][j−1] + [a_i ≠ b_j])`, two rolling rows.
    public static func distance<T: Equatable>(_ a: [T], _ b: [T]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// Whether `hypothesis` equals any accepted reference (a word error is "matches none").
    public static func isCorrect<T: Equatable>(_ hypothesis: [T], references: [[T]]) -> Bool {
        references.contains(hypothesis)
    }

    /// Word error rate: the fraction of hypotheses that match none of their references.
    public static func wordErrorRate<T: Equatable>(_ hypotheses: [[T]], references: [[[T]]]) -> Double {
        precondition(hypotheses.count == references.count, "wordErrorRate: \(hypotheses.count) hypotheses, \(references.count) reference sets")
        guard !hypotheses.isEmpty else { return 0 }
        let errors = zip(hypotheses, references).filter { !isCorrect($0, references: $1) }.count
        return Double(errors) / Double(hypotheses.count)
    }

    /// Phoneme error rate: `Σ_w min_r dist(h_w, r) / Σ_w |r*_w|`, with `r*_w` the closest reference.
    public static func phonemeErrorRate<T: Equatable>(_ hypotheses: [[T]], references: [[[T]]]) -> Double {
        var edits = 0, length = 0
        for (h, refs) in zip(hypotheses, references) {
            var bestEdits = Int.max, bestLength = 0
            for reference in refs {
                let d = distance(h, reference)
                if d < bestEdits || (d == bestEdits && reference.count < bestLength) { bestEdits = d; bestLength = reference.count }
            }
            edits += bestEdits
            length += bestLength
        }
        return length == 0 ? 0 : Double(edits) / Double(length)
    }
}
