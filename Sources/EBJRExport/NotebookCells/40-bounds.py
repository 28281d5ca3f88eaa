bound_columns = ["q", "a_S", "a_D^acc", "A_joint", "identity", "lower", "upper", "loss", "loss ≤", "oracle @ budget",
                 "oracle ceiling"]
bounds = test_points.set_index(keys)[bound_columns].astype(float) * 100
bounds["joint beats deep"] = (test_points["a_S"].fillna(0) > test_points["a_D^acc"].fillna(0)).to_numpy()
display(bounds.round(2))
