import Testing
import Foundation
@testable import EBJRWorkflow
import EBJRRecipe
import EBJRData
import _EBJRTestSupport

/// `data.dataset: hdf5` in recipes: its keys decoded strictly, the file opened at load time (class count, subset
/// names), and the shipped example recipe.
@Suite("HDF5 recipes")
struct HDF5RecipeTests {
    /// `small.h5`: 3 classes (boot, shirt, sandal), images `[8, 2, 2]`; `fmnist-like.h5`: 10 classes, `[4, 28, 28]`.
    static let files: Result<URL, Error> = Result {
        let dir = try TestSupport.temporaryDirectory("h5recipe")
        try TestSupport.runPython(script: """
            import sys, h5py, numpy as np
            for name, classes, shape in [('small', ['boot', 'shirt', 'sandal'], (8, 2, 2)),
                                         ('fmnist-like', [str(i) for i in range(10)], (4, 28, 28))]:
                with h5py.File(f'{sys.argv[1]}/{name}.h5', 'w') as f:
                    f.attrs['class_names'] = classes
                    for split in ['train', 'test']:
                        g = f.create_group(split)
                        g['images'] = np.zeros(shape, np.uint8)
                        g['labels'] = np.arange(shape[0]) % len(classes)
            """, arguments: [dir.path], in: dir)
        return dir
    }
    static func path(_ name: String) throws -> String { try files.get().appendingPathComponent(name).path }

    func parse(_ data: String, model: String = "{preset: mlp, sizes: [4, 3]}", extra: String = "") throws -> TrainingRecipe {
        try TrainingRecipe.parse(text: "model: \(model)\ndata: \(data)\n\(extra)", file: "r.yaml")
    }

    func reason(_ body: () throws -> Any) -> String? {
        do { _ = try body(); return nil } catch { return "\(error)" }
    }

    @Test func keysAreDecoded() throws {
        let small = try Self.path("small.h5")
        let recipe = try parse("{dataset: hdf5, path: \(small), validation_fraction: 0.25, train_limit: 4}")
        #expect(recipe.data == .hdf5(path: small, validationFraction: 0.25))
        #expect(recipe.data.name == "hdf5" && recipe.data.dataLocation == small)
        #expect(recipe.trainLimit == 4)
        #expect(try parse("{dataset: hdf5, path: \(small)}").data == .hdf5(path: small, validationFraction: 0.1))
        let source = try #require(try recipe.data.classificationSource as? HDF5ImageSource)
        #expect(source.classNames == ["boot", "shirt", "sandal"])
        #expect(try source.load(.validation).count == 2)  // round(8 · 0.25)
    }

    @Test func keysAreStrict() throws {
        let small = try Self.path("small.h5")
        #expect(reason { try parse("{dataset: hdf5, path: \(small), directory: x}") }?.contains("unknown key 'data.directory'") == true)
        #expect(reason { try parse("{dataset: hdf5, path: \(small), validation_fractoin: 0.2}") }?.contains("validation_fractoin") == true)
        #expect(reason { try parse("{dataset: fashion-mnist, path: \(small)}") }?.contains("unknown key 'data.path'") == true)
        #expect(reason { try parse("{dataset: hdf5}") } == "r.yaml: missing required key 'data.path'")
        for bad in ["0", "1", "1.5", "-0.1"] {
            #expect(reason { try parse("{dataset: hdf5, path: \(small), validation_fraction: \(bad)}") }?
                .contains("'data.validation_fraction' must be in (0, 1)") == true, "\(bad)")
        }
        #expect(reason { try parse("{dataset: hdf6, path: \(small)}") }?.contains("must be one of cmudict, fashion-mnist, hdf5") == true)
    }

    @Test func theFileIsOpenedWhenTheRecipeIsRead() throws {
        let missing = try Self.files.get().appendingPathComponent("missing.h5").path
        #expect(reason { try parse("\n  dataset: hdf5\n  path: \(missing)") } == "r.yaml:4: 'data.path' \(missing): no such file")
        let small = try Self.path("small.h5")
        #expect(reason { try parse("{dataset: hdf5, path: \(small)}", model: "{preset: mlp, sizes: [4, 10]}") }?
            .contains("has 10 outputs but hdf5 has 3 classes") == true)
        #expect(reason { try parse("{dataset: hdf5, path: \(small)}", model: "{preset: g2p, embedding_size: 8, hidden_size: 8}") }?
            .contains("preset g2p needs data.dataset: cmudict") == true)
    }

    @Test func subsetsNameTheFilesClasses() throws {
        let small = try Self.path("small.h5")
        let recipe = try parse("{dataset: hdf5, path: \(small)}", extra: "specialization: {subset: [sandal, Boot], design: other-class}\n")
        #expect(recipe.specialization?.subset == [2, 0])
        #expect(reason { try parse("{dataset: hdf5, path: \(small)}", extra: "specialization: {subset: [sneaker], design: subset-only}\n") }?
            .contains("unknown class 'sneaker' (known: boot, shirt, sandal)") == true)
    }

    /// The shipped example parses once its data file exists (here a small stand-in with the same layout).
    @Test func exampleRecipeParsesWithItsDataFile() throws {
        let example = TestSupport.packageRoot.appendingPathComponent("recipes/hdf5-example.yaml").path
        let text = try String(contentsOfFile: example, encoding: .utf8)
        #expect(text.contains("path: data/fashion-mnist.h5"))
        let recipe = try TrainingRecipe.parse(text: text.replacingOccurrences(of: "data/fashion-mnist.h5", with: try Self.path("fmnist-like.h5")),
                                              file: example)
        #expect(recipe.data == .hdf5(path: try Self.path("fmnist-like.h5"), validationFraction: 0.1))
        #expect(recipe.name == "hdf5-example")
    }
}
