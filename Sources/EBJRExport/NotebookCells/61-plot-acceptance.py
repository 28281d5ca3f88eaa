fig, axes = side_panels("Joint accuracy vs acceptance (test)")
for side, ax in zip(report["sideModels"], axes.flat):
    for label, reference, c in curve_groups(side["name"]):
        ax.plot(100 * c["acceptance"], 100 * c["joint_accuracy"], "--" if reference else "-", label=label)
    operating_point_markers(ax, side, "acceptance (%)")
    finish(ax, side["name"], "acceptance (% kept on the side model)")
fig.tight_layout()
plt.show()
