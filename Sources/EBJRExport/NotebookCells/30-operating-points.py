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
