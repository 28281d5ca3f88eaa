import Testing
import Foundation
@testable import EBJRLang

/// Long runs, enabled with `EBJR_LONG_TESTS=1` (release build recommended):
/// `EBJR_LONG_TESTS=1 swift test -c release -Xswiftc -enable-testing --filter LongRunning`.
/// `EBJR_G2P_RECIPE` trains a single recipe (default: the full experiment); `EBJR_G2P_OUTPUT` sets the output
/// directory (default `.build/g2p`); `EBJR_G2P_INIT` continues training from a parameter file.
@Suite("LongRunning", .enabled(if: ProcessInfo.processInfo.environment["EBJR_LONG_TESTS"] == "1"))
struct LongRunningTests {
    let environment = ProcessInfo.processInfo.environment
    var outputDir: String { environment["EBJR_G2P_OUTPUT"] ?? ".build/g2p" }

    @Test func g2pTrainOne() throws {
        guard let recipe = environment["EBJR_G2P_RECIPE"] else { return }
        let dataset = try G2PExperiment.loadDataset()
        _ = try G2PExperiment.trainedModel(recipePath: recipe, dataset: dataset, outputDir: outputDir,
                                           initialParametersPath: environment["EBJR_G2P_INIT"])
    }

    /// The full E-LANG experiment (models are loaded from `outputDir` when already trained).
    @Test func g2pExperiment() throws {
        guard environment["EBJR_G2P_RECIPE"] == nil else { return }
        let report = try G2PExperiment.run(swiftRecipePath: "recipes/g2p-swift.yaml", superRecipePath: "recipes/g2p-super.yaml",
                                           outputDir: outputDir, beamWords: Int(environment["EBJR_G2P_BEAM_WORDS"] ?? "") ?? 1000)
        #expect(report.importedLogitsRoundTrip)
    }
}
