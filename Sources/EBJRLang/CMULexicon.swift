import Foundation

/// One line of the Festival CMU lexicon: `("word" pos (((ph ph) 1) ((ph) 0)))` — a word, a part-of-speech tag
/// (`nil` when untagged) and syllables, each a list of phonemes with a stress digit.
public struct LexiconEntry: Equatable, Sendable {
    public var word: String
    public var partOfSpeech: String
    /// Phonemes in order, syllable boundaries and stress marks dropped (G2P predicts the segmental string only).
    public var phonemes: [String]
    /// The stress digit of each syllable, kept for reference.
    public var stresses: [Int]
}

/// A lexicon line that could not be parsed, with its 1-based line number.
public struct MalformedLine: Equatable, Sendable {
    public var lineNumber: Int
    public var text: String
    public var reason: String
}

/// The Festival `festlex-cmu` dictionary (`cmudict-0.4.out`): a header line `MNCL` followed by one entry per line.
/// A word may occur on several lines (different parts of speech, different pronunciations). Lines that do not
/// parse are collected in `malformed` with their reason — never dropped silently.
public struct CMULexicon: Sendable {
    /// The Debian location of the lexicon.
    public static let defaultPath = "/usr/share/festival/dicts/cmu/cmudict-0.4.out"

    public var entries: [LexiconEntry]
    public var malformed: [MalformedLine]

    /// Parses the whole file text. The first non-empty line may be the `MNCL` header; empty lines are skipped.
    public init(text: String) {
        entries = []
        malformed = []
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || (lineNumber == 1 && trimmed == "MNCL") { continue }
            switch CMULexicon.parseLine(trimmed) {
            case .success(let entry): entries.append(entry)
            case .failure(let error): malformed.append(MalformedLine(lineNumber: lineNumber, text: String(line), reason: error.reason))
            }
        }
    }

    /// Reads and parses a lexicon file (Latin-1 tolerant).
    public init(contentsOf path: String = CMULexicon.defaultPath) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw LangError.fileUnreadable(path: path) }
        let text = String(data: data, encoding: .utf8) ?? String(decoding: data, as: UTF8.self)
        self.init(text: text)
    }

    /// Why a line did not parse.
    public struct ParseFailure: Error, Equatable { public var reason: String }

    /// Parses one entry line `("word" pos (((p p) s) ...))`.
    public static func parseLine(_ line: String) -> Result<LexiconEntry, ParseFailure> {
        var scanner = LineScanner(Array(line.utf8))
        func fail(_ reason: String) -> Result<LexiconEntry, ParseFailure> { .failure(ParseFailure(reason: reason)) }
        guard scanner.take("(\"") else { return fail("expected '(\"' at the start") }
        guard let word = scanner.until(UInt8(ascii: "\"")), !word.isEmpty else { return fail("missing or empty quoted word") }
        scanner.position += 1
        guard scanner.take(" "), let pos = scanner.token(), scanner.take(" "), scanner.take("(") else {
            return fail("expected a part-of-speech tag and '(' after the word")
        }
        var phonemes: [String] = [], stresses: [Int] = []
        while scanner.take("((") {
            guard let body = scanner.until(UInt8(ascii: ")")) else { return fail("unterminated syllable") }
            let syllable = body.split(separator: " ").map(String.init)
            guard !syllable.isEmpty else { return fail("empty syllable") }
            scanner.position += 1
            guard scanner.take(" "), let stressText = scanner.token(), let stress = Int(stressText), (0...2).contains(stress),
                  scanner.take(")") else { return fail("syllable without a stress digit 0-2") }
            phonemes += syllable
            stresses.append(stress)
            _ = scanner.take(" ")
        }
        guard !phonemes.isEmpty else { return fail("no syllables") }
        guard scanner.take("))"), scanner.atEnd else { return fail("expected '))' at the end") }
        return .success(LexiconEntry(word: word, partOfSpeech: pos, phonemes: phonemes, stresses: stresses))
    }
}

/// A cursor over one line's bytes.
private struct LineScanner {
    let bytes: [UInt8]
    var position = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    var atEnd: Bool { position == bytes.count }

    /// Consumes `literal` if it comes next.
    mutating func take(_ literal: String) -> Bool {
        let expected = Array(literal.utf8)
        guard position + expected.count <= bytes.count, Array(bytes[position..<position + expected.count]) == expected else { return false }
        position += expected.count
        return true
    }

    /// The text up to (not including) `terminator`, leaving the cursor on it; nil if it never comes.
    mutating func until(_ terminator: UInt8) -> String? {
        guard let end = bytes[position...].firstIndex(of: terminator) else { return nil }
        defer { position = end }
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }

    /// A run of bytes other than space and parentheses.
    mutating func token() -> String? {
        let start = position
        while position < bytes.count, ![UInt8(ascii: " "), UInt8(ascii: "("), UInt8(ascii: ")")].contains(bytes[position]) { position += 1 }
        return position > start ? String(decoding: bytes[start..<position], as: UTF8.self) : nil
    }
}
