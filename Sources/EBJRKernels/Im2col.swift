/// Geometry of a 2-D convolution or pooling window over one `C × H × W` image.
public struct ConvGeometry: Equatable, Sendable {
    public var channels, height, width, kernelHeight, kernelWidth, stride, padding: Int
    public init(channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int, stride: Int = 1, padding: Int = 0) {
        self.channels = channels; self.height = height; self.width = width
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth; self.stride = stride; self.padding = padding
    }
    /// Output height `⌊(H + 2p − kh) / s⌋ + 1`.
    public var outputHeight: Int { (height + 2 * padding - kernelHeight) / stride + 1 }
    /// Output width `⌊(W + 2p − kw) / s⌋ + 1`.
    public var outputWidth: Int { (width + 2 * padding - kernelWidth) / stride + 1 }
    /// Rows of the column matrix: `C · kh · kw`.
    public var patchSize: Int { channels * kernelHeight * kernelWidth }
    /// Columns of the column matrix: `OH · OW`.
    public var positions: Int { outputHeight * outputWidth }
}

/// Unfolds one image `[C, H, W]` into columns `[C·kh·kw, OH·OW]` (zero padding outside the image).
public func im2col(_ image: UnsafePointer<Float>, _ g: ConvGeometry, into cols: UnsafeMutablePointer<Float>) {
    let p = g.positions
    for row in 0..<g.patchSize { im2colRow(image, g, row: row, into: cols + row * p) }
}

/// Row `row = (c·kh + ky)·kw + kx` of the column matrix: `dst[oy·OW + ox] = image[c, s·oy − p + ky, s·ox − p + kx]`
/// (zero outside the image), `OH·OW` values.
@inline(__always)
func im2colRow(_ image: UnsafePointer<Float>, _ g: ConvGeometry, row: Int, into dst: UnsafeMutablePointer<Float>) {
    let oh = g.outputHeight, ow = g.outputWidth
    let kx = row % g.kernelWidth, ky = (row / g.kernelWidth) % g.kernelHeight, c = row / (g.kernelWidth * g.kernelHeight)
    let plane = image + c * g.height * g.width
    for oy in 0..<oh {
        let iy = oy * g.stride - g.padding + ky
        let out = dst + oy * ow
        if iy < 0 || iy >= g.height { out.update(repeating: 0, count: ow); continue }
        let src = plane + iy * g.width
        if g.stride == 1 {
            let lo = max(0, g.padding - kx), hi = min(ow, g.width + g.padding - kx)
            if lo > 0 { out.update(repeating: 0, count: lo) }
            if hi > lo { copyFloats(from: src + (lo - g.padding + kx), to: out + lo, count: hi - lo) }
            if hi < ow { (out + max(hi, 0)).update(repeating: 0, count: ow - max(hi, 0)) }
        } else {
            for ox in 0..<ow {
                let ix = ox * g.stride - g.padding + kx
                out[ox] = (ix >= 0 && ix < g.width) ? src[ix] : 0
            }
        }
    }
}

/// Folds columns `[C·kh·kw, OH·OW]` back into an image `[C, H, W]`, *adding* overlapping contributions
/// (the adjoint of `im2col`). The image must be zeroed by the caller if it should not accumulate.
public func col2im(_ cols: UnsafePointer<Float>, _ g: ConvGeometry, addingInto image: UnsafeMutablePointer<Float>) {
    let oh = g.outputHeight, ow = g.outputWidth, p = oh * ow
    for c in 0..<g.channels {
        let plane = image + c * g.height * g.width
        for ky in 0..<g.kernelHeight {
            for kx in 0..<g.kernelWidth {
                let row = cols + ((c * g.kernelHeight + ky) * g.kernelWidth + kx) * p
                for oy in 0..<oh {
                    let iy = oy * g.stride - g.padding + ky
                    if iy < 0 || iy >= g.height { continue }
                    let src = row + oy * ow, dst = plane + iy * g.width
                    if g.stride == 1 {
                        let lo = max(0, g.padding - kx), hi = min(ow, g.width + g.padding - kx)
                        if hi > lo { addFloats(src + lo, into: dst + (lo - g.padding + kx), count: hi - lo) }
                    } else {
                        for ox in 0..<ow {
                            let ix = ox * g.stride - g.padding + kx
                            if ix >= 0 && ix < g.width { dst[ix] += src[ox] }
                        }
                    }
                }
            }
        }
    }
}

