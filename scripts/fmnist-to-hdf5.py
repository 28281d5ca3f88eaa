#!/usr/bin/env python3
"""Write Fashion-MNIST (Debian's IDX files) as an HDF5 data set in the layout of docs/datasets.md.

The splits are those of `data.dataset: fashion-mnist`: train = the first 50,000 training images, validation = the
last 10,000, test = the 10,000 test images; images uint8 [N, 28, 28] exactly as stored in the IDX files, labels
int64, root attribute class_names. No mean/std attributes unless --stats (then the per-channel statistics of the
train split, as `data.normalization: auto` would compute them).

    .venv/bin/python scripts/fmnist-to-hdf5.py data/fashion-mnist.h5
    .venv/bin/python scripts/fmnist-to-hdf5.py /tmp/f.h5 --chunk-rows 64 --compress   # chunked, gzip level 4
"""
import argparse
import gzip
import os

import h5py
import numpy as np

CLASS_NAMES = ["t-shirt/top", "trouser", "pullover", "dress", "coat",
               "sandal", "shirt", "sneaker", "bag", "ankle-boot"]


def idx(path, magic):
    """An IDX file (gzip'd or not): a big-endian header (magic, one uint32 per dimension), then uint8 values."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    found = int.from_bytes(data[:4], "big")
    if found != magic:
        raise SystemExit(f"{path}: magic 0x{found:08x}, expected 0x{magic:08x}")
    rank = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * rank).reshape(dims)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output")
    parser.add_argument("--source", default=os.environ.get("EBJR_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"))
    parser.add_argument("--chunk-rows", type=int, default=0, help="store images in chunks of this many rows (0: contiguous)")
    parser.add_argument("--compress", action="store_true", help="gzip the chunks (needs --chunk-rows)")
    parser.add_argument("--stats", action="store_true", help="store the train split's mean/std as root attributes")
    args = parser.parse_args()

    x = idx(f"{args.source}/train-images-idx3-ubyte.gz", 0x803)
    y = idx(f"{args.source}/train-labels-idx1-ubyte.gz", 0x801)
    x_test = idx(f"{args.source}/t10k-images-idx3-ubyte.gz", 0x803)
    y_test = idx(f"{args.source}/t10k-labels-idx1-ubyte.gz", 0x801)
    splits = [("train", x[:50000], y[:50000]), ("validation", x[50000:], y[50000:]), ("test", x_test, y_test)]
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with h5py.File(args.output, "w") as f:
        f.attrs["class_names"] = CLASS_NAMES
        if args.stats:
            pixels = splits[0][1].astype(np.float64) / 255
            f.attrs["mean"], f.attrs["std"] = [pixels.mean()], [pixels.std()]
        for name, images, labels in splits:
            group = f.create_group(name)
            options = {}
            if args.chunk_rows > 0:
                options["chunks"] = (args.chunk_rows, 28, 28)
                if args.compress:
                    options["compression"] = "gzip"
                    options["compression_opts"] = 4
            group.create_dataset("images", data=images, **options)
            group.create_dataset("labels", data=labels.astype(np.int64))
    print(f"wrote {args.output}: " + ", ".join(f"{n} {len(l)}" for n, _, l in splits))


if __name__ == "__main__":
    main()
