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
