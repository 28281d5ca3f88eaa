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
