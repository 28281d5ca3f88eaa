import EBJREvaluation
import EBJRRouting
import Foundation

/// The cells of an exported evaluation notebook: markdown written from the result (what was evaluated, how
/// thresholds were chosen, what the bounds and flags mean) and Python cells that read the copied `report.json` /
/// `curves.csv` through relative paths and rebuild the report's tables and plots with pandas and matplotlib.
enum NotebookContent {
    /// What the notebook refers to: the data folder's name (relative to the notebook), the evaluation folder's
    /// name, the copied checkpoint's file name inside the data folder, and the copied SVG plots.
    struct Files {
        var dataFolder: String
        var evaluationName: String
        var checkpoint: String?
        var svgs: [String]
    }

    /// Figures drawn by the plot cells: one image per cell.
    static let plotCellCount = 4

    static func document(result: EvaluationResult, title: String?, files: Files) -> NotebookDocument {
        var cells: [NotebookDocument.Cell] = [.markdown(introduction(result, title: title, files: files)),
                                              .code(setupCode(dataFolder: files.dataFolder))]
        cells += evaluatedSection(result)
        cells += operatingPointSection(result)
        cells += boundsSection(result)
        cells += flagsSection(result)
        cells += plotSection(files)
        if let checkpoint = files.checkpoint { cells += checkpointSection(checkpoint) }
        return NotebookDocument(cells: cells)
    }

    // MARK: Narrative

    private static func introduction(_ result: EvaluationResult, title: String?, files: Files) -> String {
        let data = files.dataFolder
        var listed = "`report.json` (every number of the report), `curves.csv` (the trade-off curves)"
        if !files.svgs.isEmpty { listed += ", the report's SVG plots" }
        if let checkpoint = files.checkpoint { listed += " and the side-model checkpoint `\(code(checkpoint))`" }
        return """
            # \(text(title ?? result.title))

            **Energy-based joint reasoning (EBJR).** A small *side model* answers every input; the energy of its \
            logits, E_T(z) = −T·log Σₖ exp(zₖ/T), decides whether its answer is kept (low energy: confident) or \
            the input is routed to the big *deep model*. The price is the side model on every input plus the deep \
            model on the routed ones; the question is how much accuracy that costs against the deep model alone.

            This notebook was exported by the EBJR toolkit from the evaluation report `\(code(files.evaluationName))`. \
            Its data is in the folder [`\(code(data))/`](\(link(data))/) beside it: \(listed). The code cells read \
            only those files, by relative paths, so run the notebook from its own folder (`jupyter notebook`, or \
            `jupyter nbconvert --to notebook --execute`); it needs numpy, pandas and matplotlib\
            \(files.checkpoint == nil ? "" : ", and h5py for the checkpoint").
            """
    }

    private static func evaluatedSection(_ result: EvaluationResult) -> [NotebookDocument.Cell] {
        let d = result.deep
        var md = "## What was evaluated\n\n"
        md += "- **Deep model** `\(code(d.name))`: \(flops(d.flops)) FLOPs per input, accuracy \(percent(d.accuracy.test)) "
            + "on test (± \(percent(d.testAccuracyStandardError)) standard error, which every comparison with it inherits).\n"
        md += "- **Side models** (costs relative to the deep model):\n"
        for side in result.sideModels {
            md += "  - `\(code(side.name))`: \(sideDescription(side)), \(flops(side.flops)) FLOPs per input "
                + "(\(percent(side.flops / d.flops))), accuracy alone \(percent(side.accuracy.test)) on test.\n"
        }
        let routers = result.settings.scores.filter { !$0.isReference }.map { "\(text($0.description))" }
        let references = result.settings.scores.filter(\.isReference).map { "\(text($0.description))" }
        md += "- **Scores** (lower = keep the side model's answer): "
            + (routers.isEmpty ? "none" : routers.joined(separator: ", "))
        if !references.isEmpty {
            md += "; references \(references.joined(separator: ", ")) (not deployable routers: *random* accepts a random "
                + "fraction, *oracle* accepts exactly the side model's correct answers)"
        }
        md += ".\n"
        md += "- **Splits**: thresholds are chosen on validation (n = \(d.sampleCount.validation)) and applied unchanged, "
            + "once, to test (n = \(d.sampleCount.test)), where every number below is reported unless it says otherwise.\n"
        for note in result.notes { md += "- Note: \(text(note))\n" }
        let scores = """
            ### How well each score orders the side model's mistakes

            AUROC of the score for "the side model is wrong" (and, for a specialized side model, for "the input is \
            outside its subset"): 0.5 is chance, 1 means every mistake scores higher than every correct answer, so \
            that some threshold routes exactly the mistakes.
            """
        return [.markdown(md), .code(evaluatedCode), .markdown(scores), .code(aurocCode)]
    }

    private static func sideDescription(_ side: SideModelEvaluation) -> String {
        guard let routing = side.subsetRouting else { return "general (all classes)" }
        let classes = routing.subset.map(String.init).joined(separator: ", ")
        switch routing.design {
        case .subsetOnly:
            return "specialized, subset-only design for classes \(classes) (one output per subset class)"
        case let .otherClass(includesOther):
            return "specialized, other-class design for classes \(classes) (one more output for \"not in the subset\"; "
                + "an input answered \"other\" is always routed; score over \(includesOther ? "all outputs" : "the subset outputs"))"
        case let .generalRestricted(k):
            return "general over \(k) classes, allowed to keep only answers in \(classes)"
        }
    }

    private static func operatingPointSection(_ result: EvaluationResult) -> [NotebookDocument.Cell] {
        var md = """
            ## Operating points

            An operating point is a threshold τ: an input stays on the side model iff its score ≤ τ (the paper \
            writes the same rule as −score ≥ t with t = −τ). Each criterion below picks τ **on the validation \
            split**; the same τ is then applied **unchanged, once, to the test split**, so test numbers are honest \
            estimates of what the rule does on new data. *Acceptance* q is the fraction kept on the side model, \
            *relative cost* = C_S/C_D + (1 − q) the joint FLOPs over the deep model's, Δ = A_joint − A_D. A \
            threshold that accepts nothing routes everything (shown as "route all").

            The criteria of this evaluation:

            """
        for criterion in result.settings.criteria { md += "- **\(text(criterion.description))**: \(explanation(criterion))\n" }
        let summary = """
            ### Summary on test

            First each side model's first score at the first operating point in one line, then one table per \
            criterion with every side model and score side by side, as in the report's summary.
            """
        let validationToTest = """
            ### Validation target → test realised

            The chosen τ (and the paper's t), what it did on validation, and what the same τ did on test.
            """
        return [.markdown(md), .code(pointsCode), .markdown(summary), .code(summaryCode), .markdown(validationToTest),
                .code(validationToTestCode)]
    }

    private static func explanation(_ criterion: SelectionCriterion) -> String {
        switch criterion {
        case .targetAcceptance:
            return "τ is that quantile of the validation scores, so that share of validation inputs stays on the side model."
        case .accuracyTolerance:
            return "the largest validation acceptance whose joint accuracy is at most that far below the deep model's."
        case .guaranteed:
            return "Learn-Then-Test: thresholds are scanned from strict to loose on validation and the last one kept "
                + "whose one-sided Clopper–Pearson upper bound on the harmful rate (accepted, side wrong, deep right) is "
                + "≤ ε; with probability ≥ 1 − δ the joint model then loses at most ε against the deep model on new data."
        case .selectiveRisk:
            return "the largest acceptance whose Clopper–Pearson bound on the side model's error among accepted "
                + "inputs is ≤ ε: a weaker promise, which says nothing about the joint model's loss."
        case .fixed:
            return "a threshold given outright (e.g. a published one); it applies to the energy scores only."
        }
    }

    private static func boundsSection(_ result: EvaluationResult) -> [NotebookDocument.Cell] {
        let md = """
            ## Bounds

            Notation on one split: q acceptance, a_S the side model's accuracy on accepted inputs, A_D the deep \
            model's accuracy, a_D^acc / a_D^routed its accuracy on accepted / routed inputs (METHOD §8).

            - **Identity** (exact): A_joint = q·a_S + (1 − q)·a_D^routed, and A_D − A_joint = q·(a_D^acc − a_S): the \
            joint model beats the deep model exactly when the side model is more accurate than the deep one on the \
            inputs it keeps.
            - **Knowing only A_D**: q·a_S + max(0, A_D − q) ≤ A_joint ≤ q·a_S + min(1 − q, A_D), and the loss \
            A_D − A_joint ≤ q·(1 − a_S).
            - **Oracle**: the best accuracy of any router with the same routing budget 1 − q, and the ceiling at any \
            cost, P(side or deep correct).

            Table in %, test split.
            """
        var cells: [NotebookDocument.Cell] = [.markdown(md), .code(boundsCode)]
        if result.sideModels.contains(where: { $0.subsetRouting != nil }) {
            cells.append(.markdown("""
                ### Specialized side models

                With subset share π, in-subset acceptance r and out-of-subset acceptance f: q = π·r + (1 − π)·f. \
                Every accepted out-of-subset input is an error, so a_S ≤ π·r/q, and \
                A_joint ≤ A_D − (1 − π)·f·a_D^{out,acc} + π·r·(1 − a_D^{in,acc}). Table in %, test split.
                """))
            cells.append(.code(subsetCode))
        }
        let hasSelections = result.sideModels.contains { $0.scores.contains { $0.operatingPoints.contains { $0.selection != nil } } }
        if hasSelections {
            cells.append(.markdown("""
                ### Finite-sample selections: validation bound vs test

                The guaranteed (harmful-rate) and selective-risk criteria come with a promise at level δ. The table \
                shows the validation scan (how many thresholds were tested, the harmful count and the upper bound at \
                the chosen one) and whether the promise held on test. A single miss can be chance (probability ≤ δ).
                """))
            cells.append(.code(selectionsCode))
        }
        cells.append(.markdown("""
            ### The numbers reproduce

            Every operating point, on both splits, satisfies the exact identities, and its relative cost is \
            C_S/C_D + (1 − q).
            """))
        cells.append(.code(checksCode))
        return cells
    }

    private static func flagsSection(_ result: EvaluationResult) -> [NotebookDocument.Cell] {
        let points = result.sideModels.flatMap(\.scores).flatMap(\.operatingPoints)
        let count = points.map { $0.validation.flags.count + $0.test.flags.count }.reduce(0, +)
        let md = """
            ## Flags

            A flag is a measured value outside its bound. The identities and the deterministic bounds hold exactly \
            for consistent data, so a flag there means the measured joint accuracy disagrees with the statistics: a \
            pipeline bug. The guarantee (A_D − A_joint ≤ ε) is probabilistic and may fail with probability ≤ δ. \
            This evaluation has \(count == 0 ? "no flags" : count == 1 ? "1 flag" : "\(count) flags").
            """
        return [.markdown(md), .code(flagsCode)]
    }

    private static func plotSection(_ files: Files) -> [NotebookDocument.Cell] {
        var md = """
            ## Plots

            Test curves from `curves.csv`: each score's joint accuracy over its whole threshold sweep, references \
            dashed, the deep model's accuracy dotted, and the first router score's operating points as dots.
            """
        if !files.svgs.isEmpty {
            md += " The report's own SVG plots are in the data folder: "
                + files.svgs.map { "[\(text($0))](\(link(files.dataFolder))/\(link($0)))" }.joined(separator: ", ") + "."
        }
        return [.markdown(md), .code(costPlotCode),
                .markdown("### Joint accuracy vs acceptance"), .code(acceptancePlotCode),
                .markdown("""
                    ### Score histograms

                    The test distribution of each side model's first router score, side correct vs wrong (and, \
                    specialized, in vs out of subset): the better separated, the better the threshold can route.
                    """), .code(histogramPlotCode),
                .markdown("### All side models at the same cost"), .code(overviewPlotCode)]
    }

    private static func checkpointSection(_ checkpoint: String) -> [NotebookDocument.Cell] {
        let md = """
            ## The side model, run with NumPy

            The checkpoint `\(code(checkpoint))` is an HDF5 file (format `ebjr-checkpoint`): `model_config` describes \
            the layers, `model_weights` holds one group per layer with parameters, listed in model order by its \
            `layer_names` attribute, each group naming its datasets in `weight_names` (PyTorch layout: linear \
            weight [out, in], convolution weight [out, in, kh, kw]). The cell below walks it with h5py, runs the \
            forward pass layer by layer in NumPy on a few deterministic inputs, and prints the logits and the \
            energies E(z) = −log Σₖ exp(zₖ) (T = 1, over all outputs); compare them with the thresholds τ of the \
            energy operating points above (accept iff E ≤ τ).
            """
        return [.markdown(md), .code(checkpointCode(fileName: checkpoint))]
    }

    // MARK: Python

    private static func setupCode(dataFolder: String) -> String {
        #"""
        %matplotlib inline
        import json
        from pathlib import Path

        import matplotlib.pyplot as plt
        import numpy as np
        import pandas as pd
        from IPython.display import display

        # Everything this notebook reads is in its data folder, beside it (relative path: run from this folder).
        DATA = Path(\#(pythonString(dataFolder)))
        SCHEMA_VERSION = \#(EvaluationResult.currentSchemaVersion)
        if not (DATA / "report.json").is_file():
            raise FileNotFoundError(f"{DATA / 'report.json'} not found: open this notebook from the folder that holds {DATA}/")
        report = json.loads((DATA / "report.json").read_text(encoding="utf-8"))
        if report.get("schemaVersion") != SCHEMA_VERSION:
            raise ValueError(f"report.json has schema version {report.get('schemaVersion')}, this notebook reads {SCHEMA_VERSION}")
        curves = pd.read_csv(DATA / "curves.csv")
        pd.set_option("display.max_columns", None)
        pd.set_option("display.width", 250)

        ACCEPT_NOTHING = -np.finfo(np.float64).max   # the threshold below every score: accept nothing, route all
        deep = report["deep"]


        def number(x):
            """Integral values without a decimal point, as in the report (1 → "1", 0.5 → "0.5")."""
            return str(int(x)) if float(x).is_integer() and abs(x) < 1e9 else repr(float(x))


        def score_label(score):
            """`energy T=1`, `margin`, `random (seed 0)`: the labels of report.md."""
            if score["name"] == "random":
                return f"random (seed {score.get('seed', 0)})"
            return f"{score['name']} T={number(score['temperature'])}" if "temperature" in score else score["name"]


        def is_reference(score):
            """Random and oracle are references, not routers one could deploy."""
            return score["name"] in ("random", "oracle")


        def criterion_label(c):
            """How the threshold was chosen on validation, worded as in report.md."""
            kind = c["kind"]
            if kind == "target-acceptance":
                return f"target acceptance {100 * c['value']:.1f}%"
            if kind == "accuracy-tolerance":
                return f"within {100 * c['value']:.2f} pp of deep"
            if kind == "guaranteed":
                return f"guaranteed loss ≤ {100 * c['epsilon']:.2f} pp (δ = {float(c['delta'])!r})"
            if kind == "selective-risk":
                return f"selective risk ≤ {100 * c['epsilon']:.1f}% (δ = {float(c['delta'])!r}, weaker)"
            rule = c["rule"]
            sign = "score ≤" if rule["convention"] == "score-at-most" else "−score ≥"
            return f"fixed energy threshold {sign} {float(rule['value'])!r}"


        def design(side):
            return side["subsetRouting"]["design"] if side.get("subsetRouting") else "general"


        def pct(x):
            """A rate in percent; NaN when undefined (e.g. the side accuracy on accepted inputs when none is accepted)."""
            return np.nan if x is None else 100 * x


        print(f"{report['title']}: {len(report['sideModels'])} side model(s) against the deep model {deep['name']} "
              f"(test accuracy {100 * deep['accuracy']['test']:.2f}%)")
        """#
    }

    private static let evaluatedCode = #"""
        deep_table = pd.DataFrame([{
            "deep model": deep["name"], "FLOPs/input": deep["flops"],
            "accuracy val (%)": pct(deep["accuracy"]["validation"]), "accuracy test (%)": pct(deep["accuracy"]["test"]),
            "± std. error test (%)": pct(deep["testAccuracyStandardError"]),
            "n val": deep["sampleCount"]["validation"], "n test": deep["sampleCount"]["test"],
        }])
        side_table = pd.DataFrame([{
            "side model": side["name"], "design": design(side),
            "subset": ", ".join(map(str, side["subsetRouting"]["subset"])) if side.get("subsetRouting") else "",
            "FLOPs/input": side["flops"], "cost / deep": side["flops"] / deep["flops"],
            "accuracy val (%)": pct(side["accuracy"]["validation"]), "accuracy test (%)": pct(side["accuracy"]["test"]),
            "in-subset share π test (%)": pct((side.get("inSubsetShare") or {}).get("test")),
            "accuracy in subset test (%)": pct((side.get("inSubsetAccuracy") or {}).get("test")),
        } for side in report["sideModels"]])
        display(deep_table.round(3), side_table.round(4))
        """#

    private static let aurocCode = #"""
        aurocs = pd.DataFrame([{
            "side model": side["name"], "score": score_label(s["score"]),
            "AUROC wrong, val": s["aurocSideWrong"].get("validation"), "AUROC wrong, test": s["aurocSideWrong"].get("test"),
            "AUROC out-of-subset, val": (s.get("aurocOutOfSubset") or {}).get("validation"),
            "AUROC out-of-subset, test": (s.get("aurocOutOfSubset") or {}).get("test"),
        } for side in report["sideModels"] for s in side["scores"]])
        display(aurocs.round(3))
        """#

    private static let pointsCode = #"""
        # One row per side model × score × operating point × split: the long table the other tables select from.
        rows = []
        for side in report["sideModels"]:
            for s in side["scores"]:
                for p in s["operatingPoints"]:
                    tau = p["rule"]["value"]
                    for split in ("validation", "test"):
                        e = p[split]
                        st, b = e["statistics"], e["bounds"]
                        rows.append({
                            "side model": side["name"], "design": design(side), "score": score_label(s["score"]),
                            "criterion": criterion_label(p["criterion"]), "split": split,
                            "τ (score ≤ τ)": np.nan if tau == ACCEPT_NOTHING else tau,
                            "t (paper: −score ≥ t)": np.nan if tau == ACCEPT_NOTHING else -tau,
                            "route all": tau == ACCEPT_NOTHING,
                            "acceptance (%)": pct(st["acceptance"]), "routed (%)": pct(1 - st["acceptance"]),
                            "A_joint (%)": pct(e["measuredJointAccuracy"]),
                            "Δ vs deep (pp)": pct(e["measuredJointAccuracy"] - st["deepAccuracy"]),
                            "relative cost": e["relativeCost"], "flags": len(e["flags"]),
                            "q": st["acceptance"], "a_S": st.get("sideAccuracyAccepted"),
                            "a_D^acc": st.get("deepAccuracyAccepted"), "A_D": st["deepAccuracy"],
                            "A_joint": e["measuredJointAccuracy"], "identity": b["jointAccuracyIdentity"],
                            "lower": b["jointAccuracyLower"], "upper": b["jointAccuracyUpper"],
                            "loss": st["deepAccuracy"] - e["measuredJointAccuracy"], "loss ≤": b["lossUpper"],
                            "oracle @ budget": b["oracleAtRoutingBudget"], "oracle ceiling": b["oracleCeiling"],
                            "subset bounds": b.get("subset"), "subset statistics": st.get("subset"),
                        })
        points = pd.DataFrame(rows)
        keys = ["side model", "score", "criterion"]
        test_points = points[points["split"] == "test"]
        """#

    private static let summaryCode = #"""
        # Headline: each side model's first score at the first operating point, validation target → test realised.
        for side in report["sideModels"]:
            s, p = side["scores"][0], side["scores"][0]["operatingPoints"][0]
            t = p["test"]
            print(f"{side['name']}: {score_label(s['score'])}, {criterion_label(p['criterion'])} → test acceptance "
                  f"{100 * t['statistics']['acceptance']:.2f}%, A_joint {100 * t['measuredJointAccuracy']:.2f}% "
                  f"(Δ {100 * (t['measuredJointAccuracy'] - t['statistics']['deepAccuracy']):+.2f} pp), "
                  f"relative cost {t['relativeCost']:.3f}")
        print()

        summary_columns = ["side model", "design", "score", "acceptance (%)", "routed (%)", "A_joint (%)", "Δ vs deep (pp)",
                           "relative cost", "flags"]
        for criterion, table in test_points.groupby("criterion", sort=False):
            print(criterion)
            display(table[summary_columns].round(3).reset_index(drop=True))
        """#

    private static let validationToTestCode = #"""
        val = points[points["split"] == "validation"].reset_index(drop=True)
        tst = points[points["split"] == "test"].reset_index(drop=True)   # same order as val, row by row
        operating_points = pd.DataFrame({
            **{k: val[k] for k in keys},
            "τ": val["τ (score ≤ τ)"], "t (paper)": val["t (paper: −score ≥ t)"], "route all": val["route all"],
            "val acceptance (%)": val["acceptance (%)"], "val A_joint (%)": val["A_joint (%)"], "val Δ (pp)": val["Δ vs deep (pp)"],
            "test acceptance (%)": tst["acceptance (%)"], "test A_joint (%)": tst["A_joint (%)"],
            "test Δ (pp)": tst["Δ vs deep (pp)"], "relative cost": tst["relative cost"],
        }).set_index(keys)
        display(operating_points.round(4))
        """#

    private static let boundsCode = #"""
        bound_columns = ["q", "a_S", "a_D^acc", "A_joint", "identity", "lower", "upper", "loss", "loss ≤", "oracle @ budget",
                         "oracle ceiling"]
        bounds = test_points.set_index(keys)[bound_columns].astype(float) * 100
        bounds["joint beats deep"] = (test_points["a_S"].fillna(0) > test_points["a_D^acc"].fillna(0)).to_numpy()
        display(bounds.round(2))
        """#

    private static let subsetCode = #"""
        specialized = test_points[test_points["subset bounds"].notna()]
        subset_table = pd.DataFrame([{
            **{k: r[k] for k in keys},
            "π": pct(r["subset bounds"]["inSubsetShare"]), "r": pct(r["subset bounds"]["inSubsetAcceptance"]),
            "f": pct(r["subset bounds"]["outOfSubsetAcceptance"]),
            "π·r + (1 − π)·f": pct(r["subset bounds"]["acceptanceIdentity"]), "q": pct(r["q"]),
            "a_S": pct(r["a_S"]), "π·r/q": pct(r["subset bounds"]["sideAccuracyAcceptedUpper"]),
            "a_S on accepted in-subset": pct(r["subset statistics"].get("sideAccuracyAcceptedInSubset")),
            "out-of-subset loss (pp)": pct(r["subset bounds"]["outOfSubsetLoss"]),
            "A_joint": pct(r["A_joint"]), "A_joint ≤": pct(r["subset bounds"]["jointAccuracyUpper"]),
        } for _, r in specialized.iterrows()]).set_index(keys)
        display(subset_table.round(2))
        """#

    private static let selectionsCode = #"""
        selection_rows = []
        for side in report["sideModels"]:
            for s in side["scores"]:
                for p in s["operatingPoints"]:
                    g = p.get("selection")
                    if g is None:
                        continue
                    st, measured = p["test"]["statistics"], p["test"]["measuredJointAccuracy"]
                    test_loss = st["deepAccuracy"] - measured
                    side_error = None if st.get("sideAccuracyAccepted") is None else 1 - st["sideAccuracyAccepted"]
                    promised = test_loss if g["kind"] == "harmful-rate" else (side_error or 0)
                    selection_rows.append({
                        "side model": side["name"], "score": score_label(s["score"]), "kind": g["kind"], "ε": g["epsilon"],
                        "δ": g["delta"], "thresholds tested": g["testedCount"],
                        "val harmful": f"{g['point']['harmfulCount']} / {g['point']['sampleCount']}",
                        "val upper bound": g["upperBound"],
                        "val acceptance (%)": 100 * g["point"]["acceptedCount"] / g["point"]["sampleCount"],
                        "test loss (pp)": 100 * test_loss, "test side error on accepted (%)": pct(side_error),
                        "promise kept on test": promised <= g["epsilon"] + 1e-12,
                    })
        display(pd.DataFrame(selection_rows).round(4))
        """#

    private static let checksCode = #"""
        side_costs = {side["name"]: side["flops"] / deep["flops"] for side in report["sideModels"]}
        identity_error = (points["identity"] - points["A_joint"]).abs().max()
        loss_error = max(abs(r["loss"] - r["q"] * ((r["a_D^acc"] or 0) - (r["a_S"] or 0))) for _, r in points.iterrows())
        cost_error = max(abs(r["relative cost"] - (side_costs[r["side model"]] + 1 - r["q"])) for _, r in points.iterrows())
        print(f"{len(points)} operating points × splits: max |A_joint − identity| = {identity_error:.1e}, "
              f"max |loss − q·(a_D^acc − a_S)| = {loss_error:.1e}, max |cost − (C_S/C_D + 1 − q)| = {cost_error:.1e}")
        assert max(identity_error, loss_error, cost_error) < 1e-9, "report.json is not internally consistent"
        """#

    private static let flagsCode = #"""
        flag_rows = [{
            "side model": side["name"], "score": score_label(s["score"]), "criterion": criterion_label(p["criterion"]),
            "split": split, "check": f["check"], "measured": f["measured"], "relation": f["relation"], "bound": f["bound"],
            "note": f["note"],
        } for side in report["sideModels"] for s in side["scores"] for p in s["operatingPoints"]
          for split in ("validation", "test") for f in p[split]["flags"]]
        if flag_rows:
            display(pd.DataFrame(flag_rows))
        else:
            print("No measured value lies outside its bound.")
        """#

    private static let costPlotCode = #"""
        def curve_groups(side_name, split="test"):
            """One side model's trade-off curves from curves.csv: (label, is_reference, rows) per score."""
            rows = curves[(curves["side_model"] == side_name) & (curves["split"] == split)]
            for (score, temperature), c in rows.groupby(["score", "temperature"], dropna=False, sort=False):
                label = score if pd.isna(temperature) else f"{score} T={number(temperature)}"
                yield label, score in ("random", "oracle"), c


        def first_router(side):
            """The side model's first score that is a router (not random or oracle)."""
            return next((s for s in side["scores"] if not is_reference(s["score"])), None)


        def side_panels(title, per_side=1):
            """Panels for the side models: up to three per row, or one row of `per_side` panels per side model."""
            n = len(report["sideModels"])
            cols, nrows = (min(3, n), -(-n // min(3, n))) if per_side == 1 else (per_side, n)
            fig, axes = plt.subplots(nrows, cols, figsize=(5.6 * cols, 4.2 * nrows), squeeze=False)
            fig.suptitle(title)
            for ax in (axes.flat[n:] if per_side == 1 else []):
                ax.set_visible(False)
            return fig, axes


        def operating_point_markers(ax, side, x_column):
            s = first_router(side)
            if s is not None:
                label = score_label(s["score"])
                chosen = test_points[(test_points["side model"] == side["name"]) & (test_points["score"] == label)]
                ax.scatter(chosen[x_column], chosen["A_joint (%)"], color="black", zorder=3, s=18,
                           label=f"{label}: operating points")


        def finish(ax, title, xlabel):
            ax.axhline(100 * deep["accuracy"]["test"], color="black", linewidth=1, linestyle=":",
                       label=f"deep model ({deep['name']})")
            ax.set(title=title, xlabel=xlabel, ylabel="joint accuracy (%)")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)


        fig, axes = side_panels("Joint accuracy vs relative cost (test)")
        for side, ax in zip(report["sideModels"], axes.flat):
            for label, reference, c in curve_groups(side["name"]):
                ax.plot(c["relative_cost"], 100 * c["joint_accuracy"], "--" if reference else "-", label=label)
            operating_point_markers(ax, side, "relative cost")
            finish(ax, side["name"], "relative cost (joint FLOPs / deep FLOPs)")
        fig.tight_layout()
        plt.show()
        """#

    private static let acceptancePlotCode = #"""
        fig, axes = side_panels("Joint accuracy vs acceptance (test)")
        for side, ax in zip(report["sideModels"], axes.flat):
            for label, reference, c in curve_groups(side["name"]):
                ax.plot(100 * c["acceptance"], 100 * c["joint_accuracy"], "--" if reference else "-", label=label)
            operating_point_markers(ax, side, "acceptance (%)")
            finish(ax, side["name"], "acceptance (% kept on the side model)")
        fig.tight_layout()
        plt.show()
        """#

    private static let histogramPlotCode = #"""
        routers = [first_router(side) for side in report["sideModels"]]
        fig, axes = side_panels("Score histograms (test)", per_side=max([len(s["histograms"]) for s in routers if s] + [1]))
        for s, row in zip(routers, axes):
            histograms = s["histograms"] if s else []
            for ax, h in zip(row, histograms):
                for group in h["groups"]:
                    ax.stairs(group["counts"], h["edges"], fill=True, alpha=0.45, label=group["name"])
                ax.set(xlabel=f"{score_label(s['score'])} (lower = keep on side model)", ylabel="inputs")
                ax.set_title(h["title"], fontsize=9)
                ax.legend(fontsize=8)
            for ax in row[len(histograms):]:
                ax.set_visible(False)
        fig.tight_layout()
        plt.show()
        """#

    private static let overviewPlotCode = #"""
        fig, ax = plt.subplots(figsize=(7, 4.6))
        for side, s in zip(report["sideModels"], routers):
            if s is not None:
                c = pd.DataFrame(s["curves"]["test"]["points"])
                ax.plot(c["relativeCost"], 100 * c["jointAccuracy"], label=f"{side['name']}: {score_label(s['score'])}")
        finish(ax, "General vs specialized: joint accuracy vs relative cost (test)", "relative cost (joint FLOPs / deep FLOPs)")
        fig.tight_layout()
        plt.show()
        """#

    /// The number of deterministic inputs the checkpoint cell runs: a ramp from −1 to 1 through all their values.
    static let checkpointInputCount = 4

    private static func checkpointCode(fileName: String) -> String {
        #"""
        import h5py

        CHECKPOINT = DATA / \#(pythonString(fileName))


        def strings(value):
            """h5py returns strings as str, bytes or arrays of either: always a list of str."""
            return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in np.atleast_1d(value)]


        def read_checkpoint(path):
            """The model description, the parameters by full name (`layers.0.weight`) and the class names."""
            with h5py.File(path, "r") as f:
                if strings(f.attrs.get("format", ""))[0] != "ebjr-checkpoint":
                    raise ValueError(f"{path} is not an EBJR checkpoint (root attribute format = {f.attrs.get('format')!r})")
                if "model_config" not in f:
                    raise ValueError(f"{path} has no model_config: its layers cannot be rebuilt")
                config = json.loads(f["model_config"].asstr()[()])
                weights = f["model_weights"]
                params = {}
                for layer in strings(weights.attrs["layer_names"]):   # model order (listing groups sorts by name)
                    group = weights[layer]
                    for name in strings(group.attrs["weight_names"]):
                        params[name if layer == "__root__" else f"{layer}.{name}"] = np.asarray(group[name][()])
                class_names = []
                if "class_names" in f and f["class_names"].shape:    # absent or empty: no names
                    class_names = strings(f["class_names"].asstr()[()])
            return config, params, class_names


        def windows(h, k, stride):
            """All k×k windows of [N, C, H, W] at the given stride, as a view [N, C, H', W', k, k]."""
            return np.lib.stride_tricks.sliding_window_view(h, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]


        def forward(x, config, params):
            """Logits of a batch x [N, *input_shape], layer by layer in float64 (PyTorch weight layout)."""
            h = np.asarray(x, dtype=np.float64)
            for i, layer in enumerate(config["layers"]):
                kind = layer["type"]

                def param(name):
                    key = f"layers.{i}.{name}"
                    if key not in params:
                        raise KeyError(f"layer {i} ({kind}) needs {key}; the checkpoint has {sorted(params)}")
                    return params[key].astype(np.float64)

                if kind == "linear":                                   # weight [out, in]: y = x Wᵀ + b
                    h = h @ param("weight").T
                    if layer.get("bias", True):
                        h = h + param("bias")
                elif kind == "conv2d":                                 # weight [out, in, kh, kw], cross-correlation
                    w = param("weight")
                    pad, stride = layer.get("padding", 0), layer.get("stride", 1)
                    if pad:
                        h = np.pad(h, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
                    h = np.tensordot(windows(h, w.shape[2], stride), w, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)
                    if layer.get("bias", True):
                        h = h + param("bias")[None, :, None, None]
                elif kind == "relu":
                    h = np.maximum(h, 0)
                elif kind == "tanh":
                    h = np.tanh(h)
                elif kind == "maxpool2d":
                    k = layer["kernel_size"]
                    h = windows(h, k, layer.get("stride", k)).max(axis=(4, 5))
                elif kind == "flatten":
                    h = h.reshape(len(h), -1)
                elif kind == "dropout":                                # the identity at inference
                    pass
                else:
                    raise ValueError(f"layer {i}: unknown type {kind!r}")
            return h


        def energy(logits, temperature=1.0):
            """E_T(z) = −T·log Σ exp(z/T), computed stably; lower = more confident = keep on the side model."""
            z = np.asarray(logits, dtype=np.float64) / temperature
            m = z.max(axis=1, keepdims=True)
            return -temperature * (m[:, 0] + np.log(np.exp(z - m).sum(axis=1)))


        config, params, class_names = read_checkpoint(CHECKPOINT)
        print(f"{CHECKPOINT.name}: input shape {config['input_shape']}, {len(config['layers'])} layers")
        for name, value in params.items():
            print(f"  {name}: {list(value.shape)}")

        # Deterministic inputs: one ramp from −1 to 1 through all values of N inputs. Replace X with real inputs of
        # shape (N, *input_shape), preprocessed as in training, to see the model's own answers.
        N = \#(checkpointInputCount)
        input_shape = tuple(config["input_shape"])
        X = np.linspace(-1.0, 1.0, N * int(np.prod(input_shape))).reshape((N,) + input_shape).astype(np.float32)
        logits = forward(X, config, params)
        energies = energy(logits)
        for i in range(N):
            print(f"input {i}: energy {energies[i]:.9g}, logits [{', '.join(f'{v:.9g}' for v in logits[i])}]")
        names = class_names if len(class_names) == logits.shape[1] else [f"class {j}" for j in range(logits.shape[1])]
        display(pd.DataFrame({"prediction": [names[j] for j in logits.argmax(axis=1)], "energy E(z)": energies}))
        """#
    }

    // MARK: Formatting

    /// A Python string literal (a JSON string is one: same quotes and escapes; slashes are left unescaped).
    static func pythonString(_ s: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: s, options: [.fragmentsAllowed, .withoutEscapingSlashes])) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Plain markdown text: markdown punctuation backslash-escaped, HTML characters as entities, one line.
    static func text(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "\\", "`", "*", "_", "[", "]", "#", "|": out += "\\\(ch)"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\n", "\r", "\r\n": out += " "
            default: out.append(ch)
            }
        }
        return out
    }

    /// Text for a markdown code span: backticks and line breaks cannot appear inside one.
    static func code(_ s: String) -> String {
        String(s.map { $0 == "`" ? "'" : ($0.isNewline ? " " : $0) })
    }

    /// A relative link target: percent-encoded path characters.
    static func link(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "()"))) ?? s
    }

    static func percent(_ x: Double) -> String { String(format: "%.2f%%", 100 * x) }

    static func flops(_ x: Double) -> String {
        x >= 1e9 ? String(format: "%.3g G", x / 1e9) : x >= 1e6 ? String(format: "%.3g M", x / 1e6)
            : x >= 1e3 ? String(format: "%.3g k", x / 1e3) : String(format: "%.0f", x)
    }
}
