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
