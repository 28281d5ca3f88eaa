import EBJRHDF5
import EBJRTensor

extension HDF5Group {
    /// Writes `tensor`'s values as a float32 dataset of its shape (no intermediate copy), chunked with a
    /// Fletcher32 checksum so that damage is detected when it is read.
    @discardableResult
    func createDataset(_ name: String, tensor: Tensor) throws -> HDF5Dataset {
        try createDataset(name, shape: tensor.shape, from: UnsafeBufferPointer(start: tensor.data, count: tensor.count),
                          checksummed: true)
    }
}

extension HDF5Dataset {
    /// Reads a float32 dataset into a new tensor of its shape. Any other element type is a
    /// `CheckpointError.dtypeMismatch` naming `key`.
    func readTensor(key: String) throws -> Tensor {
        let stored = try dataType()
        guard stored == .float32 else {
            throw CheckpointError.dtypeMismatch(file: filePath, key: key, expected: "float32", actual: stored.description)
        }
        let tensor = Tensor.uninitialized(try shape())
        try read(into: UnsafeMutableBufferPointer(start: tensor.data, count: tensor.count))
        return tensor
    }

    /// Reads an int64 counter (torch's `num_batches_tracked`) into a Float32 tensor of its shape. Another element
    /// type is a `CheckpointError.dtypeMismatch`, a value outside `0…2²⁴` a `CheckpointError.invalidValue`, both
    /// naming `key`.
    func readCounter(key: String) throws -> Tensor {
        let stored = try dataType()
        guard stored == .int64 else {
            throw CheckpointError.dtypeMismatch(file: filePath, key: key, expected: "int64", actual: stored.description)
        }
        let values = try read(Int64.self)
        if let bad = values.first(where: { !(0...Int64(CheckpointFormat.largestCounter)).contains($0) }) {
            throw CheckpointError.invalidValue(file: filePath, key: key, detail: "counter \(bad) is outside 0…2^24")
        }
        return Tensor(values.map { Float($0) }, shape: try shape())
    }
}
