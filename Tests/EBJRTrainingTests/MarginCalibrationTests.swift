import Foundation
import Testing
import EBJRRouting
import _EBJRTestSupport
@testable import EBJRTraining

/// The auto margins are the median and 95th percentile with NumPy's interpolation (checked against NumPy itself).
@Test func marginQuantilesMatchNumPy() throws {
    var g = SeededGenerator(seed: 4)
    let energies = (0..<257).map { _ in -6 + 5 * g.nextUnit() * g.nextUnit() }
    let (mIn, mOut) = MarginCalibration.margins(inSubsetEnergies: energies)
    let dir = try TemporaryDirectory()
    try energies.map { String($0) }.joined(separator: " ").write(to: dir.file("e.txt"), atomically: true, encoding: .utf8)
    let script = """
    import numpy as np, sys
    e = np.loadtxt(sys.argv[1])
    got = [float(v) for v in sys.argv[2:]]
    want = [np.percentile(e, 50), np.percentile(e, 95), np.percentile(e[:4], 95), np.percentile(e[:1], 50)]
    assert np.allclose(got, want, rtol=0, atol=1e-12), (got, want)
    """
    let extra = [MarginCalibration.quantile(Array(energies.prefix(4)), 0.95), MarginCalibration.quantile(Array(energies.prefix(1)), 0.5)]
    try TestSupport.runPython(script: script, arguments: [dir.file("e.txt").path] + ([mIn, mOut] + extra).map { String($0) }, in: dir.url)
    #expect(mIn < mOut)
    #expect(MarginCalibration.labelsOnlyDesign(for: .energyMargin) == .subsetOnly)
    #expect(MarginCalibration.labelsOnlyDesign(for: .otherClassMargin) == .otherClass)
}
