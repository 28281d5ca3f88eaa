/// Short SIMD loops shared by the tensor operations. Each keeps the per-element arithmetic of the obvious scalar
/// loop (one addition per element, in the same order) except `sumFloats`, which sums in eight lanes.

/// `dst[0..<count] = src[0..<count]` for short rows (no `memmove` call per row).
@inlinable @inline(__always)
public func copyFloats(from src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + 8 <= count {
        UnsafeMutableRawPointer(dst + i).storeBytes(of: UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self),
                                                    as: SIMD8<Float>.self)
        i += 8
    }
    while i < count { dst[i] = src[i]; i += 1 }
}

/// `dst[0..<count] += src[0..<count]`, eight lanes at a time.
@inlinable @inline(__always)
public func addFloats(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + 8 <= count {
        let d = UnsafeMutableRawPointer(dst + i)
        d.storeBytes(of: d.loadUnaligned(as: SIMD8<Float>.self) + UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self),
                     as: SIMD8<Float>.self)
        i += 8
    }
    while i < count { dst[i] += src[i]; i += 1 }
}

/// `Σ x[0..<count]` in eight interleaved partial sums (lane `j` adds `x[j], x[j+8], …`), then the lanes and the
/// tail in order: a fixed order, but not the left-to-right one.
@inlinable
public func sumFloats(_ x: UnsafePointer<Float>, count: Int) -> Float {
    var acc = SIMD8<Float>()
    var i = 0
    while i + 8 <= count {
        acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
        i += 8
    }
    var total: Float = 0
    for lane in 0..<8 { total += acc[lane] }
    while i < count { total += x[i]; i += 1 }
    return total
}
