import Foundation
import EBJRHDF5
import EBJRRouting
import EBJREvaluation

/// Logits of users' own models, from an HDF5 file laid out as `docs/elang.md` ("Imported logits") describes:
/// root attributes `format = "ebjr-routing-logits"`, `kind` (`classification` | `sequence`; inferred from the rank of
/// `test/logits` when absent), optional `flops`, `deep_flops` (cost of one sample / sequence) and, for sequences,
/// `end_token`; one group per split (`test` required, `validation` to choose thresholds) holding
/// - classification: `logits [N, K]`, `labels [N]`, and `deep_logits [N, K]` or `deep_predictions [N]`;
/// - sequence: `logits [N, L, V]`, `lengths [N]` (steps in `0…L`), optional `tokens [N, L]`, `references [N, R]` and
///   `deep_tokens [N, R']` (padded with −1), or `deep_correct [N]`.
/// Floats may be float32 or float64, integers int32/int64/uint8/uint64. Every problem is one `LangError.importedLogits`
/// line naming the file and the dataset (or an `HDF5Error` naming both, for a file that cannot be read at all).
///
/// Nothing in the file is trusted: shapes are validated before any values are read (rank, overflow, and what the
/// file can hold: `HDF5Dataset.shape()`), every logit used must be finite as float32 (NaN, ±∞ and float64 values
/// beyond float32's range are errors naming the dataset and the position; sequence steps at or after a row's length
/// are padding and not checked), lengths lie in `0…L`, labels and tokens are in range, and `flops`/`deep_flops`
/// are finite and non-negative.
public struct ImportedLogits: Sendable {
    public static let formatName = "ebjr-routing-logits"
    public static let formatVersion: Int64 = 1

    public enum Content: Sendable {
        case classification([String: ImportedClassificationSplit])
        case sequence([String: ImportedSequenceSplit])
    }

    public var path: String
    public var content: Content
    /// Cost of the small (side / Swift) model and the deep (Super) model per sample; nil when not given.
    public var flops: Double?
    public var deepFLOPs: Double?
    /// Sequences (emitted, references, deep outputs) are cut at the first `end_token` when set.
    public var endToken: Int?

    public var kind: String {
        if case .classification = content { return "classification" }
        return "sequence"
    }

    /// Reads and checks the file.
    public static func read(_ path: String) throws -> ImportedLogits {
        func fail(_ reason: String) -> LangError { .importedLogits(path: path, reason: reason) }
        guard FileManager.default.fileExists(atPath: path) else { throw fail("no such file") }
        let file: HDF5File
        do { file = try HDF5File.open(URL(fileURLWithPath: path)) } catch { throw fail("not a readable HDF5 file (\(error))") }
        defer { try? file.close() }
        if file.hasAttribute("format") {
            let format = try file.stringAttribute("format")
            guard format == formatName else { throw fail("format attribute is '\(format)', expected '\(formatName)'") }
        }
        guard file.contains("test") else { throw fail("missing group 'test' (splits are groups: test, and validation to choose thresholds)") }
        guard try file.group("test").contains("logits") else { throw fail("missing dataset 'test/logits'") }
        var kind = file.hasAttribute("kind") ? try file.stringAttribute("kind") : nil
        if kind == nil {
            let rank = try file.group("test").dataset("logits").shape().count
            kind = rank == 2 ? "classification" : rank == 3 ? "sequence" : nil
        }
        let splits = try file.childNames().filter { ["validation", "test"].contains($0) }
        let reader = Reader(path: path)
        func cost(_ name: String) throws -> Double? {
            guard file.hasAttribute(name) else { return nil }
            let value = try file.doubleAttribute(name)
            guard value.isFinite, value >= 0 else { throw fail("attribute \(name) is \(value); expected a finite number ≥ 0") }
            return value
        }
        var result = ImportedLogits(path: path, content: .sequence([:]),
                                    flops: try cost("flops"), deepFLOPs: try cost("deep_flops"),
                                    endToken: file.hasAttribute("end_token") ? Int(try file.int64Attribute("end_token")) : nil)
        switch kind {
        case "classification":
            var parts: [String: ImportedClassificationSplit] = [:]
            for split in splits { parts[split] = try reader.classification(file.group(split), split) }
            result.content = .classification(parts)
        case "sequence":
            var parts: [String: ImportedSequenceSplit] = [:]
            for split in splits { parts[split] = try reader.sequence(file.group(split), split) }
            result.content = .sequence(parts)
        case let other:
            throw fail("kind is \(other.map { "'\($0)'" } ?? "missing and test/logits is neither [N, K] nor [N, L, V]"); expected classification or sequence")
        }
        return result
    }

    /// Reads numeric datasets of any supported type as `Double`, with one-line errors.
    struct Reader {
        let path: String
        func fail(_ reason: String) -> LangError { .importedLogits(path: path, reason: reason) }

        func numbers(_ group: HDF5Group, _ split: String, _ name: String, required: Bool = true) throws -> (shape: [Int], values: [Double])? {
            guard group.contains(name) else {
                if required { throw fail("missing dataset '\(split)/\(name)'") }
                return nil
            }
            let dataset = try group.dataset(name)
            let shape = try dataset.shape()
            switch try dataset.dataType() {
            case .float32: return (shape, try dataset.read(Float.self).map(Double.init))
            case .float64: return (shape, try dataset.read(Double.self))
            case .int32: return (shape, try dataset.read(Int32.self).map(Double.init))
            case .int64: return (shape, try dataset.read(Int64.self).map(Double.init))
            case .uint8: return (shape, try dataset.read(UInt8.self).map(Double.init))
            case .uint64: return (shape, try dataset.read(UInt64.self).map(Double.init))
            case let other: throw fail("'\(split)/\(name)' holds \(other); expected float32/float64 or int32/int64/uint8/uint64")
            }
        }

        func integers(_ group: HDF5Group, _ split: String, _ name: String, shape expected: [Int?], required: Bool = true) throws -> (shape: [Int], values: [Int])? {
            guard let (shape, values) = try numbers(group, split, name, required: required) else { return nil }
            try check(shape, expected, "\(split)/\(name)")
            guard values.allSatisfy({ $0 == $0.rounded() && abs($0) < 1e15 }) else { throw fail("'\(split)/\(name)' must hold integers") }
            return (shape, values.map { Int($0) })
        }

        func check(_ shape: [Int], _ expected: [Int?], _ name: String) throws {
            let matches = shape.count == expected.count && zip(shape, expected).allSatisfy { $1 == nil || $0 == $1 }
            guard matches else {
                let text = expected.enumerated().map { i, v in v.map(String.init) ?? ["N", "L", "V"][Swift.min(i, 2)] }
                throw fail("'\(name)' has shape \(shape), expected [\(text.joined(separator: ", "))]")
            }
        }

        /// `values` as float32, each of which must be finite (NaN, ±∞ and float64 values beyond float32's range are
        /// errors naming `split/name` and the position in `shape`).
        func finiteFloats(_ values: [Double], _ shape: [Int], _ split: String, _ name: String) throws -> [Float] {
            let floats = values.map(Float.init)
            if let bad = floats.firstIndex(where: { !$0.isFinite }) {
                throw fail("'\(split)/\(name)'\(position(bad, shape)) is \(values[bad]); logits must be finite (as float32)")
            }
            return floats
        }

        /// The row-major index `flat` in `shape` as `[i, j, …]`.
        func position(_ flat: Int, _ shape: [Int]) -> String {
            var rest = flat, indices: [Int] = []
            for dim in shape.reversed() { indices.append(dim > 0 ? rest % dim : 0); rest = dim > 0 ? rest / dim : 0 }
            return "[" + indices.reversed().map(String.init).joined(separator: ", ") + "]"
        }

        func rows(_ values: [Int], _ shape: [Int]) -> [[Int]] {
            let width = shape.count > 1 ? shape[1] : 1
            return (0..<shape[0]).map { n in Array(values[(n * width)..<((n + 1) * width)]).filter { $0 >= 0 } }
        }

        func classification(_ group: HDF5Group, _ split: String) throws -> ImportedClassificationSplit {
            let (shape, values) = try numbers(group, split, "logits")!
            guard shape.count == 2, shape[0] > 0, shape[1] > 1 else { throw fail("'\(split)/logits' has shape \(shape), expected [N, K] with N ≥ 1, K ≥ 2") }
            let (n, k) = (shape[0], shape[1])
            let floats = try finiteFloats(values, shape, split, "logits")
            let labels = try integers(group, split, "labels", shape: [n])!.values
            if let bad = labels.firstIndex(where: { !(0..<k).contains($0) }) {
                throw fail("'\(split)/labels'[\(bad)] = \(labels[bad]) is not a class index in 0..<\(k)")
            }
            var deepLogits: Logits?
            if let (deepShape, deepValues) = try numbers(group, split, "deep_logits", required: false) {
                try check(deepShape, [n, k], "\(split)/deep_logits")
                deepLogits = try Logits(values: finiteFloats(deepValues, deepShape, split, "deep_logits"), count: n, classCount: k,
                                        what: "\(split)/deep_logits")
            }
            let deepPredictions = try integers(group, split, "deep_predictions", shape: [n], required: false)?.values
            if let bad = deepPredictions?.firstIndex(where: { !(0..<k).contains($0) }) {
                throw fail("'\(split)/deep_predictions'[\(bad)] = \(deepPredictions![bad]) is not a class index in 0..<\(k)")
            }
            return ImportedClassificationSplit(
                logits: try Logits(values: floats, count: n, classCount: k, what: "\(split)/logits"),
                labels: labels, deepLogits: deepLogits, deepPredictions: deepPredictions)
        }

        func sequence(_ group: HDF5Group, _ split: String) throws -> ImportedSequenceSplit {
            let (shape, values) = try numbers(group, split, "logits")!
            guard shape.count == 3, shape[0] > 0, shape[2] > 1 else {
                throw fail("'\(split)/logits' has shape \(shape), expected [N, L, V] with N ≥ 1, V ≥ 2")
            }
            let (n, l) = (shape[0], shape[1])
            let lengths = try integers(group, split, "lengths", shape: [n])!.values
            if let bad = lengths.firstIndex(where: { !(0...l).contains($0) }) {
                throw fail("'\(split)/lengths'[\(bad)] = \(lengths[bad]) is outside 0…L = 0…\(l)")
            }
            var tokens: [[Int]]?
            if let (tokenShape, tokenValues) = try integers(group, split, "tokens", shape: [n, l], required: false) {
                let width = tokenShape[1]
                tokens = (0..<n).map { Array(tokenValues[($0 * width)..<($0 * width + lengths[$0])]) }
                if let bad = tokens!.firstIndex(where: { $0.contains { !(0..<shape[2]).contains($0) } }) {
                    throw fail("'\(split)/tokens' row \(bad) holds a token outside 0..<V = 0..<\(shape[2])")
                }
            }
            let references = try integers(group, split, "references", shape: [n, nil], required: false).map { rows($0.values, $0.shape) }
            let deepOutputs = try integers(group, split, "deep_tokens", shape: [n, nil], required: false).map { rows($0.values, $0.shape) }
            let deepCorrect = try integers(group, split, "deep_correct", shape: [n], required: false)?.values.map { $0 != 0 }
            let logits = SequenceLogits(logits: values.map(Float.init), shape: shape, lengths: lengths, tokens: tokens)
            if let (row, step, token) = logits.firstNonFiniteLogit() {
                throw fail("'\(split)/logits'[\(row), \(step), \(token)] is \(values[(row * l + step) * shape[2] + token]) "
                    + "(within lengths[\(row)] = \(lengths[row])); logits must be finite (as float32)")
            }
            return ImportedSequenceSplit(logits: logits, references: references, deepOutputs: deepOutputs, deepCorrect: deepCorrect)
        }
    }
}

/// One split of imported classification logits.
public struct ImportedClassificationSplit: Sendable {
    public var logits: Logits
    public var labels: [Int]
    public var deepLogits: Logits?
    public var deepPredictions: [Int]?

    /// The deep model as the evaluator takes it: its logits, or one-hot logits of its predictions (only the
    /// predictions are used for accuracy), or nil when the file has neither.
    public func deepAsLogits() throws -> Logits? {
        if let deepLogits { return deepLogits }
        guard let deepPredictions else { return nil }
        var values = [Float](repeating: 0, count: deepPredictions.count * logits.classCount)
        for (i, p) in deepPredictions.enumerated() { values[i * logits.classCount + p] = 1 }
        return try Logits(values: values, count: deepPredictions.count, classCount: logits.classCount, what: "deep_predictions")
    }
}

/// One split of imported sequence logits, with what is needed to decide correctness.
public struct ImportedSequenceSplit: Sendable {
    public var logits: SequenceLogits
    /// One reference token sequence per row (−1 padding removed).
    public var references: [[Int]]?
    /// The deep model's output sequences (−1 padding removed), or directly whether each is right.
    public var deepOutputs: [[Int]]?
    public var deepCorrect: [Bool]?

    public init(logits: SequenceLogits, references: [[Int]]? = nil, deepOutputs: [[Int]]? = nil, deepCorrect: [Bool]? = nil) {
        (self.logits, self.references, self.deepOutputs, self.deepCorrect) = (logits, references, deepOutputs, deepCorrect)
    }

    /// `tokens` cut at the first `endToken`.
    static func cut(_ tokens: [Int], _ endToken: Int?) -> [Int] {
        guard let endToken, let end = tokens.firstIndex(of: endToken) else { return tokens }
        return Array(tokens[..<end])
    }

    /// The emitted token sequence of row `n` (given tokens or per-step argmax), cut at `endToken`.
    public func emitted(_ n: Int, endToken: Int?) -> [Int] {
        let v = logits.vocabularySize, start = n * logits.maxLength * v
        let tokens = logits.tokens?[n] ?? (0..<logits.lengths[n]).map { t in
            argmax(logits.logits[(start + t * v)..<(start + t * v + v)]) - (start + t * v)
        }
        return Self.cut(tokens, endToken)
    }

    /// Whether the small model's and the deep model's outputs equal the references (nil when the file lacks them).
    public func correctness(endToken: Int?) -> (small: [Bool], deep: [Bool])? {
        guard let references else { return nil }
        let refs = references.map { Self.cut($0, endToken) }
        let small = refs.indices.map { emitted($0, endToken: endToken) == refs[$0] }
        let deep = deepCorrect ?? deepOutputs.map { outputs in refs.indices.map { Self.cut(outputs[$0], endToken) == refs[$0] } }
        return deep.map { (small, $0) }
    }

    /// Writes this split as the `test` group of an imported-logits file (float32 logits, int64 integers, −1 padding);
    /// `flops` / `deepFLOPs` become the file's cost attributes.
    public func writeFile(to path: String, endToken: Int? = nil, split: String = "test", flops: Double? = nil,
                          deepFLOPs: Double? = nil) throws {
        try HDF5File.writeAtomically(to: URL(fileURLWithPath: path)) { file in
            try file.setAttribute("format", .string(ImportedLogits.formatName))
            try file.setAttribute("format_version", .int64(ImportedLogits.formatVersion))
            try file.setAttribute("kind", .string("sequence"))
            if let endToken { try file.setAttribute("end_token", .int64(Int64(endToken))) }
            if let flops { try file.setAttribute("flops", .double(flops)) }
            if let deepFLOPs { try file.setAttribute("deep_flops", .double(deepFLOPs)) }
            let group = try file.createGroup(split)
            let (n, l, v) = (logits.count, logits.maxLength, logits.vocabularySize)
            _ = try group.createDataset("logits", shape: [n, l, v], values: logits.logits)
            _ = try group.createDataset("lengths", shape: [n], values: logits.lengths.map(Int64.init))
            func padded(_ rows: [[Int]], _ name: String) throws {
                let width = Swift.max(rows.map(\.count).max() ?? 0, 1)
                var values = [Int64](repeating: -1, count: rows.count * width)
                for (i, row) in rows.enumerated() { for (j, t) in row.enumerated() { values[i * width + j] = Int64(t) } }
                _ = try group.createDataset(name, shape: [rows.count, width], values: values)
            }
            if let tokens = logits.tokens {
                try padded(tokens.map { $0 + [Int](repeating: -1, count: l - $0.count) }, "tokens")
            }
            if let references { try padded(references, "references") }
            if let deepOutputs { try padded(deepOutputs, "deep_tokens") }
        }
    }
}
