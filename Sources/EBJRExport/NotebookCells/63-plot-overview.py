fig, ax = plt.subplots(figsize=(7, 4.6))
for side, s in zip(report["sideModels"], routers):
    if s is not None:
        c = pd.DataFrame(s["curves"]["test"]["points"])
        ax.plot(c["relativeCost"], 100 * c["jointAccuracy"], label=f"{side['name']}: {score_label(s['score'])}")
finish(ax, "General vs specialized: joint accuracy vs relative cost (test)", "relative cost (joint FLOPs / deep FLOPs)")
fig.tight_layout()
plt.show()
