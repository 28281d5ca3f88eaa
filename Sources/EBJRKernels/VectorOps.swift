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

/// Float64 sums of float32 runs in eight interleaved lanes (lane `j` takes elements `j, j+8, …` of each run; the
/// remainder of a run goes to a scalar tail), combined as `lanes.sum() + tail` — a fixed order that depends only on
/// the runs given, so a per-channel statistic is the same for any thread count. Eight independent Float64 chains
/// instead of one: the sums of batch norm run about as fast as the data arrives rather than one addition latency
/// per element.
public struct DoubleLanes {
    @usableFromInline var lanes = SIMD8<Double>()
    @usableFromInline var tail = 0.0

    @inlinable public init() {}

    /// The total so far.
    @inlinable public var total: Double { lanes.sum() + tail }

    @inlinable @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD8<Double> {
        let v = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
        return SIMD8<Double>(Double(v[0]), Double(v[1]), Double(v[2]), Double(v[3]),
                             Double(v[4]), Double(v[5]), Double(v[6]), Double(v[7]))
    }

    /// Adds `Σ x[0..<count]`.
    @inlinable
    public mutating func add(_ x: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count { lanes += Self.load(x + i); i += 8 }
        while i < count { tail += Double(x[i]); i += 1 }
    }

    /// Adds `Σ (x − center)²` over `x[0..<count]`.
    @inlinable
    public mutating func addSquaredDeviations(_ x: UnsafePointer<Float>, count: Int, from center: Double) {
        let c = SIMD8<Double>(repeating: center)
        var i = 0
        while i + 8 <= count { let d = Self.load(x + i) - c; lanes += d * d; i += 8 }
        while i < count { let d = Double(x[i]) - center; tail += d * d; i += 1 }
    }

    /// Adds `Σ a·b` over `[0..<count]`.
    @inlinable
    public mutating func addProducts(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count { lanes += Self.load(a + i) * Self.load(b + i); i += 8 }
        while i < count { tail += Double(a[i]) * Double(b[i]); i += 1 }
    }
}
