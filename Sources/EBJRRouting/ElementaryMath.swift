#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few libm functions routing needs, in one place, so that the rest of the module imports nothing
/// (and in particular not Foundation: routing does no I/O).
enum ElementaryMath {
    static func exp(_ x: Double) -> Double { libmExp(x) }
    static func log(_ x: Double) -> Double { libmLog(x) }
    static func log1p(_ x: Double) -> Double { libmLog1p(x) }
    /// `log Γ(x)` for `x > 0`.
    static func logGamma(_ x: Double) -> Double { libmLogGamma(x) }
}

private func libmExp(_ x: Double) -> Double { exp(x) }
private func libmLog(_ x: Double) -> Double { log(x) }
private func libmLog1p(_ x: Double) -> Double { log1p(x) }
private func libmLogGamma(_ x: Double) -> Double { lgamma(x) }
