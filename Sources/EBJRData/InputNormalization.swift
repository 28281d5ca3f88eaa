import EBJRTensor

/// Per-channel input normalisation `x ↦ (x − mean[c]) / std[c]` for a value `x` of channel `c` (samples are
/// channel-major: `[C, H, W]`; `[H, W]`-images and `[D]`-vectors have one channel). One value of `mean`/`std`
/// applies to every channel. Computed in Float32, the same operations whatever reads the samples, so results are
/// bit-identical between an in-memory and a streamed split.
public struct InputNormalization: Equatable, Sendable, CustomStringConvertible {
    public var mean: [Float]
    public var std: [Float]

    /// `mean` and `std` must have the same count (≥ 1), be finite, and `std` positive (checked by `validate`).
    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }

    /// Why these values cannot be used, or nil when they can.
    public var problem: String? {
        guard !mean.isEmpty, mean.count == std.count else {
            return "mean has \(mean.count) values but std has \(std.count) (needs the same number, one or one per channel)"
        }
        guard mean.allSatisfy(\.isFinite) else { return "mean must be finite numbers (got \(mean))" }
        guard std.allSatisfy({ $0.isFinite && $0 > 0 }) else { return "std must be positive finite numbers (got \(std))" }
        return nil
    }

    public var description: String { "mean \(mean), std \(std)" }

    /// Channels of a sample of `sampleShape`: the first dimension of `[C, H, W]`, otherwise 1.
    public static func channels(of sampleShape: [Int]) -> Int { sampleShape.count == 3 ? sampleShape[0] : 1 }

    /// Whether the values fit samples of `sampleShape` (one value, or one per channel).
    public func fits(sampleShape: [Int]) -> Bool { mean.count == 1 || mean.count == Self.channels(of: sampleShape) }

    /// Normalises `values` (whole samples of `sampleShape`, back to back) in place.
    public func apply(to values: UnsafeMutableBufferPointer<Float>, sampleShape: [Int]) {
        let channels = Self.channels(of: sampleShape), sampleSize = sampleShape.reduce(1, *)
        let perChannel = sampleSize / channels
        for sample in stride(from: 0, to: values.count, by: sampleSize) {
            for c in 0..<channels {
                let mean = self.mean.count == 1 ? self.mean[0] : self.mean[c], std = self.std.count == 1 ? self.std[0] : self.std[c]
                let base = sample + c * perChannel
                for i in base..<base + perChannel { values[i] = (values[i] - mean) / std }
            }
        }
    }

    /// The per-channel mean and (population) standard deviation of `samples`, read block by block (memory: one
    /// block), accumulated in Float64 in sample order, so that the result depends only on the data:
    /// `mean_c = Σx / n`, `std_c = sqrt(max(Σx² / n − mean_c², 0))`, with a channel of constant value given std 1.
    /// `progress(done)` is called after each block with the samples read so far.
    public static func statistics(of samples: any LabelledSamples, progress: (Int) -> Void = { _ in }) throws -> InputNormalization {
        let channels = channels(of: samples.sampleShape), perChannel = samples.sampleSize / channels
        var sum = [Double](repeating: 0, count: channels), squares = [Double](repeating: 0, count: channels)
        let block = samples.streamingBlockRows
        for start in stride(from: 0, to: samples.count, by: block) {
            let end = min(samples.count, start + block)
            let batch = try samples.batchTensor(range: start..<end)
            let values = UnsafeBufferPointer(start: batch.data, count: batch.count)
            for sample in 0..<(end - start) {
                for c in 0..<channels {
                    var s = 0.0, q = 0.0
                    let base = sample * samples.sampleSize + c * perChannel
                    for i in base..<base + perChannel {
                        let x = Double(values[i])
                        s += x
                        q += x * x
                    }
                    sum[c] += s
                    squares[c] += q
                }
            }
            progress(end)
        }
        let n = Double(max(samples.count, 1) * perChannel)
        let mean = sum.map { $0 / n }
        let std = zip(squares, mean).map { q, m -> Float in
            let deviation = Float(max(q / n - m * m, 0).squareRoot())
            return deviation > 0 && deviation.isFinite ? deviation : 1
        }
        return InputNormalization(mean: mean.map { Float($0) }, std: std)
    }
}

/// `base` with `normalization` applied to every batch it reads.
public struct NormalizedSamples: LabelledSamples {
    public let base: any LabelledSamples
    public let normalization: InputNormalization

    /// Fails (`DataError.shapeMismatch`-like, one line) when `normalization` has neither one value nor one per channel.
    public init(_ base: any LabelledSamples, _ normalization: InputNormalization) throws {
        guard normalization.fits(sampleShape: base.sampleShape) else {
            throw DataError.normalizationMismatch(name: base.name, sampleShape: base.sampleShape, values: normalization.mean.count)
        }
        self.init(checked: base, normalization)
    }

    private init(checked base: any LabelledSamples, _ normalization: InputNormalization) {
        self.base = base
        self.normalization = normalization
    }

    public var count: Int { base.count }
    public var labels: [Int] { base.labels }
    public var sampleShape: [Int] { base.sampleShape }
    public var classNames: [String] { base.classNames }
    public var name: String { base.name }

    public func batchTensor(_ indices: [Int]) throws -> Tensor { normalized(try base.batchTensor(indices)) }
    public func batchTensor(range: Range<Int>) throws -> Tensor { normalized(try base.batchTensor(range: range)) }
    public func samples(at indices: [Int], name: String) -> any LabelledSamples {
        // The channels are the same, so the normalisation still fits.
        NormalizedSamples(checked: base.samples(at: indices, name: name), normalization)
    }
    /// Normalised with the channels of this shape, then viewed (`[C, H, W]` as `[C·H·W]` keeps per-channel values).
    public func viewed(as sampleShape: [Int]) throws -> any LabelledSamples {
        sampleShape == self.sampleShape ? self : try ReshapedSamples(self, sampleShape)
    }
    public func featureChecksum() throws -> UInt64 { try streamedChecksum() }

    private func normalized(_ batch: Tensor) -> Tensor {
        normalization.apply(to: UnsafeMutableBufferPointer(start: batch.data, count: batch.count), sampleShape: sampleShape)
        return batch
    }
}

/// `base` read with another sample shape of the same size (the values of each sample unchanged).
public struct ReshapedSamples: LabelledSamples {
    public let base: any LabelledSamples
    public let sampleShape: [Int]

    public init(_ base: any LabelledSamples, _ sampleShape: [Int]) throws {
        guard sampleShape.allSatisfy({ $0 > 0 }), sampleShape.reduce(1, *) == base.sampleSize else {
            throw DataError.shapeMismatch(name: base.name, sampleShape: base.sampleShape, requested: sampleShape)
        }
        self.init(checked: base, sampleShape)
    }

    private init(checked base: any LabelledSamples, _ sampleShape: [Int]) {
        self.base = base
        self.sampleShape = sampleShape
    }

    public var count: Int { base.count }
    public var labels: [Int] { base.labels }
    public var classNames: [String] { base.classNames }
    public var name: String { base.name }

    public func batchTensor(_ indices: [Int]) throws -> Tensor { reshape(try base.batchTensor(indices)) }
    public func batchTensor(range: Range<Int>) throws -> Tensor { reshape(try base.batchTensor(range: range)) }
    public func samples(at indices: [Int], name: String) -> any LabelledSamples {
        ReshapedSamples(checked: base.samples(at: indices, name: name), sampleShape)
    }
    public func viewed(as sampleShape: [Int]) throws -> any LabelledSamples {
        sampleShape == base.sampleShape ? base : try ReshapedSamples(base, sampleShape)
    }
    public func featureChecksum() throws -> UInt64 { try base.featureChecksum() }

    private func reshape(_ batch: Tensor) -> Tensor { Tensor(shape: [batch.shape[0]] + sampleShape, storage: batch.storage) }
}
