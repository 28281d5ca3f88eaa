import EBJRTensor

/// Random crops with zero padding and horizontal flips of a batch of images (`training.augmentation` of a recipe),
/// applied to each training batch before the forward pass; off by default.
///
/// For every sample of a `[N, C, H, W]` batch, in order: with `padding p > 0` two draws `dy, dx` uniform in `0…2p`
/// pick the `H × W` window at `(dy, dx)` of the image padded by `p` zeros on every side (torchvision's
/// `RandomCrop(size, padding=p)` on images in `[0, 1]`: the zero fill is black); with `horizontalFlip` one more draw
/// `u ∈ [0, 1)` mirrors the columns when `u < 0.5` (`RandomHorizontalFlip`). The trainer hands each step its own
/// generator (`TrainingSettings.noiseGenerator(step:)`), so a resumed run augments exactly as an uninterrupted one.
public struct ImageAugmentation: Equatable, Sendable {
    /// Padding of the random crop (0: no crop).
    public var cropPadding: Int
    /// Whether each image is mirrored left–right with probability ½.
    public var horizontalFlip: Bool

    public init(cropPadding: Int = 0, horizontalFlip: Bool = false) {
        self.cropPadding = cropPadding
        self.horizontalFlip = horizontalFlip
    }

    /// Whether the augmentation changes anything.
    public var isIdentity: Bool { cropPadding == 0 && !horizontalFlip }

    /// The augmented copy of `batch` (`[N, C, H, W]`, no gradient history), drawing from `generator`.
    public func apply(to batch: Tensor, generator: inout RandomGenerator) -> Tensor {
        precondition(batch.rank == 4, "ImageAugmentation: expected [N, C, H, W], got \(batch.shape)")
        guard !isIdentity else { return batch }
        let n = batch.shape[0], c = batch.shape[1], h = batch.shape[2], w = batch.shape[3]
        let out = Tensor(zeros: batch.shape)
        let p = cropPadding
        for sample in 0..<n {
            let dy = p > 0 ? Int(generator.next() % UInt64(2 * p + 1)) - p : 0
            let dx = p > 0 ? Int(generator.next() % UInt64(2 * p + 1)) - p : 0
            let flip = horizontalFlip && generator.nextUniform() < 0.5
            for channel in 0..<c {
                let plane = (sample * c + channel) * h * w
                let src = batch.data + plane, dst = out.data + plane
                // Output pixel (i, j) is input pixel (i + dy, j' + dx), j' = j or w − 1 − j; outside the image: zero.
                for i in 0..<h {
                    let y = i + dy
                    guard y >= 0, y < h else { continue }
                    for j in 0..<w {
                        let x = (flip ? w - 1 - j : j) + dx
                        if x >= 0, x < w { dst[i * w + j] = src[y * w + x] }
                    }
                }
            }
        }
        return out
    }
}
