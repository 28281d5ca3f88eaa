import Testing
import Foundation
import EBJRFiles
import EBJRCheckpoint
import EBJRNN
import _EBJRTestSupport

/// Provenance: SHA-256 against the FIPS 180-4 examples and Python's hashlib, the git commit read from `.git` layouts
/// (and from this checkout, against `git rev-parse`), and the manifest's JSON.
@Suite("Provenance")
struct ProvenanceTests {
    /// FIPS 180-4 / NIST example messages, fed whole and in pieces of every size up to 130 bytes.
    @Test func sha256MatchesTheStandardExamples() {
        let cases = [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
            ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
             "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
        ]
        for (message, digest) in cases {
            #expect(SHA256.hexDigest(Data(message.utf8)) == digest, "\(message)")
            let bytes = Array(message.utf8)
            for piece in [1, 3, 63, 64, 65, 130] {
                var hasher = SHA256()
                for start in stride(from: 0, to: bytes.count, by: piece) { hasher.update(Array(bytes[start..<min(start + piece, bytes.count)])) }
                #expect(hasher.hexDigest() == digest && hasher.byteCount == UInt64(bytes.count), "\(message) in pieces of \(piece)")
            }
        }
        #expect(SHA256.hexDigest(Data(repeating: UInt8(ascii: "a"), count: 1_000_000))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// A 3 MiB file (several 1 MiB reads, a partial last block) hashes as Python's hashlib says.
    @Test func fileDigestMatchesPythonHashlib() throws {
        let dir = try TemporaryDirectory("sha256")
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<(3 << 20) + 77).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let file = dir.file("blob.bin")
        try Data(bytes).write(to: file)
        let (digest, size) = try SHA256.hexDigest(ofFileAt: file)
        let python = try TestSupport.runPython(script: "import hashlib, sys\nprint(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())",
                                               arguments: [file.path], in: dir.url)
        #expect(digest == python.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) && size == UInt64(bytes.count))
        // The cached digest is the same; a changed file is hashed again.
        #expect(try FileDigests.sha256(path: file.path).digest == digest)
        try Data(bytes.dropLast()).write(to: file)
        #expect(try FileDigests.sha256(path: file.path).digest == SHA256.hexDigest(Data(bytes.dropLast())))
        #expect(throws: FileReadError(path: dir.file("missing").path, reason: "no such file")) {
            try FileDigests.sha256(path: dir.file("missing").path)
        }
    }

    /// `.git` as a folder (loose ref, packed ref, detached HEAD), as a worktree's `gitdir:` file with `commondir`, and
    /// broken layouts (nil, never an error).
    @Test func gitRevisionReadsEveryLayout() throws {
        let dir = try TemporaryDirectory("git")
        let a = String(repeating: "a1", count: 20), b = String(repeating: "b2", count: 20), c = String(repeating: "c3", count: 20)
        func write(_ path: String, _ text: String) throws {
            let url = dir.file(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        // An ordinary clone on branch main (loose ref); a source folder deep inside it.
        try write("clone/.git/HEAD", "ref: refs/heads/main\n")
        try write("clone/.git/refs/heads/main", a + "\n")
        try write("clone/Sources/X/file.swift", "")
        #expect(GitRevision.commit(searchingUpFrom: dir.file("clone/Sources/X")) == a)
        // The branch only in packed-refs.
        try FileManager.default.removeItem(at: dir.file("clone/.git/refs/heads/main"))
        try write("clone/.git/packed-refs", "# pack-refs with: peeled fully-peeled sorted\n\(c) refs/heads/other\n\(b) refs/heads/main\n^\(c)\n")
        #expect(GitRevision.commit(searchingUpFrom: dir.file("clone/Sources")) == b)
        // Detached HEAD.
        try write("clone/.git/HEAD", c.uppercased() + "\n")
        #expect(GitRevision.commit(searchingUpFrom: dir.file("clone")) == c)
        // A worktree: `.git` is a file naming its folder under the main repository, whose refs are in the common folder.
        try write("main/.git/HEAD", "ref: refs/heads/main\n")
        try write("main/.git/refs/heads/feature", b + "\n")
        try write("main/.git/worktrees/wt/HEAD", "ref: refs/heads/feature\n")
        try write("main/.git/worktrees/wt/commondir", "../..\n")
        try write("wt/.git", "gitdir: ../main/.git/worktrees/wt\n")
        try write("wt/Sources/file.swift", "")
        #expect(GitRevision.commit(searchingUpFrom: dir.file("wt/Sources")) == b)
        // Broken: a ref to nothing, a HEAD that is not a commit, a `.git` file without gitdir.
        try write("broken1/.git/HEAD", "ref: refs/heads/none\n")
        try write("broken2/.git/HEAD", "not a commit\n")
        try write("broken3/.git", "nonsense\n")
        for name in ["broken1", "broken2", "broken3"] { #expect(GitRevision.commit(searchingUpFrom: dir.file(name)) == nil, "\(name)") }
    }

    /// This checkout's commit, as `git rev-parse HEAD` gives it (when git and a `.git` are there).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: TestSupport.packageRoot.appendingPathComponent(".git").path)
                   && FileManager.default.isExecutableFile(atPath: "/usr/bin/git")))
    func gitRevisionOfThisCheckoutMatchesGit() throws {
        let git = try TestSupport.run(URL(fileURLWithPath: "/usr/bin/git"), ["-C", TestSupport.packageRoot.path, "rev-parse", "HEAD"])
        try #require(git.status == 0)
        #expect(GitRevision.current == git.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The manifest's JSON: snake_case keys, read back equal; a file added twice under one role is recorded once.
    @Test func manifestJSONRoundTrips() throws {
        let dir = try TemporaryDirectory("manifest")
        try Data("weights".utf8).write(to: dir.file("m.h5"))
        var manifest = RunManifest(toolkitVersion: "9.9.9", gitCommit: "abc", recipe: .init(file: "r.yaml", text: "name: r\n"))
        try manifest.addInput(role: "checkpoint", path: dir.file("m.h5").path)
        try manifest.addInput(role: "checkpoint", path: dir.file("m.h5").path)
        #expect(manifest.inputs == [.init(role: "checkpoint", path: dir.file("m.h5").path, bytes: 7,
                                          sha256: SHA256.hexDigest(Data("weights".utf8)))])
        let json = manifest.json(pretty: true)
        for key in ["\"toolkit_version\" : \"9.9.9\"", "\"git_commit\" : \"abc\"", "\"sha256\"", "\"text\" : \"name: r\\n\""] {
            #expect(json.contains(key), "\(key) in \(json)")
        }
        #expect(try RunManifest.parse(json) == manifest)
        #expect(manifest.recipe?.sha256 == SHA256.hexDigest(Data("name: r\n".utf8)))
        #expect(RunManifest.Recipe(file: "r.yaml", text: "x", includeText: false).text == nil)
    }
}

/// `ebjr inspect` shows the provenance manifest and the training log of a checkpoint as one summary line each.
@Test func inspectSummarisesProvenanceAndTrainingLog() throws {
    let folder = try TemporaryDirectory("inspect-provenance")
    let url = folder.file("model.h5")
    var checkpoint = try TrainedModel(.mlp([4, 3])).checkpoint()
    let manifest = RunManifest(toolkitVersion: "1.2.3", gitCommit: String(repeating: "ab", count: 20),
                               recipe: .init(file: "r.yaml", text: "x", includeText: false),
                               inputs: [.init(role: "data", path: "d.h5", bytes: 1, sha256: String(repeating: "0", count: 64))])
    checkpoint.metadata[RunManifest.checkpointMetadataKey] = manifest.json()
    checkpoint.metadata["training_log"] = "epoch,loss\n1,0.5\n2,0.4\n"
    try checkpoint.save(to: url)
    let text = try inspect(url)
    #expect(text.contains("provenance = ebjr 1.2.3 (commit abababababab), recipe r.yaml (sha256 \(manifest.recipe!.sha256.prefix(12))), 1 input file hashed (SHA-256)"), "\(text)")
    #expect(text.contains("training_log = 2 epochs"), "\(text)")
}
