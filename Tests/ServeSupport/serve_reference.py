"""The reference the `ebjr serve` tests compare with, computed independently in NumPy: Fashion-MNIST test images
read from the IDX file, the logits `ebjr logits` wrote (h5py), the rule read from `ebjr evaluate`'s report.json,
and the joint model's answer per sample."""
import gzip
import json

import h5py
import numpy as np


def test_images(idx_gz, count):
    with gzip.open(idx_gz, "rb") as f:
        raw = f.read()
    n, rows, cols = (int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(3))
    pixels = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, rows * cols)[:count]
    return (pixels.astype(np.float32) / np.float32(255)).reshape(count, 1, rows, cols)


def logits(path, count):
    with h5py.File(path, "r") as f:
        return np.asarray(f["logits"][:count], dtype=np.float32)


class Rule:
    """accept iff the side model may keep its answer and score ≤ τ; energy over the design's score columns."""

    def __init__(self, report_path, side_name, criterion_kind):
        report = json.load(open(report_path))
        side = next(s for s in report["sideModels"] if s["name"] == side_name)
        points = [(s["score"], p) for s in side["scores"] if s["score"]["name"] not in ("random", "oracle")
                  for p in s["operatingPoints"] if p["criterion"]["kind"] == criterion_kind]
        score, point = min(points, key=lambda sp: sp[1]["validation"]["relativeCost"])
        assert score["name"] == "energy", f"the reference implements the energy score only, not {score}"
        rule = point["rule"]
        self.tau = rule["value"] if rule["convention"] == "score-at-most" else -rule["value"]
        self.temperature = score.get("temperature", 1.0)
        self.routing = side.get("subsetRouting")

    def scores(self, side_logits):
        z = side_logits.astype(np.float64)
        if self.routing is not None and self.routing["design"] == "other-class" and not self.routing.get("scoreIncludesOther"):
            z = z[:, :len(self.routing["subset"])]
        t = self.temperature
        m = z.max(axis=1, keepdims=True)
        return -(t * np.log(np.exp((z - m) / t).sum(axis=1)) + m[:, 0])

    def side_classes(self, side_logits):
        """Global class of the side model's argmax, -1 for "other"."""
        out = side_logits.argmax(axis=1)
        if self.routing is None:
            return out
        subset = self.routing["subset"]
        return np.array([subset[o] if o < len(subset) else -1 for o in out])

    def eligible(self, side_logits):
        out = side_logits.argmax(axis=1)
        if self.routing is not None and self.routing["design"] == "other-class":
            return out != len(self.routing["subset"])
        return np.ones(len(out), dtype=bool)

    def accepted(self, side_logits):
        return self.eligible(side_logits) & (self.scores(side_logits) <= self.tau)

    def joint(self, side_logits, deep_logits):
        accepted = self.accepted(side_logits)
        return np.where(accepted, self.side_classes(side_logits), deep_logits.argmax(axis=1)), accepted
