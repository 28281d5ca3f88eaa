"""Request bodies for benchmarks/serve-load.sh: batch-1 v2 requests of Fashion-MNIST test images, one JSON per line,
at the natural class mix or resampled to a footwear share (seeded), for MLServer (`[1, 1, 28, 28]`) and for
`ebjr serve` (`[1, 784]`).

usage: serve_load_bodies.py IDX_DIR OUT_DIR [--count 2000]
"""
import argparse
import gzip
import json
import os

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("data")
parser.add_argument("out")
parser.add_argument("--count", type=int, default=2000)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()


def read(name, offset):
    with gzip.open(os.path.join(args.data, name), "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


images = (read("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / np.float32(255))
labels = read("t10k-labels-idx1-ubyte.gz", 8)
footwear = np.isin(labels, [5, 7, 9])
rng = np.random.default_rng(args.seed)
mixes = {"natural": np.arange(args.count)}
n_in = int(round(0.7 * args.count))
mixes["footwear70"] = rng.permutation(np.concatenate([rng.choice(np.flatnonzero(footwear), n_in, replace=False),
                                                      rng.choice(np.flatnonzero(~footwear), args.count - n_in, replace=False)]))
os.makedirs(args.out, exist_ok=True)
for mix, rows in mixes.items():
    for target, shape in (("mlserver", [1, 1, 28, 28]), ("ebjr", [1, 784])):
        with open(os.path.join(args.out, f"{target}-{mix}.jsonl"), "w") as f:
            for i in rows:
                data = [float(f"{v:.6g}") for v in images[i]]
                f.write(json.dumps({"inputs": [{"name": "input", "shape": shape, "datatype": "FP32", "data": data}]},
                                   separators=(",", ":")) + "\n")
    np.save(os.path.join(args.out, f"labels-{mix}.npy"), labels[rows])
print(f"wrote {len(mixes)} mixes of {args.count} requests to {args.out}")
