import Foundation
import Testing
import EBJRRouting
import _EBJRTestSupport
@testable import EBJRDeferral

/// Seeded 10-class side logits whose correctness depends on the logits (confident rows are right more often) and
/// on the class (class 6 is hard), with a deep model right 90% of the time.
private func syntheticSide(count: Int, seed: UInt64) throws -> (logits: Logits, sideCorrect: [Bool], deepCorrect: [Bool]) {
    var g = SeededGenerator(seed: seed)
    var values: [Float] = [], side: [Bool] = [], deep: [Bool] = []
    for _ in 0..<count {
        let predicted = Int(g.next() % 10)
        let confidence = g.nextUnit() * 5
        let right = g.nextUnit() < (predicted == 6 ? 0.3 : 0.45) + 0.1 * confidence
        values += (0..<10).map { Float($0 == predicted ? confidence + 1 : 0) + Float(2 * g.nextUnit()) }
        side.append(right)
        deep.append(g.nextUnit() < 0.9)
    }
    return (try Logits(values: values, count: count, classCount: 10), side, deep)
}

private func npyText(_ values: [Double]) -> String { values.map { String($0) }.joined(separator: " ") }

@Suite struct DeferralRouterTests {
    @Test func featuresMatchNumPy() throws {
        let (logits, _, _) = try syntheticSide(count: 50, seed: 3)
        let routing = try SubsetRouting(subset: [5, 7, 9], design: .generalRestricted(classCount: 10))
        let features = try DeferralFeatures(side: logits, subsetRouting: routing)
        let dir = try TemporaryDirectory()
        try npyText(logits.values.map(Double.init)).write(to: dir.file("z.txt"), atomically: true, encoding: .utf8)
        try npyText(features.values).write(to: dir.file("f.txt"), atomically: true, encoding: .utf8)
        let script = """
        import numpy as np, sys
        z = np.loadtxt(sys.argv[1]).reshape(-1, 10); f = np.loadtxt(sys.argv[2]).reshape(len(z), -1)
        def lse(a, t): m = a.max(1, keepdims=True); return (m + t*np.log(np.exp((a-m)/t).sum(1, keepdims=True)))[:, 0]
        p = np.exp(z - lse(z, 1)[:, None]); s = np.sort(z, 1)
        cols = [z, np.eye(10)[z.argmax(1)]] + [[-lse(z, t)] for t in (0.5, 1, 2, 4)]
        cols += [[p.max(1)], [s[:, -1] - s[:, -2]], [-(p*np.log(p)).sum(1)], [p[:, [5, 7, 9]].sum(1)]]
        ref = np.column_stack([np.column_stack(c) if isinstance(c, list) else c for c in cols])
        assert ref.shape == f.shape, (ref.shape, f.shape)
        err = np.abs(ref - f).max(); print(err); assert err < 1e-9, err
        """
        try TestSupport.runPython(script: script, arguments: [dir.file("z.txt").path, dir.file("f.txt").path], in: dir.url)
        #expect(features.names.last == "in-subset mass")
    }

    /// Same features, same targets, same objective: our logistic router (Adam on the toolkit's autograd) and
    /// scikit-learn's `LogisticRegression(C=1)` (lbfgs) on `StandardScaler` features give the same model.
    @Test func logisticRouterMatchesScikitLearn() throws {
        let (logits, sideCorrect, deepCorrect) = try syntheticSide(count: 800, seed: 11)
        let features = try DeferralFeatures(side: logits)
        let targets = DeferralRouter.targets(sideCorrect: sideCorrect, deepCorrect: deepCorrect)
        let router = try DeferralRouter(training: features, targets: targets, settings: DeferralRouterSettings(steps: 1500))
        let probabilities = try router.probabilities(features)
        let dir = try TemporaryDirectory()
        try npyText(features.values).write(to: dir.file("x.txt"), atomically: true, encoding: .utf8)
        try npyText(targets.map { $0 ? 1 : 0 }).write(to: dir.file("y.txt"), atomically: true, encoding: .utf8)
        try npyText(probabilities).write(to: dir.file("p.txt"), atomically: true, encoding: .utf8)
        let script = """
        import numpy as np, sys
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler
        y = np.loadtxt(sys.argv[2]); x = np.loadtxt(sys.argv[1]).reshape(len(y), -1); ours = np.loadtxt(sys.argv[3])
        xs = StandardScaler().fit_transform(x)
        ref = LogisticRegression(C=1.0, tol=1e-10, max_iter=100000).fit(xs, y).predict_proba(xs)[:, 1]
        dp = np.abs(ref - ours).max()
        # Deferral decisions at the acceptance levels a user would pick: keep the q least likely to need the deep model.
        worst = 0.0
        for q in (0.3, 0.5, 0.7, 0.9):
            t = np.quantile(ref, q)
            worst = max(worst, np.mean((ref <= t) != (ours <= t)))
        print(dp, worst)
        assert dp < 2e-3, dp
        assert worst <= 0.005, worst
        """
        let result = try TestSupport.runPython(script: script, arguments: [dir.file("x.txt").path, dir.file("y.txt").path,
                                                                      dir.file("p.txt").path], in: dir.url)
        #expect(!result.standardOutput.isEmpty)
    }

    @Test func trainingIsSeededAndDeterministic() throws {
        let (logits, sideCorrect, deepCorrect) = try syntheticSide(count: 300, seed: 5)
        let features = try DeferralFeatures(side: logits)
        let targets = DeferralRouter.targets(sideCorrect: sideCorrect, deepCorrect: deepCorrect)
        let settings = DeferralRouterSettings(hidden: 8, steps: 50, seed: 3)
        let a = try DeferralRouter(training: features, targets: targets, settings: settings).probabilities(features)
        let b = try DeferralRouter(training: features, targets: targets, settings: settings).probabilities(features)
        var other = settings
        other.seed = 4
        let c = try DeferralRouter(training: features, targets: targets, settings: other).probabilities(features)
        #expect(a == b)
        #expect(a != c)
    }

    /// The stored state (as a report holds it, through JSON) rebuilds a router whose scores are bitwise the
    /// original's, for logistic regression and the MLP, with and without a subset routing.
    @Test(arguments: [0, 8])
    func storedStateRebuildsTheSameRouter(hidden: Int) throws {
        let (logits, sideCorrect, deepCorrect) = try syntheticSide(count: 300, seed: 7)
        let routing = try SubsetRouting(subset: [2, 5, 6], design: .generalRestricted(classCount: 10))
        for subsetRouting in [nil, routing] {
            let features = try DeferralFeatures(side: logits, subsetRouting: subsetRouting)
            let router = try DeferralRouter(training: features, targets: DeferralRouter.targets(sideCorrect: sideCorrect, deepCorrect: deepCorrect),
                                            settings: DeferralRouterSettings(hidden: hidden, steps: 60, seed: 2))
            let json = try JSONEncoder().encode(router.state(subsetRouting: subsetRouting))
            let state = try JSONDecoder().decode(DeferralRouterState.self, from: json)
            #expect(state.subsetRouting == subsetRouting)
            let rebuilt = try DeferralRouter(state: state)
            let original = try router.probabilities(features)
            #expect(try rebuilt.probabilities(side: logits, subsetRouting: state.subsetRouting).map(\.bitPattern) == original.map(\.bitPattern))
            #expect(Set(original).count > 10)
        }
    }

    @Test func brokenStatesAreOneLineErrors() throws {
        let (logits, sideCorrect, deepCorrect) = try syntheticSide(count: 100, seed: 8)
        let features = try DeferralFeatures(side: logits)
        let router = try DeferralRouter(training: features, targets: DeferralRouter.targets(sideCorrect: sideCorrect, deepCorrect: deepCorrect),
                                        settings: DeferralRouterSettings(steps: 20))
        let good = router.state(subsetRouting: nil)
        func message(_ edit: (inout DeferralRouterState) -> Void) -> String? {
            var state = good
            edit(&state)
            do { _ = try DeferralRouter(state: state); return nil } catch { return "\(error)" }
        }
        #expect(message { _ in } == nil)
        #expect(message { $0.parameters[0].values.removeLast() }?.contains("parameter 'weight' has shape") == true)
        #expect(message { $0.parameters[1].values[0] = .nan }?.contains("non-finite") == true)
        #expect(message { $0.parameters.removeLast() }?.contains("expected [\"weight\", \"bias\"]") == true)
        #expect(message { $0.settings.hidden = 4 }?.contains("expected") == true)
        #expect(message { $0.featureNames.removeLast() }?.contains("feature names") == true)
        #expect(message { $0.standardizer = try! FeatureStandardizer(fitting: DeferralFeatures(names: ["a"], values: [1], count: 1)) }?
            .contains("feature names") == true)
    }

    /// A target no linear rule separates (`x₁·x₂ > 0`): the MLP router must learn it, logistic regression cannot.
    @Test func mlpRouterLearnsANonlinearTarget() throws {
        var g = SeededGenerator(seed: 9)
        let n = 400
        let values = (0..<(2 * n)).map { _ in 2 * g.nextUnit() - 1 }
        let targets = (0..<n).map { values[2 * $0] * values[2 * $0 + 1] > 0 }
        let features = try DeferralFeatures(names: ["a", "b"], values: values, count: n)
        func accuracy(_ hidden: Int) throws -> Double {
            let router = try DeferralRouter(training: features, targets: targets,
                                            settings: DeferralRouterSettings(hidden: hidden, steps: 400, learningRate: 0.05, seed: 1))
            let p = try router.probabilities(features)
            return Double(zip(p, targets).filter { ($0 > 0.5) == $1 }.count) / Double(n)
        }
        #expect(try accuracy(16) > 0.9)
        #expect(try accuracy(0) < 0.7)
    }

    @Test func halvesPartitionTheRows() {
        let (fit, selection) = LearnedScores.halves(count: 101, seed: 7)
        #expect(fit.count == 50 && selection.count == 51)
        #expect(Set(fit).isDisjoint(with: selection))
        #expect((fit + selection).sorted() == Array(0..<101))
        #expect(LearnedScores.halves(count: 101, seed: 7).fit == fit)
        #expect(LearnedScores.halves(count: 101, seed: 8).fit != fit)
    }

    @Test func errorsAreOneLocatedLine() throws {
        let features = try DeferralFeatures(names: ["a"], values: [0, 1, 2], count: 3)
        do {
            _ = try DeferralRouter(training: features, targets: [false, false, false])
            Issue.record("a single target class must be refused")
        } catch let error as DeferralError {
            #expect(error.description.contains("every target is 'keep'"))
            #expect(!error.description.contains("\n"))
        }
        #expect(throws: DeferralError.shapeMismatch(what: "training targets", expected: 3, actual: 2)) {
            _ = try DeferralRouter(training: features, targets: [true, false])
        }
        #expect(throws: DeferralError.nonFiniteFeature(what: "features", row: 1, column: 0)) {
            _ = try DeferralFeatures(names: ["a"], values: [0, .nan], count: 2)
        }
        #expect(throws: DeferralError.self) {
            _ = try DeferralRouter(training: features, targets: [true, false, true], settings: DeferralRouterSettings(steps: 0))
        }
    }
}
