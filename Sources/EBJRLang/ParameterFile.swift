import Foundation
import EBJRTensor

/// A minimal parameter file used to cache trained G2P models between runs, until the integrator wires
/// EBJRCheckpoint: a first line `EBJR-LANG-PARAMETERS 1`, a second line of JSON `[{"name":…,"shape":[…]}]`,
/// then the values as little-endian Float32, in that order.
public enum ParameterFile {
    struct Header: Codable { var name: String; var shape: [Int] }

    /// Writes `parameters` to `path` (atomically).
    public static func save(_ parameters: [(name: String, tensor: Tensor)], to path: String) throws {
        let header = try JSONEncoder().encode(parameters.map { Header(name: $0.name, shape: $0.tensor.shape) })
        var data = Data("EBJR-LANG-PARAMETERS 1\n".utf8)
        data.append(header)
        data.append(UInt8(ascii: "\n"))
        for (_, tensor) in parameters {
            data.append(Data(bytes: tensor.data, count: tensor.count * MemoryLayout<Float>.size))
        }
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Loads values into `parameters` in place; names and shapes must match exactly.
    public static func load(into parameters: [(name: String, tensor: Tensor)], from path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw LangError.fileUnreadable(path: path) }
        let lines = data.split(separator: UInt8(ascii: "\n"), maxSplits: 2, omittingEmptySubsequences: false)
        guard lines.count == 3, String(decoding: lines[0], as: UTF8.self) == "EBJR-LANG-PARAMETERS 1" else {
            throw LangError.parameterFile(path: path, reason: "missing 'EBJR-LANG-PARAMETERS 1' header")
        }
        let headers = try JSONDecoder().decode([Header].self, from: Data(lines[1]))
        guard headers.map(\.name) == parameters.map(\.name) else {
            throw LangError.parameterFile(path: path, reason: "parameter names \(headers.map(\.name)) ≠ model's \(parameters.map(\.name))")
        }
        var offset = lines[2].startIndex
        for (header, (name, tensor)) in zip(headers, parameters) {
            guard header.shape == tensor.shape else {
                throw LangError.parameterFile(path: path, reason: "'\(name)' has shape \(header.shape), model expects \(tensor.shape)")
            }
            let bytes = tensor.count * MemoryLayout<Float>.size
            guard offset + bytes <= data.endIndex else { throw LangError.parameterFile(path: path, reason: "truncated at '\(name)'") }
            _ = data[offset..<(offset + bytes)].withUnsafeBytes { memcpy(tensor.data, $0.baseAddress!, bytes) }
            offset += bytes
        }
        guard offset == data.endIndex else { throw LangError.parameterFile(path: path, reason: "trailing bytes after the last parameter") }
    }
}
