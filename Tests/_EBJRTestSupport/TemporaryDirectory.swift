import Foundation

/// A fresh folder under the system temporary directory, removed when the value is released (the tests' one
/// temporary-folder helper; `TestSupport.temporaryDirectory` makes the same folders for callers that remove them).
public final class TemporaryDirectory {
    public let url: URL

    public init(_ label: String = "test") throws {
        url = try TestSupport.temporaryDirectory(label)
    }

    /// A path inside the folder.
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Names of the files in the folder.
    public func contents() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() }

    deinit { try? FileManager.default.removeItem(at: url) }
}
