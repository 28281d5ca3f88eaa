import EBJRRouting
import Foundation

/// The routing rule of an exported router (`ebjr export router … --output DIR` writes `DIR/router.json`, a
/// `RouterManifest`): `ebjr serve --router DIR` serves exactly the operating point the report recommended — the same
/// side and deep checkpoints (unless others are given), score, temperature, threshold τ, score columns and eligible
/// outputs — and states its validation figures at startup.
public enum RouterManifestFile {
    /// Reads and validates `path` (the `router.json` file, or the folder holding it).
    /// - Returns: the manifest and the file it was read from.
    public static func load(_ path: String) throws -> (manifest: RouterManifest, file: String) {
        var isDirectory: ObjCBool = false
        let file = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
            ? (path as NSString).appendingPathComponent("router.json") : path
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
            throw ServeError.configuration("\(file): cannot read the router manifest (\(error.localizedDescription))")
        }
        let manifest: RouterManifest
        do { manifest = try JSONDecoder().decode(RouterManifest.self, from: data) } catch let error as DecodingError {
            throw ServeError.configuration("\(file): not an ebjr router manifest: \(InferenceRequest.oneLine(error))")
        } catch {
            throw ServeError.configuration("\(file): not an ebjr router manifest: \(error)")
        }
        do { try manifest.validate() } catch { throw ServeError.configuration("\(file): \(error)") }
        return (manifest, file)
    }

    /// The rule of `manifest` for the loaded `side` model. The subset routing is rebuilt from the side checkpoint
    /// (its `class_subset` and `subset_design`) or, for a general side model that may keep only some classes, from
    /// the manifest's eligible outputs; the rebuilt score columns and eligible outputs must equal the manifest's,
    /// so a checkpoint that is not the one the router was exported from is an error, not a silently different rule.
    static func rule(_ manifest: RouterManifest, file: String, side: SideModel, sidePath: String) throws -> ServingRule {
        func mismatch(_ what: String) -> ServeError {
            .configuration("\(file): \(what) of side model \(sidePath) differ from the manifest's (was it exported from another checkpoint?)")
        }
        guard manifest.side.outputNames.count == side.outputs else {
            throw ServeError.configuration("\(file): the manifest's side model has \(manifest.side.outputNames.count) outputs, \(sidePath) has \(side.outputs)")
        }
        let all = Array(0..<side.outputs)
        var routing: SubsetRouting?
        if let subset = side.classSubset {
            guard let design = side.checkpoint.subsetDesign else {
                throw ServeError.configuration("\(sidePath): class_subset without subset_design")
            }
            let includesOther = design.hasOtherOutput && manifest.scoreColumns == [0, side.outputs]
            routing = try SubsetRouting(subset: subset, trainedAs: design, scoreIncludesOther: includesOther)
        } else if manifest.eligibleOutputs != all {
            routing = try SubsetRouting(subset: manifest.eligibleOutputs, design: .generalRestricted(classCount: side.outputs))
        }
        let columns = routing?.scoreColumns ?? 0..<side.outputs
        guard [columns.lowerBound, columns.upperBound] == manifest.scoreColumns else { throw mismatch("the score columns") }
        guard all.filter({ routing?.mayAccept(output: $0) ?? true }) == manifest.eligibleOutputs else {
            throw mismatch("the outputs that may be kept")
        }
        // No threshold: every sample goes to the deep model (the report's "route everything" point).
        let tau = manifest.threshold ?? -Double.greatestFiniteMagnitude
        let router = Router(score: manifest.score, rule: .scoreAtMost(tau), subsetRouting: routing)
        let v = manifest.validation
        let figures = ServingRule.ValidationFigures(acceptance: v.acceptance, accuracyLoss: -v.accuracyChange,
                                                    jointAccuracy: v.jointAccuracy, relativeCost: v.relativeCost)
        return ServingRule(router: router, source: "\(file): side model \(manifest.side.name), \(manifest.mix) mix, criterion \(manifest.criterion)",
                           validation: figures)
    }
}
