import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display

# Everything this notebook reads is in its data folder, beside it (relative path: run from this folder).
DATA = Path("{{data_folder}}")
SCHEMA_VERSION = "{{schema_version}}"
if not (DATA / "report.json").is_file():
    raise FileNotFoundError(f"{DATA / 'report.json'} not found: open this notebook from the folder that holds {DATA}/")
report = json.loads((DATA / "report.json").read_text(encoding="utf-8"))
if report.get("schemaVersion") != SCHEMA_VERSION:
    raise ValueError(f"report.json has schema version {report.get('schemaVersion')}, this notebook reads {SCHEMA_VERSION}")
curves = pd.read_csv(DATA / "curves.csv")
pd.set_option("display.max_columns", None)
pd.set_option("display.width", 250)

ACCEPT_NOTHING = -np.finfo(np.float64).max   # the threshold below every score: accept nothing, route all
deep = report["deep"]


def number(x):
    """Integral values without a decimal point, as in the report (1 → "1", 0.5 → "0.5")."""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e9 else repr(float(x))


def score_label(score):
    """`energy T=1`, `margin`, `random (seed 0)`: the labels of report.md."""
    if score["name"] == "random":
        return f"random (seed {score.get('seed', 0)})"
    return f"{score['name']} T={number(score['temperature'])}" if "temperature" in score else score["name"]


def is_reference(score):
    """Random and oracle are references, not routers one could deploy."""
    return score["name"] in ("random", "oracle")


def criterion_label(c):
    """How the threshold was chosen on validation, worded as in report.md."""
    kind = c["kind"]
    if kind == "target-acceptance":
        return f"target acceptance {100 * c['value']:.1f}%"
    if kind == "accuracy-tolerance":
        return f"within {100 * c['value']:.2f} pp of deep"
    if kind == "guaranteed":
        return f"guaranteed loss ≤ {100 * c['epsilon']:.2f} pp (δ = {float(c['delta'])!r})"
    if kind == "selective-risk":
        return f"selective risk ≤ {100 * c['epsilon']:.1f}% (δ = {float(c['delta'])!r}, weaker)"
    rule = c["rule"]
    sign = "score ≤" if rule["convention"] == "score-at-most" else "−score ≥"
    return f"fixed energy threshold {sign} {float(rule['value'])!r}"


def design(side):
    return side["subsetRouting"]["design"] if side.get("subsetRouting") else "general"


def pct(x):
    """A rate in percent; NaN when undefined (e.g. the side accuracy on accepted inputs when none is accepted)."""
    return np.nan if x is None else 100 * x


print(f"{report['title']}: {len(report['sideModels'])} side model(s) against the deep model {deep['name']} "
      f"(test accuracy {100 * deep['accuracy']['test']:.2f}%)")
