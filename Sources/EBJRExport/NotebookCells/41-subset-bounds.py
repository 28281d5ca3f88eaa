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
