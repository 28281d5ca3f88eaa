import EBJRData

extension DataSplit {
    /// The deterministic split of a word: with `b` the first byte of SHA-1(UTF-8 of the word),
    /// `b < 0.8·256` → train, `b < 0.9·256` → validation, otherwise test.
    public static func of(word: String) -> DataSplit {
        let first = Double(SHA1.digest(Array(word.utf8))[0])
        if first < 0.8 * 256 { return .train }
        if first < 0.9 * 256 { return .validation }
        return .test
    }
}

/// One word with every accepted pronunciation, as ids.
public struct G2PExample: Sendable {
    public var word: String
    /// Letter ids (1…26).
    public var letters: [Int]
    /// Distinct pronunciations in file order (phoneme ids, no start/end). Training uses the first; evaluation
    /// accepts any.
    public var references: [[Int]]
}

/// The CMU lexicon as a G2P data set: words of 2–20 lowercase letters `a`–`z`, each with its distinct
/// pronunciations (stress dropped), split by `DataSplit.of(word:)`.
///
/// Entries left out are counted by reason in `excluded`; lines that did not parse are in `malformed`.
public struct G2PDataset: Sendable {
    public static let lengthRange = 2...20

    public var vocabulary: G2PVocabulary
    public var train: [G2PExample] = []
    public var validation: [G2PExample] = []
    public var test: [G2PExample] = []
    /// Entry counts left out, by reason (`not lowercase a-z`, `shorter than 2`, `longer than 20`, `unknown phoneme`).
    public var excluded: [String: Int] = [:]
    public var malformed: [MalformedLine]
    /// Lexicon lines read (entries + malformed).
    public var linesRead: Int
    /// Words whose distinct pronunciations number more than one.
    public var wordsWithSeveralPronunciations = 0

    public init(lexicon: CMULexicon, vocabulary: G2PVocabulary = .standard) {
        self.vocabulary = vocabulary
        malformed = lexicon.malformed
        linesRead = lexicon.entries.count + lexicon.malformed.count
        var order: [String] = []
        var pronunciations: [String: [[Int]]] = [:]
        for entry in lexicon.entries {
            let word = entry.word
            let reason: String?
            if !word.utf8.allSatisfy({ $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) {
                reason = "not lowercase a-z"
            } else if word.count < G2PDataset.lengthRange.lowerBound {
                reason = "shorter than \(G2PDataset.lengthRange.lowerBound)"
            } else if word.count > G2PDataset.lengthRange.upperBound {
                reason = "longer than \(G2PDataset.lengthRange.upperBound)"
            } else {
                reason = nil
            }
            if let reason { excluded[reason, default: 0] += 1; continue }
            guard let ids = try? vocabulary.encode(phonemes: entry.phonemes, word: word) else {
                excluded["unknown phoneme", default: 0] += 1
                continue
            }
            if pronunciations[word] == nil { order.append(word); pronunciations[word] = [] }
            if !pronunciations[word]!.contains(ids) { pronunciations[word]!.append(ids) }
        }
        for word in order {
            let references = pronunciations[word]!
            if references.count > 1 { wordsWithSeveralPronunciations += 1 }
            // Letters are a-z by the filter above, so encoding cannot fail.
            let example = G2PExample(word: word, letters: try! vocabulary.encode(word: word), references: references)
            switch DataSplit.of(word: word) {
            case .train: train.append(example)
            case .validation: validation.append(example)
            case .test: test.append(example)
            }
        }
    }

    /// The examples of one split.
    public func examples(_ split: DataSplit) -> [G2PExample] {
        switch split {
        case .train: train
        case .validation: validation
        case .test: test
        }
    }
}
