/// Symbol tables for grapheme-to-phoneme: letters in, phonemes out. Index 0 is padding on both sides; the phoneme
/// side also has a start token (fed to the decoder at step 0) and an end token (the decoder's stop signal).
public struct G2PVocabulary: Codable, Equatable, Sendable {
    public static let padding = 0
    public static let start = 1
    public static let end = 2

    /// Source symbols after padding: `a`…`z`.
    public var letters: [String]
    /// Target symbols after padding, start and end: the 40 phonemes of the Festival CMU set, stress dropped.
    public var phonemes: [String]

    public static let standard = G2PVocabulary(
        letters: (UInt8(ascii: "a")...UInt8(ascii: "z")).map { String(UnicodeScalar($0)) },
        phonemes: ["aa", "ae", "ah", "ao", "aw", "ax", "ay", "b", "ch", "d", "dh", "eh", "er", "ey", "f", "g", "hh", "ih",
                   "iy", "jh", "k", "l", "m", "n", "ng", "ow", "oy", "p", "r", "s", "sh", "t", "th", "uh", "uw", "v", "w",
                   "y", "z", "zh"])

    /// Source vocabulary size (letters + padding).
    public var sourceSize: Int { letters.count + 1 }
    /// Target vocabulary size (phonemes + padding, start, end).
    public var targetSize: Int { phonemes.count + 3 }

    /// Letter ids (1-based) of a word; throws on a letter outside the table.
    public func encode(word: String) throws -> [Int] {
        try word.map { character in
            guard let index = letters.firstIndex(of: String(character)) else {
                throw LangError.unknownSymbol(word: word, symbol: String(character))
            }
            return index + 1
        }
    }

    /// Phoneme ids (from 3) of a pronunciation, without start/end.
    public func encode(phonemes symbols: [String], word: String) throws -> [Int] {
        try symbols.map { symbol in
            guard let index = phonemes.firstIndex(of: symbol) else { throw LangError.unknownSymbol(word: word, symbol: symbol) }
            return index + 3
        }
    }

    /// Phoneme strings of target ids, stopping at the end token and skipping padding/start.
    public func decode(phonemeIds ids: [Int]) -> [String] {
        var result: [String] = []
        for id in ids {
            if id == G2PVocabulary.end { break }
            if id >= 3 && id - 3 < phonemes.count { result.append(phonemes[id - 3]) }
        }
        return result
    }
}
