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
