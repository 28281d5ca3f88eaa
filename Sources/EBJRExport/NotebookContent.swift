import EBJREvaluation
import EBJRRouting
import Foundation

/// The cells of an exported evaluation notebook: markdown written from the result (what was evaluated, how
/// thresholds were chosen, what the bounds and flags mean) and Python cells that read the copied `report.json` /
/// `curves.csv` through relative paths and rebuild the report's tables and plots with pandas and matplotlib.
/// The Python of the code cells is in the `NotebookCells/*.py` resources (see `NotebookCell`).
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
        return [.markdown(md), .code(NotebookCell.evaluatedModels.render()), .markdown(scores), .code(NotebookCell.auroc.render())]
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
        return [.markdown(md), .code(NotebookCell.operatingPoints.render()), .markdown(summary),
                .code(NotebookCell.summary.render()), .markdown(validationToTest), .code(NotebookCell.validationToTest.render())]
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
            model's accuracy, a_D^acc / a_D^routed its accuracy on accepted / routed inputs (docs/method.md §8).

            - **Identity** (exact): A_joint = q·a_S + (1 − q)·a_D^routed, and A_D − A_joint = q·(a_D^acc − a_S): the \
            joint model beats the deep model exactly when the side model is more accurate than the deep one on the \
            inputs it keeps.
            - **Knowing only A_D**: q·a_S + max(0, A_D − q) ≤ A_joint ≤ q·a_S + min(1 − q, A_D), and the loss \
            A_D − A_joint ≤ q·(1 − a_S).
            - **Oracle**: the best accuracy of any router with the same routing budget 1 − q, and the ceiling at any \
            cost, P(side or deep correct).

            Table in %, test split.
            """
        var cells: [NotebookDocument.Cell] = [.markdown(md), .code(NotebookCell.bounds.render())]
        if result.sideModels.contains(where: { $0.subsetRouting != nil }) {
            cells.append(.markdown("""
                ### Specialized side models

                With subset share π, in-subset acceptance r and out-of-subset acceptance f: q = π·r + (1 − π)·f. \
                Every accepted out-of-subset input is an error, so a_S ≤ π·r/q, and \
                A_joint ≤ A_D − (1 − π)·f·a_D^{out,acc} + π·r·(1 − a_D^{in,acc}). Table in %, test split.
                """))
            cells.append(.code(NotebookCell.subsetBounds.render()))
        }
        let hasSelections = result.sideModels.contains { $0.scores.contains { $0.operatingPoints.contains { $0.selection != nil } } }
        if hasSelections {
            cells.append(.markdown("""
                ### Finite-sample selections: validation bound vs test

                The guaranteed (harmful-rate) and selective-risk criteria come with a promise at level δ. The table \
                shows the validation scan (how many thresholds were tested, the harmful count and the upper bound at \
                the chosen one) and whether the promise held on test. A single miss can be chance (probability ≤ δ).
                """))
            cells.append(.code(NotebookCell.selections.render()))
        }
        cells.append(.markdown("""
            ### The numbers reproduce

            Every operating point, on both splits, satisfies the exact identities, and its relative cost is \
            C_S/C_D + (1 − q).
            """))
        cells.append(.code(NotebookCell.checks.render()))
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
        return [.markdown(md), .code(NotebookCell.flags.render())]
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
        return [.markdown(md), .code(NotebookCell.costPlot.render()),
                .markdown("### Joint accuracy vs acceptance"), .code(NotebookCell.acceptancePlot.render()),
                .markdown("""
                    ### Score histograms

                    The test distribution of each side model's first router score, side correct vs wrong (and, \
                    specialized, in vs out of subset): the better separated, the better the threshold can route.
                    """), .code(NotebookCell.histogramPlot.render()),
                .markdown("### All side models at the same cost"), .code(NotebookCell.overviewPlot.render())]
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

    /// The setup cell: IPython magics are not Python, so they are prepended here rather than kept in the cell file.
    private static func setupCode(dataFolder: String) -> String {
        "%matplotlib inline\n" + NotebookCell.setup.render([
            "data_folder": .string(dataFolder), "schema_version": .int(EvaluationResult.currentSchemaVersion),
        ])
    }

    /// The number of deterministic inputs the checkpoint cell runs: a ramp from −1 to 1 through all their values.
    static let checkpointInputCount = 4

    private static func checkpointCode(fileName: String) -> String {
        NotebookCell.checkpoint.render(["checkpoint_file": .string(fileName), "input_count": .int(checkpointInputCount)])
    }

    // MARK: Formatting

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
