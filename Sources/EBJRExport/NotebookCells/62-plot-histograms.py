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
