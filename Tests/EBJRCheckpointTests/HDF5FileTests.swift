import _EBJRTestSupport
import EBJRHDF5
import Foundation
import Testing

@Suite struct HDF5FileTests {
    @Test func numericDatasetsRoundTripWithShapeAndType() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file("numbers.h5")
        do {
            let file = try HDF5File.create(at: url)
            let group = try file.createGroup("numbers")
            try group.createDataset("f32", shape: [2, 3], values: [Float](arrayLiteral: 1, -2.5, 3, .pi, 0, -0))
            try group.createDataset("f64", shape: [3], values: [1.0, 1e-300, -7])
            try group.createDataset("i32", shape: [], values: [Int32.min])
            try group.createDataset("i64", shape: [1, 2], values: [Int64.max, -1])
            try group.createDataset("u8", shape: [4], values: [UInt8](arrayLiteral: 0, 1, 128, 255))
            try group.createDataset("u64", shape: [2], values: [UInt64.max, 0xCBF2_9CE4_8422_2325])
            try group.createDataset("empty", shape: [0, 5], values: [Float]())
        }
        let file = try HDF5File.open(url)
        let group = try file.group("numbers")
        #expect(try group.dataset("f32").shape() == [2, 3])
        #expect(try group.dataset("f32").dataType() == .float32)
        #expect(try group.dataset("f32").read(Float.self) == [1, -2.5, 3, .pi, 0, -0])
        #expect(try group.dataset("f64").read(Double.self) == [1.0, 1e-300, -7])
        #expect(try group.dataset("i32").shape() == [])
        #expect(try group.dataset("i32").read(Int32.self) == [Int32.min])
        #expect(try group.dataset("i64").read(Int64.self) == [Int64.max, -1])
        #expect(try group.dataset("u8").read(UInt8.self) == [0, 1, 128, 255])
        #expect(try group.dataset("u64").read(UInt64.self) == [UInt64.max, 0xCBF2_9CE4_8422_2325])
        #expect(try group.dataset("empty").shape() == [0, 5])
        #expect(try group.dataset("empty").read(Float.self) == [])
        #expect(try file.dataset("numbers/u8").dataType() == .uint8)
    }

    @Test func stringDatasetsRoundTrip() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file("strings.h5")
        let long = String(repeating: "recipe line ✓\n", count: 10_000)
        do {
            let file = try HDF5File.create(at: url)
            try file.createStringDataset("scalar", value: "T-shirt/top — ünïcødé")
            try file.createStringDataset("long", value: long)
            try file.createStringDataset("list", values: ["a", "", "Ankle boot"])
            try file.createStringDataset("none", values: [])
        }
        let file = try HDF5File.open(url)
        #expect(try file.dataset("scalar").readString() == "T-shirt/top — ünïcødé")
        #expect(try file.dataset("scalar").dataType() == .string)
        #expect(try file.dataset("long").readString() == long)
        #expect(try file.dataset("list").readStrings() == ["a", "", "Ankle boot"])
        #expect(try file.dataset("list").shape() == [3])
        #expect(try file.dataset("none").readStrings() == [])
        #expect(throws: HDF5Error.self) { try file.dataset("list").readString() }
    }

    @Test func attributesOnFileGroupAndDataset() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file("attributes.h5")
        do {
            let file = try HDF5File.create(at: url)
            try file.setAttribute("format", .string("ebjr"))
            try file.setAttribute("version", .int64(1))
            let group = try file.createGroup("g")
            try group.setAttribute("names", .strings(["weight", "bias"]))
            try group.setAttribute("sizes", .int64s([3, -4]))
            try group.setAttribute("empty", .strings([]))
            let dataset = try group.createDataset("d", shape: [1], values: [Float(1)])
            try dataset.setAttribute("lr", .double(1e-3))
            try dataset.setAttribute("lr", .double(2e-3))
            try dataset.setAttribute("curve", .doubles([0.5, 0.25]))
        }
        let file = try HDF5File.open(url)
        #expect(try file.stringAttribute("format") == "ebjr")
        #expect(try file.int64Attribute("version") == 1)
        #expect(try file.attributeNames() == ["format", "version"])
        let group = try file.group("g")
        #expect(try group.stringsAttribute("names") == ["weight", "bias"])
        #expect(try group.int64sAttribute("sizes") == [3, -4])
        #expect(try group.stringsAttribute("empty") == [])
        let dataset = try group.dataset("d")
        #expect(try dataset.doubleAttribute("lr") == 2e-3)
        #expect(try dataset.attribute("curve") == .doubles([0.5, 0.25]))
        #expect(dataset.hasAttribute("lr") && !dataset.hasAttribute("missing"))
        #expect(throws: HDF5Error.attributeNotFound(file: url.path, path: "/g/d", name: "missing")) {
            try dataset.stringAttribute("missing")
        }
        #expect(throws: HDF5Error.typeMismatch(file: url.path, path: "/@format", expected: "int64", actual: "string")) {
            try file.int64Attribute("format")
        }
    }

    @Test func attributeSizeIsLimited() throws {
        let folder = try TemporaryDirectory()
        let file = try HDF5File.create(at: folder.file("big.h5"))
        #expect(throws: HDF5Error.self) {
            try file.setAttribute("recipe", .string(String(repeating: "x", count: 70_000)))
        }
    }

    @Test func childrenAndKinds() throws {
        let folder = try TemporaryDirectory()
        let file = try HDF5File.create(at: folder.file("tree.h5"))
        let weights = try file.createGroup("model_weights")
        try weights.createGroup("layers.2")
        try weights.createGroup("layers.0").createDataset("weight", shape: [1], values: [Float(0)])
        try file.createStringDataset("recipe", value: "")
        #expect(try file.childNames() == ["model_weights", "recipe"])
        #expect(try weights.childNames() == ["layers.0", "layers.2"])
        #expect(file.contains("model_weights/layers.0/weight"))
        #expect(!file.contains("model_weights/layers.1/weight"))
        #expect(!file.contains("nothing/at/all"))
        #expect(try file.kind(of: "recipe") == .dataset)
        #expect(try file.kind(of: "model_weights/layers.0") == .group)
        try weights.removeChild("layers.2")
        #expect(try weights.childNames() == ["layers.0"])
    }

    @Test func errorsNameFileAndObject() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file("errors.h5")
        let file = try HDF5File.create(at: url)
        try file.createGroup("model_weights").createDataset("x", shape: [2], values: [Float(1), 2])
        #expect(throws: HDF5Error.objectNotFound(file: url.path, path: "/model_weights/layers.0")) {
            try file.group("model_weights/layers.0")
        }
        #expect(HDF5Error.objectNotFound(file: url.path, path: "/model_weights/layers.0").description
            == "\(url.path): object '/model_weights/layers.0' not found")
        #expect(throws: HDF5Error.typeMismatch(file: url.path, path: "/model_weights/x", expected: "float64",
                                               actual: "float32")) {
            try file.dataset("model_weights/x").read(Double.self)
        }
        #expect(throws: HDF5Error.kindMismatch(file: url.path, path: "/model_weights", expected: "dataset",
                                               actual: "group")) {
            try file.dataset("model_weights")
        }
        #expect(throws: HDF5Error.alreadyExists(file: url.path, path: "/model_weights")) {
            try file.createGroup("model_weights")
        }
        #expect(throws: HDF5Error.invalidName(file: url.path, path: "/", name: "a/b")) { try file.createGroup("a/b") }
        #expect(throws: HDF5Error.self) { try file.createDataset("bad", shape: [3], values: [Float(1)]) }

        let missing = folder.file("missing.h5")
        #expect(throws: HDF5Error.fileNotFound(file: missing.path)) { try HDF5File.open(missing) }
        let text = folder.file("text.h5")
        try Data("not hdf5 at all\n".utf8).write(to: text)
        #expect(throws: HDF5Error.notHDF5File(file: text.path)) { try HDF5File.open(text) }
        #expect(HDF5Error.notHDF5File(file: text.path).description == "\(text.path): not an HDF5 file")
    }

    @Test func openHandlesAreReleased() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file("hygiene.h5")
        do {
            let file = try HDF5File.create(at: url)
            let group = try file.createGroup("g")
            try group.createDataset("d", shape: [1], values: [Int64(1)]).setAttribute("a", .string("b"))
            #expect(HDF5.openObjectCount(inFile: url) >= 2)
            #expect(HDF5.openObjectCount() >= 2)
        }
        #expect(HDF5.openObjectCount(inFile: url) == 0)
        do {
            let dataset = try HDF5File.open(url).dataset("g/d")
            #expect(try dataset.stringAttribute("a") == "b")
            #expect(HDF5.openObjectCount(inFile: url) == 2)
        }
        #expect(HDF5.openObjectCount(inFile: url) == 0)
        let file = try HDF5File.open(url)
        let group = try file.group("g")
        try file.close()
        #expect(HDF5.openObjectCount(inFile: url) == 0)
        #expect(throws: HDF5Error.self) { try group.childNames() }
    }

    @Test func atomicWriteReplacesOrLeavesUntouched() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file("atomic.h5")
        try HDF5File.writeAtomically(to: url) { try $0.setAttribute("generation", .int64(1)) }
        let before = try Data(contentsOf: url)
        struct Interrupted: Error {}
        #expect(throws: Interrupted.self) {
            try HDF5File.writeAtomically(to: url) { file in
                try file.setAttribute("generation", .int64(2))
                try file.createDataset("big", shape: [1000], values: [Float](repeating: 1, count: 1000))
                throw Interrupted()
            }
        }
        #expect(try Data(contentsOf: url) == before)
        #expect(try folder.contents() == ["atomic.h5"])
        try HDF5File.writeAtomically(to: url) { try $0.setAttribute("generation", .int64(3)) }
        #expect(try HDF5File.open(url).int64Attribute("generation") == 3)
        #expect(try folder.contents() == ["atomic.h5"])
        #expect(HDF5.openObjectCount(inFile: url) == 0)
    }
}
