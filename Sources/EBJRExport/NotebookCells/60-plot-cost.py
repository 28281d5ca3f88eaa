def curve_groups(side_name, split="test"):
    """One side model's trade-off curves from curves.csv: (label, is_reference, rows) per score."""
    rows = curves[(curves["side_model"] == side_name) & (curves["split"] == split)]
    for (score, temperature), c in rows.groupby(["score", "temperature"], dropna=False, sort=False):
        label = score if pd.isna(temperature) else f"{score} T={number(temperature)}"
        yield label, score in ("random", "oracle"), c


def first_router(side):
    """The side model's first score that is a router (not random or oracle)."""
    return next((s for s in side["scores"] if not is_reference(s["score"])), None)


def side_panels(title, per_side=1):
    """Panels for the side models: up to three per row, or one row of `per_side` panels per side model."""
    n = len(report["sideModels"])
    cols, nrows = (min(3, n), -(-n // min(3, n))) if per_side == 1 else (per_side, n)
    fig, axes = plt.subplots(nrows, cols, figsize=(5.6 * cols, 4.2 * nrows), squeeze=False)
    fig.suptitle(title)
    for ax in (axes.flat[n:] if per_side == 1 else []):
        ax.set_visible(False)
    return fig, axes


def operating_point_markers(ax, side, x_column):
    s = first_router(side)
    if s is not None:
        label = score_label(s["score"])
        chosen = test_points[(test_points["side model"] == side["name"]) & (test_points["score"] == label)]
        ax.scatter(chosen[x_column], chosen["A_joint (%)"], color="black", zorder=3, s=18,
                   label=f"{label}: operating points")


def finish(ax, title, xlabel):
    ax.axhline(100 * deep["accuracy"]["test"], color="black", linewidth=1, linestyle=":",
               label=f"deep model ({deep['name']})")
    ax.set(title=title, xlabel=xlabel, ylabel="joint accuracy (%)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


fig, axes = side_panels("Joint accuracy vs relative cost (test)")
for side, ax in zip(report["sideModels"], axes.flat):
    for label, reference, c in curve_groups(side["name"]):
        ax.plot(c["relative_cost"], 100 * c["joint_accuracy"], "--" if reference else "-", label=label)
    operating_point_markers(ax, side, "relative cost")
    finish(ax, side["name"], "relative cost (joint FLOPs / deep FLOPs)")
fig.tight_layout()
plt.show()
