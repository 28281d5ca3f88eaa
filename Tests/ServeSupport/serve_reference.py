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


class LearnedRule(Rule):
    """The learned deferral score g(x) = sigmoid(f(standardised features)) of a report's stored router, written
    again in NumPy (float64) from the features' definition in docs/method.md: logits, one-hot argmax, energy at
    T = 0.5, 1, 2, 4, max-softmax, top-2 logit margin and entropy over the score columns, and for a specialist the
    in-subset softmax mass."""

    def __init__(self, report_path, side_name, criterion_kind, score_name):
        report = json.load(open(report_path))
        side = next(s for s in report["sideModels"] if s["name"] == side_name)
        entry = next(s for s in side["scores"] if s["score"]["name"] == score_name)
        point = next(p for p in entry["operatingPoints"] if p["criterion"]["kind"] == criterion_kind)
        rule = point["rule"]
        self.tau = rule["value"] if rule["convention"] == "score-at-most" else -rule["value"]
        self.routing = side.get("subsetRouting")
        self.state = entry["learnedRouter"]

    @staticmethod
    def _energy(z, t):
        m = z.max(axis=1, keepdims=True)
        return -(t * np.log(np.exp((z - m) / t).sum(axis=1)) + m[:, 0])

    def features(self, side_logits):
        z = side_logits.astype(np.float64)
        n, k = z.shape
        cols = z
        inside = None
        if self.routing is not None and self.routing["design"] == "other-class":
            m = len(self.routing["subset"])
            if not self.routing.get("scoreIncludesOther"):
                cols = z[:, :m]
            inside = z[:, :m]
        onehot = np.zeros((n, k))
        onehot[np.arange(n), z.argmax(axis=1)] = 1
        energies = [self._energy(cols, t) for t in (0.5, 1, 2, 4)]
        p = np.exp(cols - cols.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        top2 = np.sort(cols, axis=1)[:, -2:]
        entropy = -(p * np.log(np.where(p > 0, p, 1))).sum(axis=1)
        parts = [z, onehot, np.stack(energies, 1), p.max(axis=1)[:, None], (top2[:, 1] - top2[:, 0])[:, None], entropy[:, None]]
        if inside is not None:
            parts.append(np.exp(self._energy(z, 1) - self._energy(inside, 1))[:, None])
        return np.concatenate(parts, axis=1)

    def scores(self, side_logits):
        s = self.state
        x = (self.features(side_logits) - np.array(s["standardizer"]["means"])) / np.array(s["standardizer"]["deviations"])
        params = {p["name"]: np.array(p["values"], dtype=np.float64).reshape(p["shape"]) for p in s["parameters"]}
        if s["settings"]["hidden"] == 0:
            f = x @ params["weight"].T + params["bias"]
        else:
            hidden = np.maximum(x @ params["0.weight"].T + params["0.bias"], 0)
            f = hidden @ params["2.weight"].T + params["2.bias"]
        return 1 / (1 + np.exp(-f[:, 0]))
