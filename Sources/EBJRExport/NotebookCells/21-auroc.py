aurocs = pd.DataFrame([{
    "side model": side["name"], "score": score_label(s["score"]),
    "AUROC wrong, val": s["aurocSideWrong"].get("validation"), "AUROC wrong, test": s["aurocSideWrong"].get("test"),
    "AUROC out-of-subset, val": (s.get("aurocOutOfSubset") or {}).get("validation"),
    "AUROC out-of-subset, test": (s.get("aurocOutOfSubset") or {}).get("test"),
} for side in report["sideModels"] for s in side["scores"]])
display(aurocs.round(3))
