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
}
