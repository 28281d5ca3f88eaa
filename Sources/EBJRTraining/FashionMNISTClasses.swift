import EBJRData

/// Class-name resolution for recipes (delegates to the dataset's names).
enum FashionMNISTClasses {
    static var names: [String] { FashionMNIST.classNames }
    static func indices(_ names: [String]) throws -> [Int] { try FashionMNIST.classIndices(names) }
}
