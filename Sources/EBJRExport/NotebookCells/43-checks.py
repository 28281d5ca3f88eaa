side_costs = {side["name"]: side["flops"] / deep["flops"] for side in report["sideModels"]}
identity_error = (points["identity"] - points["A_joint"]).abs().max()
loss_error = max(abs(r["loss"] - r["q"] * ((r["a_D^acc"] or 0) - (r["a_S"] or 0))) for _, r in points.iterrows())
cost_error = max(abs(r["relative cost"] - (side_costs[r["side model"]] + 1 - r["q"])) for _, r in points.iterrows())
print(f"{len(points)} operating points × splits: max |A_joint − identity| = {identity_error:.1e}, "
      f"max |loss − q·(a_D^acc − a_S)| = {loss_error:.1e}, max |cost − (C_S/C_D + 1 − q)| = {cost_error:.1e}")
assert max(identity_error, loss_error, cost_error) < 1e-9, "report.json is not internally consistent"
