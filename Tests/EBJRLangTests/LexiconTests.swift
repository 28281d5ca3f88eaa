import EBJRData
import Testing
import Foundation
@testable import EBJRLang

@Suite("CMU lexicon and split")
struct LexiconTests {
    @Test func parsesRealLines() throws {
        let entry = try CMULexicon.parseLine(#"("aardvark" nil (((aa r d) 1) ((v aa r k) 1)))"#).get()
        #expect(entry == LexiconEntry(word: "aardvark", partOfSpeech: "nil", phonemes: ["aa", "r", "d", "v", "aa", "r", "k"], stresses: [1, 1]))
        let tagged = try CMULexicon.parseLine(#"("a" dt (((ax) 0)))"#).get()
        #expect(tagged.partOfSpeech == "dt" && tagged.phonemes == ["ax"] && tagged.stresses == [0])
        let three = try CMULexicon.parseLine(#"("aaa" nil (((t r ih) 1) ((p ax) 0) ((l ey) 1)))"#).get()
        #expect(three.phonemes == ["t", "r", "ih", "p", "ax", "l", "ey"])
    }

    @Test(arguments: [
        #"("broken" nil (((b r ow) 1) ((k ax n) 0))"#,   // missing closing parenthesis
        #"(broken nil (((b r ow) 1)))"#,                  // unquoted word
        #"("" nil (((ax) 0)))"#,                          // empty word
        #"("word" nil ())"#,                              // no syllables
        #"("word" nil (((w er d) x)))"#,                  // stress not a digit
        #"("word" nil (((w er d) 3)))"#,                  // stress out of range
        #"("word" nil ((() 1)))"#,                        // empty syllable
        #"("word")"#,                                     // truncated
    ])
    func rejectsMalformedLines(_ line: String) {
        if case .success = CMULexicon.parseLine(line) { Issue.record("accepted malformed line \(line)") }
    }

    @Test func countsMalformedLinesWithLineNumbers() {
        let text = "MNCL\n(\"cat\" nil (((k ae t) 1)))\ngarbage here\n\n(\"dog\" nil (((d ao g) 1)))\n(\"x\" nil ((x)))\n"
        let lexicon = CMULexicon(text: text)
        #expect(lexicon.entries.map(\.word) == ["cat", "dog"])
        #expect(lexicon.malformed.map(\.lineNumber) == [3, 6])
        #expect(lexicon.malformed.allSatisfy { !$0.reason.isEmpty })
    }

    @Test func datasetKeepsEveryPronunciationAndCountsExclusions() {
        let text = """
        MNCL
        ("read" v (((r iy d) 1)))
        ("read" n (((r eh d) 1)))
        ("read" j (((r eh d) 1)))
        ("x" nil (((eh k s) 1)))
        ("NASA" nil (((n ae) 1) ((s ax) 0)))
        ("bad" nil (((b q d) 1)))
        """
        let dataset = G2PDataset(lexicon: CMULexicon(text: text))
        let all = dataset.train + dataset.validation + dataset.test
        #expect(all.map(\.word) == ["read"])
        #expect(all[0].references.count == 2)
        #expect(dataset.wordsWithSeveralPronunciations == 1)
        #expect(dataset.excluded == ["shorter than 2": 1, "not lowercase a-z": 1, "unknown phoneme": 1])
    }

    @Test func sha1MatchesTestVectors() {
        #expect(SHA1.hexDigest("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(SHA1.hexDigest("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(SHA1.hexDigest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        #expect(SHA1.hexDigest(String(repeating: "a", count: 1000)) == "291e9a6c66994949b57ba5e650361e98fc36b1ba")
    }

    @Test func splitIsByFirstDigestByte() {
        // SHA-1("abc") starts with 0xa9 = 169 < 204.8 → train.
        #expect(DataSplit.of(word: "abc") == .train)
        for word in ["aardvark", "zebra", "phoneme", "swift"] {
            let first = Double(SHA1.digest(Array(word.utf8))[0])
            #expect(DataSplit.of(word: word) == (first < 204.8 ? .train : first < 230.4 ? .validation : .test))
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: CMULexicon.defaultPath)))
    func realLexiconSplitCounts() throws {
        let dataset = G2PDataset(lexicon: try CMULexicon(contentsOf: CMULexicon.defaultPath))
        #expect(dataset.malformed.isEmpty)
        #expect((dataset.train.count, dataset.validation.count, dataset.test.count) == (84_352, 10_740, 10_419))
    }
}

@Suite("Edit distance and WER")
struct EditDistanceTests {
    @Test func distances() {
        #expect(EditDistance.distance(Array("kitten"), Array("sitting")) == 3)
        #expect(EditDistance.distance([Int](), [1, 2]) == 2)
        #expect(EditDistance.distance([1, 2, 3], [Int]()) == 3)
        #expect(EditDistance.distance([1, 2, 3], [1, 2, 3]) == 0)
        #expect(EditDistance.distance(Array("flaw"), Array("lawn")) == 2)
    }

    @Test func wordAndPhonemeErrorRates() {
        let hypotheses = [[1, 2], [3], [4, 5]]
        let references = [[[1, 2]], [[9], [3]], [[4, 6, 5]]]
        #expect(EditDistance.wordErrorRate(hypotheses, references: references) == 1.0 / 3.0)
        #expect(EditDistance.phonemeErrorRate(hypotheses, references: references) == 1.0 / 6.0)
    }
}
