#!/usr/bin/env python3
"""Run an exported router (ebjr export router) in onnxruntime on Fashion-MNIST and compare with its report.

Usage: check-router.py ROUTER_DIR [ROUTER_DIR ...] [--data /usr/share/datasets/fashion-mnist]

For each folder: reads router.json, runs side.onnx and deep.onnx on the validation split (the last 10,000
training images) and the test split (pixels / 255, the toolkit's preprocessing), takes the side model's prediction
where `accept` is true and the deep model's elsewhere, and compares the joint-correct and routed counts with the
figures router.json copied from the report (natural mix only: a resampled mix's rows are not in the manifest).
Prints one line per folder and split; exits 1 on any difference.
"""
import gzip
import json
import os
import sys

import numpy as np
import onnxruntime as ort


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def main(argv):
    data = "/usr/share/datasets/fashion-mnist"
    if "--data" in argv:
        i = argv.index("--data")
        data = argv[i + 1]
        argv = argv[:i] + argv[i + 2:]
    train_x, train_y = idx(f"{data}/train-images-idx3-ubyte.gz"), idx(f"{data}/train-labels-idx1-ubyte.gz")
    splits = {
        "validation": (train_x[-10000:], train_y[-10000:]),
        "test": (idx(f"{data}/t10k-images-idx3-ubyte.gz"), idx(f"{data}/t10k-labels-idx1-ubyte.gz")),
    }
    failed = False
    for folder in argv:
        m = json.load(open(os.path.join(folder, "router.json")))
        if m["mix"] != "natural":
            print(f"{folder}: mix {m['mix']} is resampled; only the natural mix can be checked here")
            continue
        sessions = {r: ort.InferenceSession(os.path.join(folder, m[r]["file"]), providers=["CPUExecutionProvider"])
                    for r in ("side", "deep")}
        out = m["outputs"]
        for split, (images, labels) in splits.items():
            x = {r: (images.astype(np.float32) / 255).reshape([len(images)] + m[r]["inputShape"]) for r in ("side", "deep")}
            pred, accept = sessions["side"].run([out["prediction"], out["accept"]], {"input": x["side"]})
            deep = sessions["deep"].run([out["prediction"]], {"input": x["deep"]})[0]
            joint = np.where(accept, pred, deep)
            n = len(labels)
            correct, routed = int((joint == labels).sum()), int((~accept).sum())
            want = m[split]
            want_correct = round(want["jointAccuracy"] * want["sampleCount"])
            want_routed = round(want["routedFraction"] * want["sampleCount"])
            ok = n == want["sampleCount"] and correct == want_correct and routed == want_routed
            failed |= not ok
            print(f"{folder} {split}: joint accuracy {correct / n:.4%} (report {want['jointAccuracy']:.4%}), "
                  f"routed {routed / n:.2%} (report {want['routedFraction']:.2%}) -> {'exact' if ok else 'DIFFERENT'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
