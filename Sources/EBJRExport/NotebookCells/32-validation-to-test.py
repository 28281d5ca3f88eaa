val = points[points["split"] == "validation"].reset_index(drop=True)
tst = points[points["split"] == "test"].reset_index(drop=True)   # same order as val, row by row
operating_points = pd.DataFrame({
    **{k: val[k] for k in keys},
    "τ": val["τ (score ≤ τ)"], "t (paper)": val["t (paper: −score ≥ t)"], "route all": val["route all"],
    "val acceptance (%)": val["acceptance (%)"], "val A_joint (%)": val["A_joint (%)"], "val Δ (pp)": val["Δ vs deep (pp)"],
    "test acceptance (%)": tst["acceptance (%)"], "test A_joint (%)": tst["A_joint (%)"],
    "test Δ (pp)": tst["Δ vs deep (pp)"], "relative cost": tst["relative cost"],
}).set_index(keys)
display(operating_points.round(4))
